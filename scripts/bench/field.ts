/**
 * bench:field — faces of field photos (issue 18): degraded variants of lfw-dev portraits, each
 * searched 1:N with a clean photo of the same person, for today's recipe without the rescue
 * cascade and for the manifest recipe, in one run on the same photos (the first SSD pass is
 * shared, so the comparison costs only the rescue passes).
 *
 * Per person (people with ≥ 2 photos, a deterministic spread): photo 1 is the archive photo,
 * degraded in every kind of field-degradation.ts; photo 2, clean, is the family's probe. Per kind
 * the gallery holds every face found in that kind's photos of all people; a probe hits at rank 1
 * when the most similar gallery face is its person's face (a face counts as a person's when its
 * box centre lies within half a face of where that person's face is). A photo without its face
 * found is a miss. Face-free images (block-shuffled photos, noise, bricks, leaves) give the false
 * detections per image. `oneArchive` searches all degraded kinds' faces in one gallery (a
 * person's faces in the other kinds left out of their own search): an archive's size of strangers.
 *
 *   nice -n 15 npm run bench:field -- [--lfw DIR] [--people 40] [--kinds a,b] [--workers 2] [--json]
 *       [--baseline-manifest FILE | --no-baseline]
 *
 * `--baseline-manifest`: "today" is that manifest's recipe (an earlier model's, e.g.
 * `git show <rev>:models/face-api.json`) instead of the manifest recipe without its rescue, so a
 * model change is measured against the model it replaces on the same photos. `--no-baseline`: the
 * manifest recipe alone (half the time, when the baseline's figures are already known); `today`
 * is then left out of the output.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { createFacePool, loadManifest, type Face, type PhotoAnalysis, type Recipe } from '../../src/face/index.ts';
import { benchRecogniser } from './recogniser.ts';
import {
  degrade,
  faceFree,
  groupPhoto,
  KIND_NOTES,
  KINDS,
  type Degraded,
  type FaceSpot,
  type Kind,
  type Point,
} from './field-degrade.ts';

const { values } = parseArgs({
  options: {
    lfw: { type: 'string', default: path.resolve('../shared/data/lfw-dev') },
    people: { type: 'string', default: '40' },
    kinds: { type: 'string' },
    workers: { type: 'string', default: String(Math.min(2, os.availableParallelism())) },
    json: { type: 'boolean', default: false },
    'baseline-manifest': { type: 'string' },
    'no-baseline': { type: 'boolean', default: false },
  },
});
const PEOPLE = Number(values.people);
const WORKERS = Number(values.workers);
if (!Number.isInteger(PEOPLE) || PEOPLE < 2 || !Number.isInteger(WORKERS) || WORKERS < 1) {
  process.stderr.write('--people must be a whole number ≥ 2 and --workers ≥ 1\n');
  process.exit(2);
}
const kinds = (values.kinds ? values.kinds.split(',') : [...KINDS, 'group']) as Array<Kind | 'group'>;
const unknown = kinds.filter((k) => k !== 'group' && !(KINDS as readonly string[]).includes(k));
if (unknown.length > 0) {
  process.stderr.write(`unknown kind(s): ${unknown.join(', ')}; kinds are ${[...KINDS, 'group'].join(', ')}\n`);
  process.exit(2);
}
const log = (s: string) => process.stderr.write(`${s}\n`);
const imagesDir = fs.existsSync(path.join(values.lfw, 'images')) ? path.join(values.lfw, 'images') : values.lfw;

const everyone = fs
  .readdirSync(imagesDir)
  .sort()
  .map((name) => ({
    name,
    files: fs
      .readdirSync(path.join(imagesDir, name))
      .sort()
      .map((f) => path.join(imagesDir, name, f)),
  }))
  .filter((p) => p.files.length >= 2);
// an offset from accuracy.ts's spread, so the two benchmarks do not share people by construction
const stride = Math.max(1, everyone.length / PEOPLE);
const people = Array.from(
  { length: Math.min(PEOPLE, everyone.length) },
  (_, i) => everyone[Math.min(everyone.length - 1, Math.floor(i * stride + stride / 2))]!,
);

const { manifestPath } = benchRecogniser();
const manifest = await loadManifest(manifestPath);
const { rescue: _rescue, ...withoutRescue } = manifest.recipe;
const baseline = values['baseline-manifest'] ? await loadManifest(values['baseline-manifest']) : undefined;
const today: Recipe = baseline
  ? { ...baseline.recipe, name: `today (${baseline.id})` }
  : { ...withoutRescue, name: 'today (no rescue)' };
const noBaseline = values['no-baseline'];
if (noBaseline && baseline) {
  process.stderr.write('--no-baseline and --baseline-manifest exclude each other\n');
  process.exit(2);
}
const recipes: Recipe[] = noBaseline ? [manifest.recipe] : [today, manifest.recipe];
/** The manifest recipe is always the last; with a baseline, the first is `today`. */
const keyOf = (ri: number): 'today' | 'new' => (ri === recipes.length - 1 ? 'new' : 'today');
const limits = { maxBytes: 20 * 1024 * 1024, maxPixels: 50e6 };
const pool = await createFacePool({ size: WORKERS, limits, manifestPath });

async function inParallel<T, R>(items: T[], fn: (t: T, i: number) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: WORKERS * 2 }, async () => {
      while (next < items.length) {
        const i = next++;
        out[i] = await fn(items[i]!, i);
      }
    }),
  );
  return out;
}

function central(a: PhotoAnalysis): Face | undefined {
  let best: Face | undefined,
    bestD = Infinity;
  for (const f of a.faces) {
    const d = Math.hypot(f.box.x + f.box.width / 2 - a.width / 2, f.box.y + f.box.height / 2 - a.height / 2);
    if (d < bestD) {
      best = f;
      bestD = d;
    }
  }
  return best;
}

const mean = (lm: Array<[number, number]>, idx: number[]): Point => [
  idx.reduce((s, i) => s + lm[i]![0], 0) / idx.length,
  idx.reduce((s, i) => s + lm[i]![1], 0) / idx.length,
];
/** Where the face is in the clean archive photo (its landmarks when found; else the LFW centre). */
function spotOf(a: PhotoAnalysis | undefined): FaceSpot {
  const f = a && central(a);
  if (!f)
    return {
      centre: [125, 125],
      size: 110,
      eyes: [
        [100, 115],
        [150, 115],
      ],
      mouth: [125, 165],
      chin: [125, 190],
    };
  const lm = f.landmarks;
  return {
    centre: [f.box.x + f.box.width / 2, f.box.y + f.box.height / 2],
    size: Math.max(f.box.width, f.box.height),
    eyes: [mean(lm, [36, 37, 38, 39, 40, 41]), mean(lm, [42, 43, 44, 45, 46, 47])],
    mouth: mean(lm, [48, 54, 51, 57]),
    chin: lm[8]!,
  };
}

const t0 = performance.now();
log(`field: ${people.length} people, kinds ${kinds.join(', ')}, ${WORKERS} worker(s)`);
const archiveBytes = people.map((p) => fs.readFileSync(p.files[0]!));
const probes = await inParallel(people, async (p) =>
  (await pool.analyseRecipes(fs.readFileSync(p.files[1]!), recipes)).map((r) => central(r)?.embedding),
);
const cleanArchive = await inParallel(archiveBytes, (b) => pool.analyseRecipes(b, recipes));
const spots = cleanArchive.map((a) => spotOf(a[recipes.length - 1]));

interface Photo {
  kind: string;
  d: Degraded;
  analyses: PhotoAnalysis[];
  ms: number;
}
const photos: Photo[] = [];
const noteTime = (kind: string, d: Degraded) => async (): Promise<Photo> => {
  const t = performance.now();
  const analyses = await pool.analyseRecipes(d.bytes, recipes);
  return { kind, d, analyses, ms: performance.now() - t };
};
for (const [i, a] of cleanArchive.entries())
  photos.push({
    kind: 'clean',
    d: { bytes: archiveBytes[i]!, subjects: [{ person: i, centre: spots[i]!.centre, size: spots[i]!.size }] },
    analyses: a,
    ms: 0,
  });
const jobs: Array<() => Promise<Photo>> = [];
for (const kind of kinds) {
  if (kind === 'group') {
    for (let g = 0; g + 12 <= people.length || (g === 0 && people.length > 0); g += 12) {
      const members = people
        .slice(g, g + 12)
        .map((_, j) => ({ bytes: archiveBytes[g + j]!, spot: spots[g + j]!, person: g + j }));
      jobs.push(async () => noteTime('group', await groupPhoto(members, 1000 + g))());
      if (people.length < 12) break;
    }
    continue;
  }
  for (const [i, bytes] of archiveBytes.entries())
    jobs.push(async () => noteTime(kind, await degrade(kind, bytes, spots[i]!, i, i))());
}
let done = 0;
photos.push(
  ...(await inParallel(jobs, async (job) => {
    const p = await job();
    if (++done % 50 === 0) log(`  ${done}/${jobs.length} degraded photos`);
    return p;
  })),
);

// Face-free images: false detections per image.
const freeImages = (
  await Promise.all(archiveBytes.slice(0, Math.max(2, Math.ceil(people.length / 4))).map((b, i) => faceFree(b, 7 + i)))
).flat();
const free = await inParallel(freeImages, (b) => pool.analyseRecipes(b, recipes));
await pool.close();

/** Which subject a face is (nearest centre within half a face), else -1. */
function owner(f: Face, d: Degraded): number {
  const cx = f.box.x + f.box.width / 2,
    cy = f.box.y + f.box.height / 2;
  let best = -1,
    bestD = Infinity;
  for (const s of d.subjects) {
    const dist = Math.hypot(cx - s.centre[0], cy - s.centre[1]);
    if (dist < s.size * 0.5 && dist < bestD) {
      best = s.person;
      bestD = dist;
    }
  }
  return best;
}

const dot = (a: number[], b: number[]) => a.reduce((s, x, i) => s + x * b[i]!, 0);
/** Where the person's own face ranks among `gallery` by similarity to the probe (-1: not there). */
const rankOf = (probe: number[], gallery: Array<{ e: number[]; person: number }>, person: number) =>
  gallery
    .map((g) => ({ sim: dot(probe, g.e), person: g.person }))
    .sort((a, b) => b.sim - a.sim)
    .findIndex((g) => g.person === person);
const r3 = (x: number) => Number(x.toFixed(3));
const kindList = ['clean', ...kinds];
const rows = [];
for (const kind of kindList) {
  const ofKind = photos.filter((p) => p.kind === kind);
  const row: Record<string, unknown> = { kind, note: KIND_NOTES[kind as Kind] };
  for (const ri of recipes.keys()) {
    const gallery: Array<{ e: number[]; person: number }> = [];
    const found = new Set<number>();
    let subjects = 0,
      extra = 0;
    for (const p of ofKind) {
      subjects += p.d.subjects.length;
      for (const f of p.analyses[ri]!.faces) {
        const who = owner(f, p.d);
        if (who >= 0) found.add(who);
        else extra++;
        gallery.push({ e: f.embedding, person: who });
      }
    }
    let rank1 = 0,
      top10 = 0,
      searches = 0;
    for (const s of ofKind.flatMap((p) => p.d.subjects)) {
      searches++;
      const probe = probes[s.person]![ri];
      if (!probe || !found.has(s.person)) continue;
      const at = rankOf(probe, gallery, s.person);
      if (at === 0) rank1++;
      if (at >= 0 && at < 10) top10++;
    }
    row[keyOf(ri)] = {
      found: r3(found.size / Math.max(1, subjects)),
      rank1: r3(rank1 / Math.max(1, searches)),
      top10: r3(top10 / Math.max(1, searches)),
      otherFaces: extra,
      photos: ofKind.length,
    };
  }
  row.msPerPhoto = Math.round(ofKind.reduce((s, p) => s + p.ms, 0) / Math.max(1, ofKind.length));
  rows.push(row);
}
// One archive: every degraded kind's faces in a single gallery, as an archive holds them, each
// searched with the clean probe. A person's faces in the other kinds are left out of their own
// search (as if the archive held one photo of them), so the search must find this photo's face
// among some 20 × as many strangers as in its kind's own gallery, most of them degraded too.
const oneArchive = recipes.map((_, ri) => {
  const gallery = photos
    .filter((p) => p.kind !== 'clean')
    .flatMap((p) => p.analyses[ri]!.faces.map((f) => ({ e: f.embedding, kind: p.kind, person: owner(f, p.d) })));
  const perKind: Record<string, { rank1: number; top10: number }> = {};
  for (const kind of kinds) {
    let rank1 = 0,
      top10 = 0,
      searches = 0;
    for (const s of photos.filter((p) => p.kind === kind).flatMap((p) => p.d.subjects)) {
      searches++;
      const probe = probes[s.person]![ri];
      if (!probe) continue;
      const at = rankOf(
        probe,
        gallery.filter((g) => g.person !== s.person || g.kind === kind),
        s.person,
      );
      if (at === 0) rank1++;
      if (at >= 0 && at < 10) top10++;
    }
    perKind[kind] = { rank1: r3(rank1 / Math.max(1, searches)), top10: r3(top10 / Math.max(1, searches)) };
  }
  const cells = Object.values(perKind);
  return {
    recipe: recipes[ri]!.name,
    galleryFaces: gallery.length,
    rank1: r3(cells.reduce((s, c) => s + c.rank1, 0) / Math.max(1, cells.length)),
    top10: r3(cells.reduce((s, c) => s + c.top10, 0) / Math.max(1, cells.length)),
    perKind,
  };
});

type Cell = { found: number; rank1: number; top10: number };
const degradedRows = rows.filter((r) => r.kind !== 'clean');
const overall = (key: 'today' | 'new') => {
  // every degraded kind weighs the same, as the per-kind figures do
  const cells = degradedRows.map((r) => r[key] as Cell);
  const avg = (f: (c: Cell) => number) => r3(cells.reduce((s, c) => s + f(c), 0) / Math.max(1, cells.length));
  return { found: avg((c) => c.found), rank1: avg((c) => c.rank1), top10: avg((c) => c.top10) };
};
const falseDetections = recipes.map((r, ri) => ({
  recipe: r.name,
  images: free.length,
  faces: free.reduce((s, a) => s + a[ri]!.faces.length, 0),
}));
const result = {
  people: people.length,
  model: manifest.id,
  baseline: noBaseline ? 'none' : (baseline?.id ?? 'the manifest recipe without rescue'),
  kinds: rows,
  overall: noBaseline ? { new: overall('new') } : { today: overall('today'), new: overall('new') },
  oneArchive,
  falseDetections: falseDetections.map((f) => ({ ...f, perImage: r3(f.faces / Math.max(1, f.images)) })),
  seconds: Math.round((performance.now() - t0) / 1000),
};
if (!values.json) {
  const cell = (c: Cell | undefined) =>
    c ? `${c.found.toFixed(2)} / ${c.rank1.toFixed(2)} / ${c.top10.toFixed(2)}` : '       —        ';
  log('kind          today found/rank1/top10    new found/rank1/top10   ms/photo');
  for (const r of rows)
    log(
      `${String(r.kind).padEnd(12)}  ${cell(r.today as Cell | undefined)}        ` +
        `${cell(r.new as Cell)}     ${String(r.msPerPhoto)}`,
    );
  const o: { today?: Cell; new: Cell } = result.overall;
  log(`overall       ${cell(o.today)}        ${cell(o.new)}`);
  for (const a of oneArchive)
    log(
      `one archive (${a.galleryFaces} faces), ${a.recipe}: rank-1 ${a.rank1.toFixed(2)}, top-10 ${a.top10.toFixed(2)}`,
    );
  for (const f of result.falseDetections)
    log(`false detections, ${f.recipe}: ${f.faces} on ${f.images} face-free images (${f.perImage} per image)`);
}
console.log(JSON.stringify(result));
process.exit(0);
