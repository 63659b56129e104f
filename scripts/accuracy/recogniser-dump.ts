/**
 * The fused recogniser's vector of every photo an LFW pairs file names (issue 30), one JSON line
 * a photo, appended to OUT (a rerun resumes). Photos come in an order in which any prefix covers
 * an even prefix of every fold's same- and different-person pairs, so a run stopped early still
 * measures all ten folds. The fused vector holds both descriptors (fusion.ts `unfuse`), so
 * recogniser-calibrate.ts measures face-api alone, MobileFaceNet alone and any fusion weights
 * from one run.
 *   nice -n 10 npx tsx scripts/accuracy/recogniser-dump.ts OUT.jsonl [WORKERS] [IMAGES] [PAIRS]
 */
import { appendFileSync, existsSync, readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { foldIndices } from '../../src/eval/metrics.ts';
import { imageKey, lfwImagePath, parsePairs, type PairImage } from '../../src/eval/pairs.ts';
import { pickCentralFace } from '../../src/eval/run.ts';
import { ensureFetchedWeights } from '../../src/face/fetch-weights.ts';
import { createFacePool, loadManifest } from '../../src/face/index.ts';
import { manifestPathOf } from '../../src/face/manifest.ts';

const [out, workers = '2', images = '../shared/data/lfw-dev/images', pairsFile = '../shared/data/lfw-dev/pairs.txt'] =
  process.argv.slice(2);
if (!out) throw new Error('usage: recogniser-dump.ts OUT.jsonl [WORKERS] [IMAGES] [PAIRS]');
const pairs = parsePairs(readFileSync(pairsFile, 'utf8'));
const fold = foldIndices(
  pairs.map((p) => p.same),
  10,
);
const rank: number[] = [];
const seen = new Map<string, number>();
pairs.forEach((p, i) => {
  const k = `${fold[i]}:${p.same}`;
  rank[i] = seen.get(k) ?? 0;
  seen.set(k, rank[i]! + 1);
});
const order = pairs.map((_, i) => i).sort((a, b) => rank[a]! - rank[b]! || a - b);
const photos = new Map<string, PairImage>();
for (const i of order)
  for (const im of [pairs[i]!.a, pairs[i]!.b]) if (!photos.has(imageKey(im))) photos.set(imageKey(im), im);
const done = new Set(
  existsSync(out)
    ? readFileSync(out, 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((l) => (JSON.parse(l) as { key: string }).key)
    : [],
);
const manifestPath = manifestPathOf('face-api+mobilefacenet');
await ensureFetchedWeights(await loadManifest(manifestPath), { log: console.error });
const pool = await createFacePool({
  size: Number(workers),
  limits: { maxPixels: 50e6, maxBytes: 50e6 },
  manifestPath,
  log: console.error,
});
const keys = [...photos.keys()].filter((k) => !done.has(k));
let next = 0;
await Promise.all(
  Array.from({ length: pool.size * 2 }, async () => {
    while (next < keys.length) {
      const key = keys[next++]!;
      try {
        const r = await pool.analyse(await readFile(lfwImagePath(images, photos.get(key)!)), { centreFallback: true });
        const f = pickCentralFace(r);
        appendFileSync(
          out,
          `${JSON.stringify({
            key,
            e: f?.embedding.map((x) => Math.round(x * 1e6) / 1e6),
            detected: f ? f.score > 0 : false,
            rotation: f?.quality.rotation ?? 0,
            roll: f?.quality.roll,
          })}\n`,
        );
      } catch (err) {
        appendFileSync(out, `${JSON.stringify({ key, error: String(err) })}\n`);
      }
    }
  }),
);
await pool.close();
