/**
 * bench:budget — what the costliest photos under the caps cost (issue 16: a 47 KB 7000 × 7000
 * PNG took 42 s of CPU to answer "no face"). Runs the product's photo pipeline (decode once,
 * detect, describe, crops) on one engine for photos made here: a flat 7000 × 7000 PNG (the
 * attack), the same size of noise as a JPEG (decoding dominates), and a 4000 × 3000 photo with
 * one small face (the tiles' reason to exist). Prints one line per photo and one JSON line last.
 *
 *   npm run bench:budget [-- --rounds 2]
 */
import { parseArgs } from 'node:util';
import path from 'node:path';
import sharp from 'sharp';
import { createFaceEngine } from '../../src/face/index.ts';
import { processPhoto } from '../../src/ingest/process.ts';

const { values } = parseArgs({ options: { rounds: { type: 'string', default: '2' } } });
const rounds = Math.max(1, Number(values.rounds));
const limits = { maxBytes: 50 * 1024 * 1024, maxPixels: 50e6 };
const face = path.join(import.meta.dirname, '../../test/fixtures/lfw/images/Vladimir_Putin/Vladimir_Putin_0001.jpg');

const photos: Array<[string, () => Promise<Buffer>]> = [
  [
    'flat 7000x7000 png',
    () =>
      sharp({ create: { width: 7000, height: 7000, channels: 3, background: '#808080' } })
        .png({ compressionLevel: 9 })
        .toBuffer(),
  ],
  [
    'noise 7000x7000 jpeg',
    () =>
      sharp({
        create: {
          width: 7000,
          height: 7000,
          channels: 3,
          background: '#000',
          noise: { type: 'gaussian', mean: 128, sigma: 40 },
        },
      })
        .jpeg({ quality: 80 })
        .toBuffer(),
  ],
  [
    '4000x3000 one small face',
    async () =>
      sharp({ create: { width: 4000, height: 3000, channels: 3, background: '#6a6a60' } })
        .composite([{ input: await sharp(face).resize(220, 220).toBuffer(), left: 3100, top: 2300 }])
        .jpeg({ quality: 90 })
        .toBuffer(),
  ],
];

const engine = await createFaceEngine({ limits });
const results: Record<string, { bytes: number; faces: number; bestSeconds: number }> = {};
for (const [name, make] of photos) {
  const bytes = await make();
  let best = Infinity;
  let faces = 0;
  for (let r = 0; r < rounds; r++) {
    const t0 = performance.now();
    faces = (await processPhoto({ faces: engine, limits }, bytes)).faces.length;
    best = Math.min(best, (performance.now() - t0) / 1000);
  }
  results[name] = { bytes: bytes.length, faces, bestSeconds: Number(best.toFixed(2)) };
  process.stderr.write(
    `${name}: ${(bytes.length / 1024).toFixed(0)} KB, ${faces} face(s), ${best.toFixed(2)} s (best of ${rounds})\n`,
  );
}
await engine.close();
console.log(JSON.stringify({ backend: engine.backend, rounds, results }));
