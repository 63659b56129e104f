/**
 * Writes degraded lfw-dev photos to a folder, for long runs of `kinfinder embed` and `eval pairs`
 * over archive-like photos (issue 32: one `embed` over 1,711 such photos stalled).
 *
 *   npx tsx scripts/bench/field-photos.ts --out /tmp/field [--lfw DIR] [--photos 1700]
 *
 * Takes the pairs of lfw-dev's pairs.txt, same-person and different-person lines alternately,
 * until their photos number at least `--photos`; each photo is degraded in one of the kinds of
 * field-degrade.ts (cycled; every 18th is a group photo of twelve with that person first) and
 * written under its LFW name, so `OUT/images` with `OUT/pairs.txt` is an LFW-style set for
 * `eval pairs` and `OUT/images/*\/*.jpg` the photos for `embed`. Deterministic: no engine is
 * used (the face is where deep-funneled LFW puts it), and the noise is seeded.
 */
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { imageKey, lfwImagePath, parsePairs, type Pair, type PairImage } from '../../src/eval/pairs.ts';
import { degrade, groupPhoto, KINDS, type FaceSpot } from './field-degrade.ts';

const { values } = parseArgs({
  options: {
    lfw: { type: 'string', default: path.resolve('../shared/data/lfw-dev') },
    out: { type: 'string' },
    photos: { type: 'string', default: '1700' },
  },
});
const wanted = Number(values.photos);
if (!values.out || !Number.isInteger(wanted) || wanted < 1) {
  process.stderr.write('usage: field-photos.ts --out DIR [--lfw DIR] [--photos N ≥ 1]\n');
  process.exit(2);
}
const imagesIn = path.join(values.lfw, 'images');
const imagesOut = path.join(values.out, 'images');
const all = parsePairs(fs.readFileSync(path.join(values.lfw, 'pairs.txt'), 'utf8'));
const same = all.filter((p) => p.same),
  diff = all.filter((p) => !p.same);

const chosen: Pair[] = [];
const photos = new Map<string, PairImage>();
for (let i = 0; photos.size < wanted && i < Math.max(same.length, diff.length); i++) {
  for (const p of [same[i], diff[i]]) {
    if (!p) continue;
    chosen.push(p);
    for (const img of [p.a, p.b]) photos.set(imageKey(img), img);
  }
}

// Deep-funneled LFW: the face is centred in the 250 px frame (field.ts's fallback spot).
const SPOT: FaceSpot = {
  centre: [125, 125],
  size: 110,
  eyes: [
    [100, 115],
    [150, 115],
  ],
  mouth: [125, 165],
  chin: [125, 190],
};
const list = [...photos.values()];
const bytesOf = (img: PairImage) => fs.readFileSync(lfwImagePath(imagesIn, img));
const t0 = performance.now();
for (const [i, img] of list.entries()) {
  const bytes = bytesOf(img);
  const kindIndex = i % (KINDS.length + 1);
  const out =
    kindIndex === KINDS.length
      ? await groupPhoto(
          [img, ...Array.from({ length: 11 }, (_, k) => list[(i + 1 + k * 37) % list.length]!)].map((m, k) => ({
            bytes: k === 0 ? bytes : bytesOf(m),
            spot: SPOT,
            person: k,
          })),
          i,
        )
      : await degrade(KINDS[kindIndex]!, bytes, SPOT, i, i);
  const file = lfwImagePath(imagesOut, img);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, out.bytes);
  if ((i + 1) % 200 === 0) process.stderr.write(`  ${i + 1}/${list.length} photos\n`);
}
const line = (p: Pair) => (p.same ? `${p.a.name}\t${p.a.n}\t${p.b.n}` : `${p.a.name}\t${p.a.n}\t${p.b.name}\t${p.b.n}`);
fs.writeFileSync(path.join(values.out, 'pairs.txt'), `${chosen.map(line).join('\n')}\n`);
process.stderr.write(
  `${list.length} degraded photos and ${chosen.length} pairs in ${values.out} (${Math.round((performance.now() - t0) / 1000)} s)\n`,
);
