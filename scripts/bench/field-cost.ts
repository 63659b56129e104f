/**
 * The rescue cascade's cost on ordinary portraits: each photo analysed with today's recipe (the
 * manifest's without `rescue`) and with the manifest recipe, alternately in one engine, so load
 * on a shared machine falls on both alike (bench:ingest's pool runs are minutes apart). Prints
 * one JSON line: mean ms a photo for each, their ratio, and how many photos the cascade touched.
 *
 *   nice -n 15 npx tsx scripts/bench/field-cost.ts [--images DIR] [--photos 60]
 */
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { createFaceEngine } from '../../src/face/index.ts';

const { values } = parseArgs({ options: { images: { type: 'string', default: path.resolve('../shared/data/lfw-dev/images') }, photos: { type: 'string', default: '60' } } });
const N = Number(values.photos);
if (!Number.isInteger(N) || N < 1) {
  process.stderr.write('--photos must be a whole number ≥ 1\n');
  process.exit(2);
}
const engine = await createFaceEngine({ limits: { maxBytes: 20 * 1024 * 1024, maxPixels: 50e6 } });
const { rescue: _rescue, ...today } = engine.recipe;
const plain = { ...today, name: 'today (no rescue)' };
const all: string[] = [];
for (const n of fs.readdirSync(values.images).sort()) for (const f of fs.readdirSync(path.join(values.images, n)).sort()) all.push(path.join(values.images, n, f));
const files = Array.from({ length: Math.min(N, all.length) }, (_, i) => all[Math.floor(((i + 0.3) * all.length) / N)]!);
let msToday = 0, msNew = 0, touched = 0, lowBest = 0;
for (const f of files) {
  const b = fs.readFileSync(f);
  let t = performance.now();
  const [a] = await engine.analyseRecipes(b, [plain]);
  msToday += performance.now() - t;
  t = performance.now();
  const [c] = await engine.analyseRecipes(b, [engine.recipe]);
  msNew += performance.now() - t;
  if (Math.max(0, ...a!.faces.map((x) => x.score)) < (engine.recipe.rescue?.below ?? 0)) lowBest++;
  if (c!.faces.some((x) => x.quality.detectedBy !== 'upright')) touched++;
}
console.log(JSON.stringify({ photos: files.length, todayMsPerPhoto: Math.round(msToday / files.length), newMsPerPhoto: Math.round(msNew / files.length), costRatio: Number((msNew / msToday).toFixed(3)), rescueRan: lowBest, facesFromRescue: touched }));
process.exit(0);
