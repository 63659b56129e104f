/**
 * One vector for two descriptors (issue 30): each unit descriptor scaled by the square root of its
 * weight, concatenated. With weights summing to 1 the result is a unit vector, and the cosine of
 * two such vectors is exactly `w1·cos(face-api) + w2·cos(MobileFaceNet)`: so the database's one
 * HNSW index and one cosine rank faces by the fused score, with nothing else to compute.
 * Weights ∝ 1/σ of each descriptor's impostor cosines make that sum rank as the sum of the two
 * z-normalised cosines does (the measured recipe), since (c − μ)/σ differs from c/σ by a constant.
 */

export function l2normalise(v: ArrayLike<number>): Float32Array {
  let s = 0;
  for (let i = 0; i < v.length; i++) s += v[i]! * v[i]!;
  const n = Math.sqrt(s) || 1;
  return Float32Array.from(v, (x) => x / n);
}

/** `[√w1·unit(a), √w2·unit(b)]`. */
export function fuse(a: ArrayLike<number>, b: ArrayLike<number>, weights: readonly [number, number]): Float32Array {
  const ua = l2normalise(a),
    ub = l2normalise(b);
  const ka = Math.sqrt(weights[0]),
    kb = Math.sqrt(weights[1]);
  const out = new Float32Array(ua.length + ub.length);
  for (let i = 0; i < ua.length; i++) out[i] = ua[i]! * ka;
  for (let i = 0; i < ub.length; i++) out[ua.length + i] = ub[i]! * kb;
  return out;
}

/** The two unit descriptors back out of a fused vector (evaluation: each measured on its own). */
export function unfuse(v: ArrayLike<number>, firstDims: number): [Float32Array, Float32Array] {
  return [l2normalise(Array.from(v).slice(0, firstDims)), l2normalise(Array.from(v).slice(firstDims))];
}

/** Weights ∝ 1/σ of each descriptor's impostor cosines, summing to 1 (see above). */
export function weightsFromSpread(sigmaFirst: number, sigmaSecond: number): [number, number] {
  const a = 1 / sigmaFirst,
    b = 1 / sigmaSecond;
  return [a / (a + b), b / (a + b)];
}
