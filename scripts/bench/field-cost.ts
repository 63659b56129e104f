/**
 * The rescue cascade's cost on ordinary portraits: each photo analysed with today's recipe (the
 * manifest's without `rescue`) and with the manifest recipe, alternately in one engine, so load
 * on a shared machine falls on both alike (bench:ingest's pool runs are minutes apart). Prints
 * one JSON line: mean ms a photo for each, their ratio, and how many photos the cascade touched.
 * `--face-free N` also times N sets of bench:field's face-free images (shuffled blocks, smooth
 * noise, bricks, leaves, 320 × 240) and a photographed typed list of 1600 × 1200: a photo with no
 * face at all is where the cascade costs most, since every pass runs and finds nothing (lists
 * of names and dog tags in the archive are such photos).
 *
 *   nice -n 15 npx tsx scripts/bench/field-cost.ts [--images DIR] [--photos 60] [--face-free 0]
 */
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import sharp from 'sharp';
import { createFaceEngine } from '../../src/face/index.ts';
import { faceFree } from './field-degrade.ts';

const { values } = parseArgs({
  options: {
    images: { type: 'string', default: path.resolve('../shared/data/lfw-dev/images') },
    photos: { type: 'string', default: '60' },
    'face-free': { type: 'string', default: '0' },
  },
});
const N = Number(values.photos);
const FREE = Number(values['face-free']);
if (!Number.isInteger(N) || N < 1 || !Number.isInteger(FREE) || FREE < 0) {
  process.stderr.write('--photos must be a whole number ≥ 1 and --face-free ≥ 0\n');
  process.exit(2);
}
const engine = await createFaceEngine({ limits: { maxBytes: 20 * 1024 * 1024, maxPixels: 50e6 } });
const { rescue: _rescue, ...today } = engine.recipe;
const plain = { ...today, name: 'today (no rescue)' };
const all: string[] = [];
for (const n of fs.readdirSync(values.images).sort())
  for (const f of fs.readdirSync(path.join(values.images, n)).sort()) all.push(path.join(values.images, n, f));
const files = Array.from({ length: Math.min(N, all.length) }, (_, i) => all[Math.floor(((i + 0.3) * all.length) / N)]!);
let msToday = 0,
  msNew = 0,
  touched = 0,
  lowBest = 0;
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
const KIND_NAMES = ['shuffled', 'noise', 'bricks', 'leaves', 'typed list'] as const;
/** A page of typed lines photographed a little grey: large, full of edges, no face. */
async function typedList(seed: number): Promise<Buffer> {
  const lines = Array.from(
    { length: 40 },
    (_, i) =>
      `<text x="80" y="${80 + i * 27}" font-family="monospace" font-size="20" fill="#222">${String(seed + i).padStart(4, '0')}. ` +
      `${'АБВГДЕЖЗИКЛМНОПРСТУФ'.slice(i % 7, (i % 7) + 9)} ${'ІЇЄҐабвгд'.slice(0, 3 + (i % 5))} ${1970 + ((seed + i) % 35)}</text>`,
  ).join('');
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="1600" height="1200"><rect width="100%" height="100%" fill="#d8d4c8"/>${lines}</svg>`;
  return sharp(Buffer.from(svg)).jpeg({ quality: 80 }).toBuffer();
}
const free = KIND_NAMES.map((kind) => ({ kind, images: 0, todayMs: 0, newMs: 0, faces: 0 }));
for (let i = 0; i < FREE; i++) {
  const images = [...(await faceFree(fs.readFileSync(files[i % files.length]!), 1000 + i)), await typedList(i * 40)];
  for (const [k, img] of images.entries()) {
    const row = free[k]!;
    let t = performance.now();
    await engine.analyseRecipes(img, [plain]);
    row.todayMs += performance.now() - t;
    t = performance.now();
    const [c] = await engine.analyseRecipes(img, [engine.recipe]);
    row.newMs += performance.now() - t;
    row.images++;
    row.faces += c!.faces.length;
  }
}
const faceFreeCost =
  FREE === 0
    ? undefined
    : free.map((r) => ({
        kind: r.kind,
        images: r.images,
        todayMsPerPhoto: Math.round(r.todayMs / r.images),
        newMsPerPhoto: Math.round(r.newMs / r.images),
        falseFaces: r.faces,
      }));
console.log(
  JSON.stringify({
    photos: files.length,
    todayMsPerPhoto: Math.round(msToday / files.length),
    newMsPerPhoto: Math.round(msNew / files.length),
    costRatio: Number((msNew / msToday).toFixed(3)),
    rescueRan: lowBest,
    facesFromRescue: touched,
    faceFree: faceFreeCost,
  }),
);
process.exit(0);
