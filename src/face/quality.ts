import { laplacianVariance } from './align.ts';
import type { Box, FaceQuality } from './types.ts';

/**
 * Quality flags of one face (issue 18 point 3): what verifiers see beside a candidate and what
 * caps its band. Read from the 150-px aligned chip of the photo as it is (never its enhanced
 * copy), so the same face gives the same flags whichever pass found it.
 */

/** Which pass of the detection cascade found the face (recipe.rescue). */
export type DetectionStep = 'upright' | 'enhance' | 'turn' | 'tiles';

// Thresholds, with why (measured on lfw-dev clean vs degraded faces, bench:field; BENCHMARKS.md).
/** Eye detail under this share of the face's own detail: eyes covered (bar, blindfold, bandage) or shut in shadow. */
export const EYES_HIDDEN_BELOW = 0.55;
/**
 * Eye line under this (eyeLine below): one band of one tone from temple to temple. A woven or
 * creased blindfold has detail of its own, so eye detail alone took two in three blindfolds for
 * open eyes (bench:field's 37 found blindfolded faces: 9 flagged). Open eyes are dark dips beside
 * a brighter bridge of the nose: clean lfw-dev faces measure 0.28-0.98 (5th percentile 0.38),
 * blindfolds 0.003-0.02 where the chip is aligned on them (80 faces each, BENCHMARKS.md).
 */
export const EYE_LINE_FLAT_BELOW = 0.2;
/** Laplacian variance of the grey chip under this: a blurred face (clean lfw-dev faces ≈ 20-95, blurred σ 3.5 ≈ 1-4). */
export const BLURRY_BELOW = 8;
/** Face smaller than this (larger side of the box, photo pixels): few pixels between the eyes to describe. */
export const SMALL_BELOW = 40;
/**
 * Mean face luminance under / over these (0-255): too dark, too bright. Low on purpose: clean
 * lfw-dev faces of dark-skinned men measure ≈ 60-70, and skin is not exposure.
 */
export const DARK_BELOW = 40;
export const BRIGHT_ABOVE = 225;
/** Luminance standard deviation over the face under this: flat, faded or foggy (clean ≈ 20-75). */
export const FLAT_BELOW = 12;

export interface QualityInput {
  box: Box;
  score: number;
  pose: { yaw: number; roll: number; eyeDistance: number };
  chip: Uint8Array;
  chipSize: number;
  rotation: number;
  detectedBy: DetectionStep;
  enhanced: boolean;
  confirmedBy: number | undefined;
}

/** Chip pixels of dlib's mean-face eye centres (padding 0.25): x (0.25 + 0.26 | 0.72) / 1.5, y (0.25 + 0.21) / 1.5. */
function eyeRegions(size: number): Array<{ x0: number; y0: number; x1: number; y1: number }> {
  const k = size / 150;
  const r = (cx: number, cy: number) => ({
    x0: Math.round((cx - 17) * k),
    y0: Math.round((cy - 10) * k),
    x1: Math.round((cx + 17) * k),
    y1: Math.round((cy + 10) * k),
  });
  return [r(51, 46), r(99, 46)];
}

function grey(chip: Uint8Array, n: number): Float64Array {
  const g = new Float64Array(n);
  for (let i = 0; i < n; i++) g[i] = 0.299 * chip[i * 3]! + 0.587 * chip[i * 3 + 1]! + 0.114 * chip[i * 3 + 2]!;
  return g;
}

/** Mean gradient magnitude of grey pixels inside a rectangle. */
function detail(g: Float64Array, size: number, x0: number, y0: number, x1: number, y1: number): number {
  let s = 0,
    n = 0;
  for (let y = Math.max(1, y0); y < Math.min(size - 1, y1); y++) {
    for (let x = Math.max(1, x0); x < Math.min(size - 1, x1); x++) {
      const i = y * size + x;
      s += Math.abs(g[i + 1]! - g[i - 1]!) + Math.abs(g[i + size]! - g[i - size]!);
      n++;
    }
  }
  return n > 0 ? s / n : 0;
}

/**
 * Eye detail: the gradient energy around both eyes over that of the whole inner face. Open eyes
 * (lids, iris, white of the eye) are the most detailed part of a face; a bar, blindfold or
 * bandage over them is the flattest. Per eye, the lower of the two counts: one covered eye is
 * enough to lose the eye region's identity.
 */
export function eyeDetail(chip: Uint8Array, size: number): number {
  const g = grey(chip, size * size);
  const k = size / 150;
  const face = detail(g, size, Math.round(30 * k), Math.round(30 * k), Math.round(120 * k), Math.round(135 * k));
  if (face <= 0) return 0;
  const eyes = eyeRegions(size).map((r) => detail(g, size, r.x0, r.y0, r.x1, r.y1) / face);
  return Math.min(...eyes);
}

/**
 * How much the tone varies along the eye line: the mean luminance of each chip column across
 * the eyes (rows 38-55 of 150, temple to temple), smoothed over 7 px so a cloth's weave or a
 * JPEG block counts for nothing, then its standard deviation over the whole face's (luma()).
 * Open eyes are two dark dips beside a bright bridge of the nose; a blindfold or bandage is flat.
 * Measured against the face's own spread, a faded or dim photo of open eyes reads as open.
 */
export function eyeLine(chip: Uint8Array, size: number): number {
  const k = size / 150;
  const y0 = Math.round(38 * k),
    y1 = Math.max(y0 + 1, Math.round(55 * k));
  const cols: number[] = [];
  for (let x = Math.round(32 * k); x < Math.round(118 * k); x++) {
    let s = 0;
    for (let y = y0; y < y1; y++) {
      const i = (y * size + x) * 3;
      s += 0.299 * chip[i]! + 0.587 * chip[i + 1]! + 0.114 * chip[i + 2]!;
    }
    cols.push(s / (y1 - y0));
  }
  const r = Math.max(1, Math.round(3 * k));
  const smooth = cols.map((_, i) => {
    let s = 0,
      n = 0;
    for (let j = Math.max(0, i - r); j <= Math.min(cols.length - 1, i + r); j++) {
      s += cols[j]!;
      n++;
    }
    return s / n;
  });
  const m = smooth.reduce((a, b) => a + b, 0) / Math.max(1, smooth.length);
  const sd = Math.sqrt(smooth.reduce((a, b) => a + (b - m) ** 2, 0) / Math.max(1, smooth.length));
  // a floor under the face's spread: a chip of one tone (sd ≈ 0) must not divide by nothing
  return sd / Math.max(2, luma(chip, size).sd);
}

function luma(chip: Uint8Array, size: number): { mean: number; sd: number } {
  const k = size / 150;
  let s = 0,
    s2 = 0,
    n = 0;
  for (let y = Math.round(30 * k); y < Math.round(135 * k); y++) {
    for (let x = Math.round(30 * k); x < Math.round(120 * k); x++) {
      const i = (y * size + x) * 3;
      const l = 0.299 * chip[i]! + 0.587 * chip[i + 1]! + 0.114 * chip[i + 2]!;
      s += l;
      s2 += l * l;
      n++;
    }
  }
  const mean = s / n;
  return { mean, sd: Math.sqrt(Math.max(0, s2 / n - mean * mean)) };
}

const round = (x: number, digits: number) => Math.round(x * 10 ** digits) / 10 ** digits;

export function faceQuality(q: QualityInput): FaceQuality {
  const faceSize = Math.round(Math.max(q.box.width, q.box.height));
  const sharpness = laplacianVariance(q.chip, q.chipSize, q.chipSize);
  const eyes = eyeDetail(q.chip, q.chipSize);
  const line = eyeLine(q.chip, q.chipSize);
  const { mean, sd } = luma(q.chip, q.chipSize);
  const exposure: FaceQuality['exposure'] =
    mean < DARK_BELOW ? 'dark' : mean > BRIGHT_ABOVE ? 'bright' : sd < FLAT_BELOW ? 'flat' : 'ok';
  const flags: FaceQuality['flags'] = [];
  const eyesVisible = eyes >= EYES_HIDDEN_BELOW && line >= EYE_LINE_FLAT_BELOW;
  if (!eyesVisible) flags.push('eyes_hidden');
  if (sharpness < BLURRY_BELOW) flags.push('blurry');
  if (faceSize < SMALL_BELOW) flags.push('small');
  if (exposure !== 'ok') flags.push(exposure);
  if (q.rotation !== 0) flags.push('turned');
  if (q.detectedBy !== 'upright') flags.push('rescued');
  return {
    faceSize,
    eyeDistance: round(q.pose.eyeDistance, 1),
    sharpness: round(sharpness, 1),
    yaw: round(q.pose.yaw, 1),
    roll: round(q.pose.roll, 1),
    detectionScore: round(q.score, 4),
    rotation: q.rotation,
    detectedBy: q.detectedBy,
    enhanced: q.enhanced,
    ...(q.confirmedBy !== undefined ? { confirmScore: round(q.confirmedBy, 4) } : {}),
    eyesVisible,
    eyeDetail: round(eyes, 3),
    eyeLine: round(line, 3),
    brightness: Math.round(mean),
    contrast: round(sd, 1),
    exposure,
    blurry: sharpness < BLURRY_BELOW,
    flags,
    bandCap: bandCapFor(flags),
  };
}

/**
 * The best band a match of this face may get. A face whose eyes are hidden, that is blurred or
 * small, or too dark, bright or flat, gives a similarity that says less than the calibration
 * (measured on clear faces) assumes: it is shown at most as `possible`, so a verifier looks
 * harder, and it still ranks by similarity. Turning a photo or a rescue pass alone does not cap:
 * the face found is as clear as it is.
 */
export function bandCapFor(flags: readonly string[]): FaceQuality['bandCap'] {
  return flags.some(
    (f) => f === 'eyes_hidden' || f === 'blurry' || f === 'small' || f === 'dark' || f === 'bright' || f === 'flat',
  )
    ? 'possible'
    : null;
}
