import { KinfinderError } from '../errors.ts';
import path from 'node:path';

export interface PairImage {
  name: string;
  n: number;
}
export interface Pair {
  same: boolean;
  a: PairImage;
  b: PairImage;
}

/**
 * LFW pairs file (`pairsDevTrain.txt` / `pairs.txt`): an optional header line (`N` or
 * `folds N`), then `Name i j` (same person) or `NameA i NameB j` (different people),
 * tab- or space-separated. Throws on anything else, naming the line.
 */
export function parsePairs(text: string): Pair[] {
  const lines = text
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l.length > 0);
  const pairs: Pair[] = [];
  lines.forEach((line, i) => {
    const f = line.split(/\s+/);
    if (i === 0 && f.every((x) => /^\d+$/.test(x))) return; // header
    const num = (s: string | undefined) => {
      if (!s || !/^\d+$/.test(s)) throw new Error(`pairs line ${i + 1}: expected a photo number, got "${s ?? ''}"`);
      return Number(s);
    };
    if (f.length === 3) pairs.push({ same: true, a: { name: f[0]!, n: num(f[1]) }, b: { name: f[0]!, n: num(f[2]) } });
    else if (f.length === 4)
      pairs.push({ same: false, a: { name: f[0]!, n: num(f[1]) }, b: { name: f[2]!, n: num(f[3]) } });
    else throw new KinfinderError('invalid_input', `pairs line ${i + 1}: expected 3 or 4 fields, got ${f.length}`);
  });
  return pairs;
}

/** `<dir>/<Name>/<Name>_NNNN.jpg` (LFW layout, 4-digit zero-padded). */
export function lfwImagePath(dir: string, img: PairImage): string {
  return path.join(dir, img.name, `${img.name}_${String(img.n).padStart(4, '0')}.jpg`);
}

export const imageKey = (img: PairImage): string => `${img.name}#${img.n}`;
