import { KinfinderError } from '../errors.ts';
import { findSimilarity, type Point, type RgbImage } from './align.ts';
import { compose, warp, type Affine } from './warp.ts';

/**
 * The 112 × 112 crop ArcFace-trained nets (MobileFaceNet) expect: a least-squares similarity
 * transform of five points (eye centres, nose tip, mouth corners) onto the standard template of
 * insightface, sampled bilinearly (warp.ts), black outside the photo as cv2.warpAffine leaves it.
 */

export const ARCFACE_SIZE = 112;

/** insightface's `arcface_dst`: left eye, right eye, nose tip, left and right mouth corner (as seen). */
export const ARCFACE_TEMPLATE: readonly Point[] = [
  [38.2946, 51.6963],
  [73.5318, 51.5014],
  [56.0252, 71.7366],
  [41.5493, 92.3655],
  [70.7299, 92.2041],
];

/** The five points from face-api's 68 (iBUG 300-W order): eye centres, nose tip 30, mouth corners 48 and 54. */
export function fivePoints(lm: Point[]): Point[] {
  if (lm.length !== 68) throw new KinfinderError('bad_landmarks', 'the face alignment needs 68 landmarks');
  const mean = (from: number, to: number): Point => {
    let x = 0,
      y = 0;
    for (let i = from; i < to; i++) {
      x += lm[i]![0];
      y += lm[i]![1];
    }
    return [x / (to - from), y / (to - from)];
  };
  return [mean(36, 42), mean(42, 48), lm[30]!, lm[48]!, lm[54]!];
}

/**
 * The similarity (rotation, uniform scale, translation; Umeyama without reflection) taking
 * template points to photo points, as the crop → photo affine `warp` samples through.
 */
export function templateToPhoto(photo: Point[], template: readonly Point[] = ARCFACE_TEMPLATE): Affine {
  if (photo.length !== template.length)
    throw new KinfinderError('bad_landmarks', 'the face alignment needs matching points');
  // The same least-squares fit the face-api chip uses (align.ts), written as warp's affine.
  const { a, b, tx, ty } = findSimilarity([...template], photo);
  if (!(a * a + b * b > 0)) throw new KinfinderError('bad_landmarks', 'the face landmarks are degenerate');
  return { a, b: -b, c: tx, d: b, e: a, f: ty };
}

/** Degrees the face's eye line is turned from level in the photo (the transform's rotation). */
export function rollOf(t: Affine): number {
  return (Math.atan2(t.d, t.a) * 180) / Math.PI;
}

/** The aligned 112 × 112 RGB crop of a face with these 68 landmarks, turned `quarterTurns` × 90° about the template's nose. */
export function arcfaceCrop(img: RgbImage, lm: Point[], quarterTurns = 0): RgbImage {
  let t = templateToPhoto(fivePoints(lm));
  const q = ((quarterTurns % 4) + 4) % 4;
  if (q !== 0) {
    const [nx, ny] = ARCFACE_TEMPLATE[2]!;
    const cos = [1, 0, -1, 0][q]!,
      sin = [0, 1, 0, -1][q]!;
    // crop pixel → the template point it stands for, turned about the nose, then → photo
    t = compose(t, { a: cos, b: -sin, c: nx - cos * nx + sin * ny, d: sin, e: cos, f: ny - sin * nx - cos * ny });
  }
  return warp(img, ARCFACE_SIZE, ARCFACE_SIZE, t, [0, 0, 0]);
}
