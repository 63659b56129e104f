import { KinfinderError } from '../errors.ts';
/**
 * dlib-style face chips: a similarity transform from the 68 landmarks onto dlib's mean face
 * (dlib `get_face_chip_details`, `extract_image_chip`), sampled bilinearly from the RGB buffer
 * in plain JS so every backend sees byte-identical chips.
 */

/** Raw RGB image (3 bytes a pixel, row-major). */
export interface RgbImage {
  data: Uint8Array;
  width: number;
  height: number;
}

export type Point = [number, number];

// dlib's mean face shape for landmarks 17..67 (dlib/image_transforms/interpolation.h).
const MEAN_FACE_X = [
  0.000213256, 0.0752622, 0.18113, 0.29077, 0.393397, 0.586856, 0.689483, 0.799124, 0.904991, 0.98004, 0.490127,
  0.490127, 0.490127, 0.490127, 0.36688, 0.426036, 0.490127, 0.554217, 0.613373, 0.121737, 0.187122, 0.265825, 0.334606,
  0.260918, 0.182743, 0.645647, 0.714428, 0.793132, 0.858516, 0.79751, 0.719335, 0.254149, 0.340985, 0.428858, 0.490127,
  0.551395, 0.639268, 0.726104, 0.642159, 0.556721, 0.490127, 0.423532, 0.338094, 0.290379, 0.428096, 0.490127,
  0.552157, 0.689874, 0.553364, 0.490127, 0.42689,
];
const MEAN_FACE_Y = [
  0.106454, 0.038915, 0.0187482, 0.0344891, 0.0773906, 0.0773906, 0.0344891, 0.0187482, 0.038915, 0.106454, 0.203352,
  0.307009, 0.409805, 0.515625, 0.587326, 0.609345, 0.628106, 0.609345, 0.587326, 0.216423, 0.178758, 0.179852,
  0.231733, 0.245099, 0.244077, 0.231733, 0.179852, 0.178758, 0.216423, 0.244077, 0.245099, 0.780233, 0.745405,
  0.727388, 0.742578, 0.727388, 0.745405, 0.780233, 0.864805, 0.902192, 0.909281, 0.902192, 0.864805, 0.784792,
  0.778746, 0.785343, 0.778746, 0.784792, 0.824182, 0.831803, 0.824182,
];

/** Landmark indices dlib aligns on: 27..67 without the lower lip (55-59, 65-67); no jaw, no brows. */
const ALIGN_POINTS: number[] = [];
for (let i = 27; i < 68; i++) if (!((i >= 55 && i <= 59) || (i >= 65 && i <= 67))) ALIGN_POINTS.push(i);

/** Similarity transform p' = [a -b; b a] p + [tx, ty]. */
export interface Similarity {
  a: number;
  b: number;
  tx: number;
  ty: number;
}

function applySimilarity(t: Similarity, [x, y]: Point): Point {
  return [t.a * x - t.b * y + t.tx, t.b * x + t.a * y + t.ty];
}

/** Least-squares similarity (rotation, uniform scale, translation; no reflection) mapping `from` onto `to`. */
export function findSimilarity(from: Point[], to: Point[]): Similarity {
  const n = from.length;
  if (n < 2 || to.length !== n)
    throw new KinfinderError('bad_landmarks', 'the face alignment needs at least two matching points');
  let fx = 0,
    fy = 0,
    tx = 0,
    ty = 0;
  for (let i = 0; i < n; i++) {
    fx += from[i]![0];
    fy += from[i]![1];
    tx += to[i]![0];
    ty += to[i]![1];
  }
  fx /= n;
  fy /= n;
  tx /= n;
  ty /= n;
  let sxx = 0,
    sxy = 0,
    ff = 0;
  for (let i = 0; i < n; i++) {
    const ax = from[i]![0] - fx,
      ay = from[i]![1] - fy;
    const bx = to[i]![0] - tx,
      by = to[i]![1] - ty;
    sxx += ax * bx + ay * by;
    sxy += ax * by - ay * bx;
    ff += ax * ax + ay * ay;
  }
  if (ff === 0) throw new KinfinderError('bad_landmarks', 'the face landmarks are degenerate (all on one point)');
  const a = sxx / ff,
    b = sxy / ff;
  return { a, b, tx: tx - (a * fx - b * fy), ty: ty - (b * fx + a * fy) };
}

export interface ChipGeometry {
  /** Chip pixel (u, v) → image point. */
  centre: Point;
  angle: number;
  /** Image pixels per chip pixel. */
  scale: number;
  size: number;
}

/** dlib `get_face_chip_details(det, size, padding)` for 68 landmarks. */
export function faceChipGeometry(landmarks: Point[], size = 150, padding = 0.25): ChipGeometry {
  if (landmarks.length !== 68) throw new KinfinderError('bad_landmarks', 'the face alignment needs 68 landmarks');
  const from: Point[] = [];
  const to: Point[] = [];
  for (const i of ALIGN_POINTS) {
    from.push([
      ((padding + MEAN_FACE_X[i - 17]!) / (2 * padding + 1)) * size,
      ((padding + MEAN_FACE_Y[i - 17]!) / (2 * padding + 1)) * size,
    ]);
    to.push(landmarks[i]!);
  }
  const t = findSimilarity(from, to);
  const centre = applySimilarity(t, [size / 2, size / 2]);
  return { centre, angle: Math.atan2(t.b, t.a), scale: Math.hypot(t.a, t.b), size };
}

/** Chip pixel → image point, exactly as dlib's `extract_image_chip` maps its corners. */
function chipToImage(g: ChipGeometry): (u: number, v: number) => Point {
  const cos = Math.cos(g.angle),
    sin = Math.sin(g.angle);
  const span = g.size * g.scale; // the chip rectangle's side in image pixels
  const k = g.size > 1 ? span / (g.size - 1) : 0;
  return (u, v) => {
    const dx = u * k - span / 2;
    const dy = v * k - span / 2;
    return [g.centre[0] + cos * dx - sin * dy, g.centre[1] + sin * dx + cos * dy];
  };
}

/**
 * Warp `img` into a `size`×`size` RGB chip. Bilinear sampling; when one chip pixel covers
 * more than ~1.5 image pixels, each chip pixel averages an n×n grid of bilinear samples
 * (anti-aliasing, like dlib's pyramid). Outside the image is black, as in dlib.
 */
export function extractChip(img: RgbImage, g: ChipGeometry): Uint8Array {
  const size = g.size;
  const out = new Uint8Array(size * size * 3);
  const map = chipToImage(g);
  const step = g.size > 1 ? (g.size * g.scale) / (g.size - 1) : 1;
  const n = Math.max(1, Math.min(8, Math.ceil(step / 1.5)));
  const cos = Math.cos(g.angle),
    sin = Math.sin(g.angle);
  const { data, width, height } = img;
  const acc = [0, 0, 0];
  for (let v = 0; v < size; v++) {
    for (let u = 0; u < size; u++) {
      const [cx, cy] = map(u, v);
      acc[0] = 0;
      acc[1] = 0;
      acc[2] = 0;
      for (let sy = 0; sy < n; sy++) {
        for (let sx = 0; sx < n; sx++) {
          // sub-sample offsets within the chip pixel's footprint, in chip-pixel units
          const ou = n === 1 ? 0 : (sx + 0.5) / n - 0.5;
          const ov = n === 1 ? 0 : (sy + 0.5) / n - 0.5;
          const x = cx + (cos * ou - sin * ov) * step;
          const y = cy + (sin * ou + cos * ov) * step;
          sampleBilinear(data, width, height, x, y, acc);
        }
      }
      const o = (v * size + u) * 3;
      const nn = n * n;
      out[o] = Math.round(acc[0]! / nn);
      out[o + 1] = Math.round(acc[1]! / nn);
      out[o + 2] = Math.round(acc[2]! / nn);
    }
  }
  return out;
}

function sampleBilinear(data: Uint8Array, width: number, height: number, x: number, y: number, acc: number[]): void {
  const x0 = Math.floor(x),
    y0 = Math.floor(y);
  const fx = x - x0,
    fy = y - y0;
  for (let c = 0; c < 3; c++) {
    const p00 = px(data, width, height, x0, y0, c);
    const p10 = px(data, width, height, x0 + 1, y0, c);
    const p01 = px(data, width, height, x0, y0 + 1, c);
    const p11 = px(data, width, height, x0 + 1, y0 + 1, c);
    acc[c]! += (p00 * (1 - fx) + p10 * fx) * (1 - fy) + (p01 * (1 - fx) + p11 * fx) * fy;
  }
}

function px(data: Uint8Array, width: number, height: number, x: number, y: number, c: number): number {
  if (x < 0 || y < 0 || x >= width || y >= height) return 0;
  return data[(y * width + x) * 3 + c]!;
}

/** Mirror an RGB image left-right. */
export function flipHorizontal(rgb: Uint8Array, width: number, height: number): Uint8Array {
  const out = new Uint8Array(rgb.length);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const s = (y * width + x) * 3;
      const d = (y * width + (width - 1 - x)) * 3;
      out[d] = rgb[s]!;
      out[d + 1] = rgb[s + 1]!;
      out[d + 2] = rgb[s + 2]!;
    }
  }
  return out;
}

/** Copy an integer rectangle (clipped to the image) out of an RGB image. */
export function cropRgb(img: RgbImage, left: number, top: number, w: number, h: number): RgbImage {
  const x0 = Math.max(0, Math.floor(left)),
    y0 = Math.max(0, Math.floor(top));
  const x1 = Math.min(img.width, Math.ceil(left + w)),
    y1 = Math.min(img.height, Math.ceil(top + h));
  const cw = Math.max(1, x1 - x0),
    ch = Math.max(1, y1 - y0);
  const out = new Uint8Array(cw * ch * 3);
  for (let y = 0; y < ch; y++) {
    const sy = Math.min(img.height - 1, y0 + y);
    const start = (sy * img.width + Math.min(img.width - 1, x0)) * 3;
    out.set(img.data.subarray(start, start + cw * 3), y * cw * 3);
  }
  return { data: out, width: cw, height: ch };
}

/** Variance of the 4-neighbour Laplacian of the grey image: a standard focus measure. */
export function laplacianVariance(rgb: Uint8Array, width: number, height: number): number {
  if (width < 3 || height < 3) return 0;
  const grey = new Float64Array(width * height);
  for (let i = 0; i < width * height; i++)
    grey[i] = 0.299 * rgb[i * 3]! + 0.587 * rgb[i * 3 + 1]! + 0.114 * rgb[i * 3 + 2]!;
  let sum = 0,
    sum2 = 0,
    n = 0;
  for (let y = 1; y < height - 1; y++) {
    for (let x = 1; x < width - 1; x++) {
      const i = y * width + x;
      const l = grey[i - 1]! + grey[i + 1]! + grey[i - width]! + grey[i + width]! - 4 * grey[i]!;
      sum += l;
      sum2 += l * l;
      n++;
    }
  }
  const mean = sum / n;
  return sum2 / n - mean * mean;
}

const mid = (pts: Point[], idx: number[]): Point => {
  let x = 0,
    y = 0;
  for (const i of idx) {
    x += pts[i]![0];
    y += pts[i]![1];
  }
  return [x / idx.length, y / idx.length];
};

const eyeCentres = (lm: Point[]): { left: Point; right: Point } => ({
  // "left"/"right" as seen in the photo: points 36-41 are on the image's left.
  left: mid(lm, [36, 37, 38, 39, 40, 41]),
  right: mid(lm, [42, 43, 44, 45, 46, 47]),
});

/**
 * Pose from 68 landmarks. Yaw: the nose tip's horizontal position between the two jaw-line
 * extremes (points 0 and 16), measured along the eye line, mapped through asin to degrees:
 * 0 when centred, ±90 when it reaches a face edge. Roll: angle of the eye line.
 */
export function poseFromLandmarks(lm: Point[]): { yaw: number; roll: number; eyeDistance: number } {
  const { left, right } = eyeCentres(lm);
  const ex = right[0] - left[0],
    ey = right[1] - left[1];
  const eyeDistance = Math.hypot(ex, ey);
  const roll = (Math.atan2(ey, ex) * 180) / Math.PI;
  const ux = eyeDistance > 0 ? ex / eyeDistance : 1,
    uy = eyeDistance > 0 ? ey / eyeDistance : 0;
  const proj = (p: Point) => p[0] * ux + p[1] * uy;
  const l = proj(lm[0]!),
    r = proj(lm[16]!),
    nose = proj(lm[30]!);
  const half = (r - l) / 2;
  const rel = half !== 0 ? (nose - (l + r) / 2) / half : 0;
  const yaw = (Math.asin(Math.max(-1, Math.min(1, rel))) * 180) / Math.PI;
  return { yaw, roll, eyeDistance };
}
