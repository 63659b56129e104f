import type { Point } from './align.ts';

/**
 * Is this a face's shape? The 68-point landmark net always answers with 68 points; shown a face
 * lying on its side that SSD found upright (SSD finds half of them, many at scores above 0.9),
 * it returns a crushed, twisted set, the aligned chip cut from it is not the face, and the
 * embedding matches no one (bench:field: such faces were "found" and ranked first 3 % of the
 * time). Their shapes are far from a face's: after the best similarity fit (translation, scale
 * and rotation, so a face really tilted or turned still fits), the residual of upright lfw-dev
 * faces is ≤ 0.04, and of sideways ones found upright mostly 0.05-0.98. An implausible shape makes
 * the engine run the rescue cascade (its turned views find the face upright and describe it
 * from there) as if the upright pass had found nothing confident.
 */

/** Mean shape of 30 upright lfw-dev faces (face-api's 68 points, iBUG order), centred, unit norm. */
const MEAN_SHAPE: ReadonlyArray<readonly [number, number]> = [
  [-0.1719, -0.0758],
  [-0.1663, -0.0314],
  [-0.1576, 0.0102],
  [-0.1477, 0.0463],
  [-0.1327, 0.0866],
  [-0.1088, 0.1162],
  [-0.0808, 0.1366],
  [-0.0453, 0.1577],
  [0.0064, 0.1689],
  [0.0561, 0.1542],
  [0.0868, 0.1335],
  [0.1113, 0.1131],
  [0.1321, 0.0796],
  [0.1465, 0.0393],
  [0.1526, 0.0013],
  [0.1584, -0.0384],
  [0.1587, -0.0812],
  [-0.1324, -0.1178],
  [-0.1124, -0.1324],
  [-0.0877, -0.1375],
  [-0.0642, -0.1365],
  [-0.0432, -0.1297],
  [0.0381, -0.1306],
  [0.0576, -0.1376],
  [0.0798, -0.1405],
  [0.1053, -0.1363],
  [0.1235, -0.1234],
  [-0.0016, -0.0833],
  [0.0002, -0.0554],
  [0.0014, -0.0295],
  [0.0008, -0.0052],
  [-0.0248, 0.0129],
  [-0.0128, 0.0171],
  [0.0017, 0.0196],
  [0.0169, 0.0153],
  [0.0285, 0.0127],
  [-0.0984, -0.086],
  [-0.0836, -0.0912],
  [-0.0634, -0.092],
  [-0.045, -0.0832],
  [-0.06, -0.0762],
  [-0.0819, -0.0774],
  [0.0394, -0.0849],
  [0.0579, -0.0952],
  [0.0788, -0.0949],
  [0.0921, -0.0876],
  [0.0781, -0.0791],
  [0.0568, -0.0806],
  [-0.0564, 0.0702],
  [-0.0356, 0.0567],
  [-0.0103, 0.0483],
  [0.0029, 0.0503],
  [0.0153, 0.0468],
  [0.0419, 0.0568],
  [0.062, 0.0686],
  [0.0412, 0.0863],
  [0.0233, 0.0965],
  [0.0028, 0.0996],
  [-0.0156, 0.0975],
  [-0.0357, 0.0896],
  [-0.0533, 0.0705],
  [-0.016, 0.0625],
  [0.003, 0.0621],
  [0.0208, 0.0629],
  [0.0569, 0.0683],
  [0.0209, 0.0774],
  [0.0033, 0.0799],
  [-0.0146, 0.0789],
];

function normalised(pts: readonly Point[]): Array<[number, number]> {
  let cx = 0,
    cy = 0;
  for (const [x, y] of pts) {
    cx += x;
    cy += y;
  }
  cx /= pts.length;
  cy /= pts.length;
  let s = 0;
  for (const [x, y] of pts) s += (x - cx) ** 2 + (y - cy) ** 2;
  s = Math.sqrt(s) || 1;
  return pts.map(([x, y]) => [(x - cx) / s, (y - cy) / s]);
}

/**
 * 1 − (cosine of the best similarity fit)² between the landmarks and the mean shape: 0 for the
 * mean face itself at any position, size and in-plane rotation, 1 for a shape with nothing of it.
 */
export function shapeResidual(landmarks: readonly Point[]): number {
  if (landmarks.length !== MEAN_SHAPE.length) return 1;
  const b = normalised(landmarks);
  let sxx = 0,
    sxy = 0;
  for (let i = 0; i < b.length; i++) {
    const [ax, ay] = MEAN_SHAPE[i]!,
      [bx, by] = b[i]!;
    sxx += ax * bx + ay * by;
    sxy += ax * by - ay * bx;
  }
  // MEAN_SHAPE is rounded to 4 digits: its norm is 1 within 1e-4
  return Math.max(0, 1 - (sxx * sxx + sxy * sxy));
}
