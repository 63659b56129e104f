/**
 * Per-photo time of the face engine: one in-process engine (sequential) vs a worker pool.
 *   npx tsx scripts/accuracy/bench.ts [DIR_OR_PAIRS_IMAGES] [N] [POOL_SIZE]
 * Defaults: the committed LFW fixtures, all of them, pool size = cores.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createFaceEngine, createFacePool } from '../../src/face/index.ts';

const dir = process.argv[2] ?? path.join(import.meta.dirname, '..', '..', 'test', 'fixtures', 'lfw', 'images');
const limitN = Number(process.argv[3] ?? Infinity);
const size = Number(process.argv[4] ?? os.availableParallelism());
const limits = { maxPixels: 50e6, maxBytes: 20 * 1024 * 1024 };

const files: string[] = [];
const walk = (d: string) => {
  for (const e of readdirSync(d).sort()) {
    const p = path.join(d, e);
    if (statSync(p).isDirectory()) walk(p);
    else if (/\.(jpe?g|png|webp)$/i.test(e)) files.push(p);
  }
};
walk(dir);
const photos = files.slice(0, limitN).map((f) => readFileSync(f));

const engine = await createFaceEngine({ limits, log: (l) => console.log(l) });
await engine.analyse(photos[0]!); // warm-up
let t = performance.now();
let faces = 0;
for (const b of photos) faces += (await engine.analyse(b)).faces.length;
const single = (performance.now() - t) / photos.length;
await engine.close();

const pool = await createFacePool({ size, limits, log: (l) => console.log(l) });
await Promise.all(Array.from({ length: size }, () => pool.analyse(photos[0]!))); // warm-up
t = performance.now();
await Promise.all(photos.map((b) => pool.analyse(b)));
const pooled = (performance.now() - t) / photos.length;
await pool.close();

console.log(
  JSON.stringify({
    photos: photos.length,
    faces,
    backend: engine.backend,
    singleThreadMsPerPhoto: Math.round(single),
    poolSize: size,
    poolMsPerPhoto: Math.round(pooled),
    speedup: Math.round((single / pooled) * 100) / 100,
  }),
);
