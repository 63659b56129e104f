/** The little linear algebra the search benchmark's face-geometry model needs (d ≈ 128). */

export type Matrix = Float64Array[];

export function zeros(d: number): Matrix {
  return Array.from({ length: d }, () => new Float64Array(d));
}

/**
 * Eigen-decomposition of a symmetric matrix by cyclic Jacobi rotations: exact to rounding,
 * no dependencies, and fast enough at 128 × 128 (a few sweeps of d³ work).
 * Returns eigenvalues in decreasing order and the matching unit eigenvectors (rows).
 */
export function symmetricEigen(input: Matrix): { values: number[]; vectors: Matrix } {
  const d = input.length;
  const a = input.map((row) => Float64Array.from(row));
  const v = zeros(d);
  for (let i = 0; i < d; i++) v[i]![i] = 1;
  for (let sweep = 0; sweep < 100; sweep++) {
    let off = 0;
    for (let p = 0; p < d; p++) for (let q = p + 1; q < d; q++) off += a[p]![q]! ** 2;
    if (off < 1e-22) break;
    for (let p = 0; p < d; p++) {
      for (let q = p + 1; q < d; q++) {
        const apq = a[p]![q]!;
        if (Math.abs(apq) < 1e-300) continue;
        const theta = (a[q]![q]! - a[p]![p]!) / (2 * apq);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        for (let k = 0; k < d; k++) {
          const akp = a[k]![p]!;
          const akq = a[k]![q]!;
          a[k]![p] = c * akp - s * akq;
          a[k]![q] = s * akp + c * akq;
        }
        for (let k = 0; k < d; k++) {
          const apk = a[p]![k]!;
          const aqk = a[q]![k]!;
          a[p]![k] = c * apk - s * aqk;
          a[q]![k] = s * apk + c * aqk;
        }
        for (let k = 0; k < d; k++) {
          const vpk = v[p]![k]!;
          const vqk = v[q]![k]!;
          v[p]![k] = c * vpk - s * vqk;
          v[q]![k] = s * vpk + c * vqk;
        }
      }
    }
  }
  const order = Array.from({ length: d }, (_, i) => i).sort((i, j) => a[j]![j]! - a[i]![i]!);
  return { values: order.map((i) => a[i]![i]!), vectors: order.map((i) => v[i]!) };
}

/** Sample covariance of rows about a given mean, divided by `denominator`. */
export function scatter(rows: readonly ArrayLike<number>[], mean: ArrayLike<number>, into: Matrix): void {
  const d = mean.length;
  const x = new Float64Array(d);
  for (const r of rows) {
    for (let i = 0; i < d; i++) x[i] = r[i]! - mean[i]!;
    for (let i = 0; i < d; i++) {
      const xi = x[i]!;
      const row = into[i]!;
      for (let j = 0; j < d; j++) row[j] = row[j]! + xi * x[j]!;
    }
  }
}

/** Participation ratio (Σλ)² / Σλ² of a spectrum: the effective number of dimensions. */
export function participationRatio(values: readonly number[]): number {
  const pos = values.map((v) => Math.max(0, v));
  const s = pos.reduce((a, b) => a + b, 0);
  return (s * s) / pos.reduce((a, b) => a + b * b, 0);
}
