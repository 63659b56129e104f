/**
 * Which photos of a folder get no face from the manifest recipe (issue 18: "no photo with a
 * visible face is left without one; list the few left"). Every photo is analysed once through
 * the product's face pool; those without a face are listed by path, and with `--sheet FILE` laid
 * out in one PNG contact sheet to look at by eye (a miss on a visible face is a bug; a photo
 * whose person is hidden, cut off or too small is not).
 *
 *   npx tsx scripts/bench/no-face.ts [--images ../shared/data/lfw-dev/images] [--skip-pairs FILE]
 *       [--workers 2] [--sheet FILE.png] [--sample N] [--json]
 *
 * `--skip-pairs` leaves out the photos an LFW pairs file names (`kinfinder eval pairs` already
 * counts those), so the two together cover the folder once. `--sample N` takes N photos spread
 * evenly over the folder instead of all of them.
 *
 * It also counts the photos whose largest face is flagged `eyes_hidden`: on clear portraits that
 * flag is a false alarm (or sunglasses), so this is the eye flags' false-alarm rate (`eyesHidden`).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import sharp from 'sharp';
import { lfwImagePath, parsePairs } from '../../src/eval/pairs.ts';
import { createFacePool } from '../../src/face/index.ts';

const { values } = parseArgs({
  options: {
    images: { type: 'string', default: path.resolve('../shared/data/lfw-dev/images') },
    'skip-pairs': { type: 'string' },
    workers: { type: 'string', default: String(Math.min(2, os.availableParallelism())) },
    sheet: { type: 'string' },
    sample: { type: 'string' },
    json: { type: 'boolean', default: false },
  },
});
const WORKERS = Number(values.workers);
if (!Number.isInteger(WORKERS) || WORKERS < 1) {
  process.stderr.write('--workers must be a whole number ≥ 1\n');
  process.exit(2);
}
const skip = new Set<string>();
if (values['skip-pairs']) {
  for (const p of parsePairs(fs.readFileSync(values['skip-pairs'], 'utf8')))
    for (const img of [p.a, p.b]) skip.add(path.resolve(lfwImagePath(values.images, img)));
}
const files: string[] = [];
for (const n of fs.readdirSync(values.images).sort()) {
  const d = path.join(values.images, n);
  if (!fs.statSync(d).isDirectory()) continue;
  for (const f of fs.readdirSync(d).sort())
    if (/\.(jpe?g|png)$/i.test(f) && !skip.has(path.resolve(d, f))) files.push(path.join(d, f));
}
if (values.sample !== undefined) {
  const n = Number(values.sample);
  if (!Number.isInteger(n) || n < 1) {
    process.stderr.write('--sample must be a whole number ≥ 1\n');
    process.exit(2);
  }
  const all = files.splice(0);
  for (let i = 0; i < Math.min(n, all.length); i++)
    files.push(all[Math.floor((i * all.length) / Math.min(n, all.length))]!);
}
const pool = await createFacePool({ size: WORKERS, limits: { maxBytes: 20 * 1024 * 1024, maxPixels: 50e6 } });
const started = performance.now();
const missed: string[] = [];
const failed: string[] = [];
const eyesHidden: string[] = [];
let next = 0,
  done = 0;
await Promise.all(
  Array.from({ length: WORKERS }, async () => {
    while (next < files.length) {
      const f = files[next++]!;
      try {
        const a = await pool.analyse(fs.readFileSync(f));
        if (a.faces.length === 0) missed.push(f);
        else if (a.faces[0]!.quality.flags?.includes('eyes_hidden')) eyesHidden.push(f);
      } catch {
        failed.push(f);
      }
      if (++done % 200 === 0)
        process.stderr.write(`  ${done}/${files.length} photos, ${missed.length} without a face\n`);
    }
  }),
);
await pool.close();
missed.sort();
if (values.sheet && missed.length > 0) {
  const side = 160,
    cols = Math.min(8, missed.length),
    rows = Math.ceil(missed.length / cols);
  const tiles = await Promise.all(
    missed.map((f) => sharp(f).resize(side, side, { fit: 'contain', background: '#fff' }).toBuffer()),
  );
  await sharp({ create: { width: cols * side, height: rows * side, channels: 3, background: '#fff' } })
    .composite(tiles.map((input, i) => ({ input, left: (i % cols) * side, top: Math.floor(i / cols) * side })))
    .png()
    .toFile(values.sheet);
}
const result = {
  photos: files.length,
  withoutFace: missed.length,
  failed: failed.length,
  seconds: Math.round((performance.now() - started) / 1000),
  missed: missed.map((f) => path.relative(values.images, f)),
  skipped: skip.size,
  eyesHidden: eyesHidden.sort().map((f) => path.relative(values.images, f)),
};
if (values.json) console.log(JSON.stringify(result));
else {
  console.log(
    `${result.withoutFace} of ${result.photos} photos without a face (${result.failed} unreadable), ${result.seconds} s`,
  );
  for (const m of result.missed) console.log(`  ${m}`);
  console.log(`${result.eyesHidden.length} whose largest face is flagged eyes_hidden`);
  for (const m of result.eyesHidden) console.log(`  ${m}`);
}
process.exit(0);
