import sharp from 'sharp';
import { expect } from 'vitest';

/**
 * A photo as a dark field photo shows it: every channel at a fifth of its light, plus sensor
 * noise (±7 levels from a fixed seed, so each run darkens it the same way), saved as a JPEG.
 * The engine tests' input for the rescue's enhanced copy.
 */
export async function darkNoisyJpeg(photo: string | Buffer): Promise<Buffer> {
  const { data, info } = await sharp(photo).raw().toBuffer({ resolveWithObject: true });
  let seed = 7;
  const noise = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648 - 0.5) * 14;
  const dark = Buffer.from(data.map((v) => Math.max(0, Math.min(255, Math.round(v * 0.2 + noise())))));
  return sharp(dark, { raw: info }).jpeg({ quality: 85 }).toBuffer();
}

/**
 * That a change of recipe describes dark faces nearer their own clean photo: `before[i]` and
 * `after[i]` are person i's dark face's similarities to every person's clean photo, under the old
 * and the new recipe. At least `nearer` people move nearer their own photo, on average they do,
 * and their own photo stands further ahead of the nearest stranger.
 */
export function expectNearerOwnPhoto(before: number[][], after: number[][], nearer: number): void {
  const rival = (s: number[], i: number) => Math.max(...s.filter((_, j) => j !== i));
  const own = before.map((b, i) => [b[i]!, after[i]![i]!] as const);
  const margin = before.map((b, i) => [b[i]! - rival(b, i), after[i]![i]! - rival(after[i]!, i)] as const);
  const mean = (xs: number[]) => xs.reduce((s, x) => s + x, 0) / xs.length;
  expect(own.filter(([b, a]) => a > b).length, 'people described nearer their own photo').toBeGreaterThanOrEqual(
    nearer,
  );
  expect(mean(own.map(([, a]) => a))).toBeGreaterThan(mean(own.map(([b]) => b)));
  expect(mean(margin.map(([, a]) => a)), 'own photo ahead of the nearest stranger').toBeGreaterThan(
    mean(margin.map(([b]) => b)),
  );
}
