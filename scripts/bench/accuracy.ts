/**
 * bench:accuracy — how well kinfinder tells people apart, beside the plain face-api recipe,
 * both measured in this run on the same photos:
 *  - verification: LFW-protocol 10-fold accuracy, AUC and TAR at FAR 0.1 % on an LFW pairs file;
 *  - identification (1:N): one enrolled photo per person in an embedded database, the person's
 *    other photos searched through the same HNSW query as `kinfinder search`; rank-1 and top-10
 *    hit rates and the search latency.
 * Prints progress on stderr and one JSON line last.
 *
 *   npm run bench:accuracy -- [--images DIR] [--pairs FILE] [--people 500] [--probes-per-person 4]
 *       [--only verification|identification] [--json]
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { parsePairs } from '../../src/eval/pairs.ts';
import { evaluatePairs, pickCentralFace } from '../../src/eval/run.ts';
import { RECIPES } from '../../src/eval/recipes.ts';
import { createFacePool, loadManifest, type Recipe } from '../../src/face/index.ts';
import { migrate } from '../../src/store/migrate.ts';
import { efSearchFor } from '../../src/match/rank.ts';
import { nearestGalleryFaces } from '../../src/store/matching.ts';
import { benchRecogniser } from './recogniser.ts';
import { openPglite } from '../../src/store/pglite.ts';
import { completePhoto, ensureModel, insertPhoto } from '../../src/store/photos.ts';

const { values } = parseArgs({
  options: {
    images: { type: 'string', default: path.resolve('../shared/data/lfw-dev/images') },
    pairs: { type: 'string', default: path.resolve('../shared/data/lfw-dev/pairs.txt') },
    people: { type: 'string', default: '500' },
    'probes-per-person': { type: 'string', default: '4' },
    only: { type: 'string' },
    json: { type: 'boolean', default: false },
  },
});
const PEOPLE = Number(values.people);
const PROBES = Number(values['probes-per-person']);
const log = (s: string) => process.stderr.write(`${s}\n`);

const { manifestPath } = benchRecogniser();
const manifest = await loadManifest(manifestPath);
const recipes: Recipe[] = [RECIPES.baseline!, { ...manifest.recipe, name: `kinfinder (${manifest.recipe.name})` }];
const limits = { maxBytes: 20 * 1024 * 1024, maxPixels: 50e6 };
const pool = await createFacePool({ size: os.availableParallelism(), limits, manifestPath });

if (values.only && values.only !== 'verification' && values.only !== 'identification')
  throw new Error('--only takes verification or identification');

// --- verification on the pairs file
const pairs = values.only === 'identification' ? [] : parsePairs(fs.readFileSync(values.pairs, 'utf8'));
const t0 = performance.now();
const verification =
  pairs.length === 0
    ? []
    : await evaluatePairs(pool, {
        imagesDir: values.images,
        pairs,
        recipes,
        inFlight: pool.size * 2,
        onProgress: (d, n) => d % 250 === 0 && log(`  verification: ${d}/${n} photos`),
      });
const verificationSeconds = (performance.now() - t0) / 1000;

// --- identification (1:N): a deterministic spread of people with at least two photos
const everyone = fs
  .readdirSync(values.images)
  .sort()
  .map((name) => ({
    name,
    files: fs
      .readdirSync(path.join(values.images, name))
      .sort()
      .map((f) => path.join(values.images, name, f)),
  }))
  .filter((p) => p.files.length >= 2);
const stride = Math.max(1, everyone.length / PEOPLE);
const people =
  values.only === 'verification'
    ? []
    : Array.from({ length: Math.min(PEOPLE, everyone.length) }, (_, i) => everyone[Math.floor(i * stride)]!);
const probesOf = (p: { files: string[] }) => p.files.slice(1, 1 + PROBES);
log(`identification: ${people.length} enrolled people, ${people.reduce((a, p) => a + probesOf(p).length, 0)} probes`);

/** Embedding of the LFW-labelled (central) face per recipe; undefined when no face was found. */
async function embed(file: string): Promise<Array<number[] | undefined>> {
  const results = await pool.analyseRecipes(fs.readFileSync(file), recipes);
  return results.map((r) => pickCentralFace(r)?.embedding);
}

async function inParallel<T, R>(items: T[], fn: (t: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: pool.size * 2 }, async () => {
      while (next < items.length) {
        const i = next++;
        out[i] = await fn(items[i]!);
        if ((i + 1) % 250 === 0) log(`  ${i + 1}/${items.length} photos`);
      }
    }),
  );
  return out;
}

const galleryEmb = await inParallel(people, (p) => embed(p.files[0]!));
const probeList = people.flatMap((p, owner) => probesOf(p).map((file) => ({ file, owner })));
const probeEmb = await inParallel(probeList, (p) => embed(p.file));
await pool.close();

const db = await openPglite({});
await migrate(db);
const identification = [];
for (const [ri, recipe] of people.length === 0 ? [] : recipes.entries()) {
  const modelId = `bench:${recipe.name}`;
  await ensureModel(db, { id: modelId, dims: manifest.dims, manifest: { recipe } });
  const photoOfPerson = new Map<string, number>();
  let enrolled = 0;
  for (const [i, p] of people.entries()) {
    const e = galleryEmb[i]![ri];
    if (!e) continue;
    const sha = Buffer.from(`${ri}:${p.name}`).toString('hex').padEnd(64, '0').slice(0, 64);
    const photo = await insertPhoto(db, {
      sha256: sha,
      originalName: p.files[0]!,
      byteSize: 0,
      format: 'jpeg',
      sourceId: null,
      metadata: {},
    });
    await db.transaction((tx) =>
      completePhoto(tx, photo.id, {
        width: 250,
        height: 250,
        format: 'jpeg',
        displaySha256: sha,
        modelId,
        faces: [
          {
            faceIndex: 0,
            box: { x: 0, y: 0, width: 1, height: 1 },
            score: 1,
            landmarks: [],
            quality: {},
            cropSha256: sha,
            embedding: e,
          },
        ],
      }),
    );
    photoOfPerson.set(photo.id, i);
    enrolled++;
  }
  let rank1 = 0;
  let top10 = 0;
  let noFace = 0;
  const ms: number[] = [];
  for (const [pi, probe] of probeList.entries()) {
    const e = probeEmb[pi]![ri];
    if (!e) {
      noFace++;
      continue;
    }
    const t = performance.now();
    const hits = await db.transaction((tx) =>
      nearestGalleryFaces(tx, e, { modelId, k: 10, efSearch: efSearchFor(10) }),
    );
    ms.push(performance.now() - t);
    const rank = hits.findIndex((h) => photoOfPerson.get(h.photoId) === probe.owner);
    if (rank === 0) rank1++;
    if (rank >= 0) top10++;
  }
  ms.sort((a, b) => a - b);
  identification.push({
    recipe: recipe.name,
    gallery: enrolled,
    probes: probeList.length,
    // a probe with no face found is a miss: a family's search would have found nothing
    rank1: Number((rank1 / probeList.length).toFixed(4)),
    top10: Number((top10 / probeList.length).toFixed(4)),
    probesWithoutFace: noFace,
    searchP50Ms: Number((ms[Math.floor(ms.length / 2)] ?? 0).toFixed(2)),
  });
}
await db.close();

const result = {
  pairs: pairs.length,
  verification: verification.map((v) => ({
    recipe: v.recipe,
    accuracy: Number(v.accuracy.mean.toFixed(4)),
    accuracyStd: Number(v.accuracy.std.toFixed(4)),
    auc: Number(v.auc.toFixed(4)),
    tarAtFar001: Number(v.pairs_fmr['tar@far0.1%'].toFixed(4)),
    photosWithoutFace: v.noFace,
  })),
  identification,
  verificationSeconds: Math.round(verificationSeconds),
};
if (!values.json) {
  for (const v of result.verification)
    log(
      `${v.recipe}: accuracy ${(v.accuracy * 100).toFixed(2)} % (±${(v.accuracyStd * 100).toFixed(2)}), AUC ${v.auc}, TAR@FAR0.1% ${v.tarAtFar001}`,
    );
  for (const i of identification)
    log(
      `${i.recipe}: 1:N over ${i.gallery} people: rank-1 ${(i.rank1 * 100).toFixed(1)} %, top-10 ${(i.top10 * 100).toFixed(1)} %, p50 ${i.searchP50Ms} ms`,
    );
}
console.log(JSON.stringify(result));
