/**
 * Where the search benchmark's default synthetic-gallery parameters come from: embeds a sample
 * of lfw-dev photos with the manifest recipe and compares their similarity statistics and
 * effective dimension with synthetic samples of the same size (BENCHMARKS.md, "Search").
 *
 *   npx tsx scripts/bench/lfw-sample.ts [--images DIR] [--people-every 5] [--photos 300] [--alpha 0,0.8,0.85,0.9]
 *
 * Takes the first two photos of every n-th person with ≥ 2 photos, the central face of each.
 * Prints progress on stderr and one JSON line on stdout. Slow: ≈ 0.5 s a photo on one core.
 */
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { createFaceEngine } from '../../src/face/index.ts';
import { pickCentralFace } from '../../src/eval/run.ts';
import { dot, FaceGenerator, fitModel, meanSd } from './synth.ts';

interface Sample {
  person: string;
  e: ArrayLike<number>;
}

/** Same/different-person cosine statistics and the participation ratio of the covariance. */
export function describe(rows: readonly Sample[]) {
  const n = rows.length;
  const d = rows[0]?.e.length ?? 0;
  const unit = rows.map((r) => {
    const norm = Math.sqrt(dot(r.e, r.e));
    return Float64Array.from(r.e, (x) => x / norm);
  });
  const same: number[] = [];
  const diff: number[] = [];
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) (rows[i]!.person === rows[j]!.person ? same : diff).push(dot(unit[i]!, unit[j]!));
  }
  // participation ratio (Σλ)²/Σλ² = tr(C)² / ‖C‖²_F, no eigen-decomposition needed
  const mean = new Float64Array(d);
  for (const u of unit) for (let k = 0; k < d; k++) mean[k] = mean[k]! + u[k]! / n;
  const c = new Float64Array(d * d);
  for (const u of unit) {
    for (let a = 0; a < d; a++) {
      const xa = u[a]! - mean[a]!;
      for (let b = a; b < d; b++) c[a * d + b] = c[a * d + b]! + xa * (u[b]! - mean[b]!);
    }
  }
  let tr = 0;
  let fro = 0;
  for (let a = 0; a < d; a++) {
    tr += c[a * d + a]!;
    for (let b = a; b < d; b++) fro += (a === b ? 1 : 2) * c[a * d + b]! ** 2;
  }
  const s = meanSd(same);
  const t = meanSd(diff);
  const r4 = (x: number) => Math.round(x * 1e4) / 1e4;
  return {
    faces: n,
    samePairs: same.length,
    sameMean: r4(s.mean),
    sameSd: r4(s.sd),
    diffPairs: diff.length,
    diffMean: r4(t.mean),
    diffSd: r4(t.sd),
    participationRatio: Math.round(((tr * tr) / fro) * 10) / 10,
  };
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      images: { type: 'string', default: '../shared/data/lfw-dev/images' },
      'people-every': { type: 'string', default: '5' },
      photos: { type: 'string', default: '300' },
      alpha: { type: 'string', default: '0,0.8,0.85,0.9' },
    },
    strict: true,
  });
  const root = path.resolve(values.images);
  const every = Number(values['people-every']);
  const max = Number(values.photos);
  const files: { person: string; file: string }[] = [];
  let people = 0;
  for (const person of fs.readdirSync(root).sort()) {
    const photos = fs.readdirSync(path.join(root, person)).sort();
    if (photos.length < 2) continue;
    if (people++ % every !== 2 % every) continue;
    for (const f of photos.slice(0, 2)) files.push({ person, file: path.join(root, person, f) });
  }
  const pick = files.slice(0, max);
  const engine = await createFaceEngine({
    limits: { maxPixels: 50e6, maxBytes: 50e6 },
    log: (l) => process.stderr.write(`${l}\n`),
  });
  const real: Sample[] = [];
  for (const [i, p] of pick.entries()) {
    const face = pickCentralFace(await engine.analyse(new Uint8Array(fs.readFileSync(p.file))));
    if (face) real.push({ person: p.person, e: face.embedding });
    if ((i + 1) % 25 === 0) process.stderr.write(`${i + 1}/${pick.length} photos\n`);
  }
  const measured = describe(real);
  const synthetic: Record<string, ReturnType<typeof describe>> = {};
  for (const alpha of values.alpha.split(',').map(Number)) {
    const gen = new FaceGenerator(
      fitModel({ dims: 128, sameMean: measured.sameMean, sameSd: measured.sameSd, diffMean: measured.diffMean, alpha }),
      1,
    );
    // the same shape of sample: the same people count, the same photos per person
    const byPerson = new Map<string, number>();
    for (const r of real) byPerson.set(r.person, (byPerson.get(r.person) ?? 0) + 1);
    const rows: Sample[] = [];
    [...byPerson.values()].forEach((count, id) => {
      for (let j = 0; j < count; j++) rows.push({ person: String(id), e: gen.face(id, j) });
    });
    synthetic[String(alpha)] = describe(rows);
  }
  process.stdout.write(`${JSON.stringify({ recipe: engine.recipe.name, measured, synthetic })}\n`);
  return 0;
}

if (process.argv[1] && path.resolve(process.argv[1]) === path.resolve(new URL(import.meta.url).pathname)) {
  main().then(
    (code) => {
      process.exitCode = code;
      // the face engine's worker threads keep the process alive otherwise
      process.exit(code);
    },
    (err: unknown) => {
      process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
      process.exit(1);
    },
  );
}
