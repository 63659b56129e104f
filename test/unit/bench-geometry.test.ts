// The measured face-geometry model of the search benchmark (scripts/bench/geometry.ts): pure
// maths, no timings and no face engine.
import { describe, expect, it } from 'vitest';
import { fitGeometry, GeometryFaceGenerator, type FaceGeometry, type Labelled } from '../../scripts/bench/geometry.ts';
import { participationRatio, symmetricEigen, zeros } from '../../scripts/bench/linalg.ts';
import { dot, Rng, sampleStats } from '../../scripts/bench/synth.ts';

/** A random orthonormal basis of R^d (Gram–Schmidt on normal draws). */
function basis(d: number, rng: Rng): Float64Array[] {
  const out: Float64Array[] = [];
  while (out.length < d) {
    const v = Float64Array.from({ length: d }, () => rng.gauss());
    for (const b of out) {
      const p = dot(v, b);
      for (let i = 0; i < d; i++) v[i] = v[i]! - p * b[i]!;
    }
    const n = Math.sqrt(dot(v, v));
    if (n < 1e-6) continue;
    out.push(v.map((x) => x / n));
  }
  return out;
}

describe('symmetric eigen-decomposition', () => {
  it('recovers the eigenvalues and eigenvectors of Q·diag(λ)·Qᵀ', () => {
    const d = 24;
    const q = basis(d, new Rng(3));
    const lambda = Array.from({ length: d }, (_, i) => 5 / (i + 1) + (i === d - 1 ? -1 : 0));
    const m = zeros(d);
    for (let k = 0; k < d; k++)
      for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) m[i]![j] = m[i]![j]! + lambda[k]! * q[k]![i]! * q[k]![j]!;
    const { values, vectors } = symmetricEigen(m);
    const sorted = [...lambda].sort((a, b) => b - a);
    values.forEach((v, i) => expect(v).toBeCloseTo(sorted[i]!, 9));
    // each eigenvector satisfies M·v = λ·v and has unit length
    vectors.forEach((v, k) => {
      expect(dot(v, v)).toBeCloseTo(1, 9);
      for (let i = 0; i < d; i++) expect(dot(m[i]!, v)).toBeCloseTo(values[k]! * v[i]!, 8);
    });
  });

  it('counts effective dimensions: d when flat, 1 for a single axis', () => {
    expect(participationRatio([1, 1, 1, 1])).toBeCloseTo(4, 12);
    expect(participationRatio([3, 0, 0])).toBeCloseTo(1, 12);
  });
});

describe('measured face geometry', () => {
  // A known geometry, shaped like face descriptors: a large shared mean, people differing along
  // some axes, photos along partly others.
  const d = 32;
  const rng = new Rng(11);
  const axes = basis(d, rng);
  const mean = Array.from({ length: d }, () => 0);
  mean[0] = 0.9;
  const truth: FaceGeometry = {
    dims: d,
    mean,
    between: { sd: axes.map((_, j) => 0.12 / Math.sqrt(j + 1)), axes: axes.map((a) => Array.from(a)) },
    within: {
      sd: axes.map((_, j) => 0.05 / Math.sqrt(d - j)),
      axes: axes.map((a) => Array.from(a)),
      scaleQuantiles: [1, 1],
    },
    real: {
      photos: 0,
      people: 0,
      peopleWithSeveral: 0,
      sameMean: 0,
      sameSd: 0,
      diffMean: 0,
      diffSd: 0,
      participationRatio: 0,
    },
    source: {},
  };
  const gen = new GeometryFaceGenerator(truth, 5);

  it('draws unit vectors, deterministic per (seed, identity, face)', () => {
    const a = gen.face(4, 0);
    expect(dot(a, a)).toBeCloseTo(1, 12);
    expect([...new GeometryFaceGenerator(truth, 5).face(4, 0)]).toEqual([...a]);
    expect([...gen.face(4, 1)]).not.toEqual([...a]);
    expect(dot(a, gen.face(4, 1))).toBeGreaterThan(dot(a, gen.face(5, 0)));
  });

  it('fitted to faces drawn from it, draws faces with the same similarity statistics', () => {
    const faces: Labelled[] = [];
    for (let p = 0; p < 1500; p++)
      for (let i = 0; i < 1 + (p % 4); i++) faces.push({ person: `p${p}`, embedding: gen.face(p, i) });
    const fitted = fitGeometry(faces, { what: 'test' });
    expect(fitted.real.photos).toBe(faces.length);
    expect(fitted.real.people).toBe(1500);
    expect(fitted.real.peopleWithSeveral).toBe(1125);
    const expected = sampleStats(gen, 4000);
    const again = sampleStats(new GeometryFaceGenerator(fitted, 9), 4000);
    expect(again.sameMean).toBeCloseTo(expected.sameMean, 2);
    expect(again.diffMean).toBeCloseTo(expected.diffMean, 2);
    expect(again.diffSd).toBeCloseTo(expected.diffSd, 2);
    // per-photo scales estimated from 3–4 photos a person carry sampling noise: a little wider
    expect(again.sameSd).toBeGreaterThan(expected.sameSd * 0.9);
    expect(again.sameSd).toBeLessThan(expected.sameSd * 1.5);
    // the spread along the strongest between-person axis is recovered (to sampling error)
    expect(fitted.between.sd[0]! / truth.between.sd[0]!).toBeGreaterThan(0.85);
    expect(fitted.between.sd[0]! / truth.between.sd[0]!).toBeLessThan(1.15);
    expect(Math.abs(dot(fitted.between.axes[0]!, truth.between.axes[0]!))).toBeGreaterThan(0.9);
  });

  it('gives photos unequal quality: the per-photo scale widens the genuine scores, E[s²] = 1', () => {
    const faces: Labelled[] = [];
    // every person: three ordinary photos and one far from the others (a poor photo)
    for (let p = 0; p < 300; p++) {
      for (let i = 0; i < 3; i++) faces.push({ person: `p${p}`, embedding: gen.face(p, i) });
      const poor = gen.face(p, 3);
      const c = gen.centre(p);
      faces.push({ person: `p${p}`, embedding: poor.map((x, k) => x + 3 * (x - c[k]! / Math.sqrt(dot(c, c)))) });
    }
    const fitted = fitGeometry(faces, {});
    const q = fitted.within.scaleQuantiles;
    expect(q).toHaveLength(101);
    for (let k = 1; k < q.length; k++) expect(q[k]!).toBeGreaterThanOrEqual(q[k - 1]!);
    const meanS2 = q.slice(1).reduce((a, b, k) => a + (b * b + q[k]! * q[k]!) / 2, 0) / 100;
    expect(meanS2).toBeGreaterThan(0.9);
    expect(meanS2).toBeLessThan(1.1);
    // a quarter of photos are poor: the top quartile of scales stands well above the median
    expect(q[90]! / q[50]!).toBeGreaterThan(1.5);
    const flat = sampleStats(
      new GeometryFaceGenerator({ ...fitted, within: { ...fitted.within, scaleQuantiles: [1, 1] } }, 3),
      3000,
    );
    const spread = sampleStats(new GeometryFaceGenerator(fitted, 3), 3000);
    expect(spread.sameSd).toBeGreaterThan(flat.sameSd * 1.2);
  });

  it('keeps the directions apart: photos of one person vary where people do not', () => {
    // within-person variation lives mostly on the axes with little between-person spread
    const w = new GeometryFaceGenerator(truth, 1);
    const a = w.face(1, 0);
    const b = w.face(1, 1);
    const diff = a.map((x, i) => x - b[i]!);
    const along = (k: number) => Math.abs(dot(diff, axes[k]!));
    const first = [0, 1, 2, 3].reduce((s, k) => s + along(k), 0);
    const last = [d - 1, d - 2, d - 3, d - 4].reduce((s, k) => s + along(k), 0);
    expect(last).toBeGreaterThan(first);
  });
});
