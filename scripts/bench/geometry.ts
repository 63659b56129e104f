/**
 * A synthetic gallery whose geometry is measured, not assumed: the two-covariance model of face
 * descriptors (as in PLDA), fitted to real face-api descriptors of lfw-dev photos.
 *
 *   identity centre   c = μ + Σⱼ σ_bⱼ·gⱼ·bⱼ       bⱼ, σ_bⱼ: axes and spreads of the between-person
 *                                                 covariance; gⱼ ~ N(0, 1) per identity
 *   face              x = normalise(c + Σⱼ σ_wⱼ·hⱼ·wⱼ)   wⱼ, σ_wⱼ: the within-person covariance
 *                                                        (pose, light, age, blur); hⱼ per face
 *
 * Unlike the power-law model in synth.ts, which spreads the same variance profile over random
 * directions for both people and photos, this keeps the directions real descriptors vary in:
 * which directions tell people apart and which only change with the photo. Those are what a
 * graph or cluster index navigates by.
 */
import { Rng, dot, meanSd, normalise } from './synth.ts';
import { participationRatio, scatter, symmetricEigen, zeros } from './linalg.ts';

export interface Spread {
  /** Standard deviation along each axis, largest first. */
  sd: number[];
  /** Unit axes (rows), matching `sd`. */
  axes: number[][];
}

export interface WithinSpread extends Spread {
  /**
   * Quantiles (0 %, 1 %, …, 100 %) of a per-photo scale s (E[s²] = 1) that multiplies the whole
   * within-person draw: real photos are not equally good, and a few (blur, profile, a wrong
   * face) sit far from their person. Without it genuine scores have half the real spread and
   * no lower tail.
   */
  scaleQuantiles: number[];
}

/** What face-geometry.json holds (written by scripts/bench/face-geometry.ts). */
export interface FaceGeometry {
  dims: number;
  mean: number[];
  between: Spread;
  within: WithinSpread;
  /** Statistics of the real descriptors the model was fitted to, for comparison. */
  real: RealStats;
  source: Record<string, unknown>;
}

export interface RealStats {
  photos: number;
  people: number;
  /** People with two or more photos (the within-person covariance comes from them). */
  peopleWithSeveral: number;
  sameMean: number;
  sameSd: number;
  diffMean: number;
  diffSd: number;
  /** Participation ratio of the covariance of all descriptors. */
  participationRatio: number;
}

/** A labelled descriptor: the person it shows and its (unit) embedding. */
export interface Labelled {
  person: string;
  embedding: ArrayLike<number>;
}

/** Each person's embeddings, in the order the faces came. */
export function groupByPerson(faces: readonly Labelled[]): Map<string, ArrayLike<number>[]> {
  const byPerson = new Map<string, ArrayLike<number>[]>();
  for (const f of faces) {
    const list = byPerson.get(f.person) ?? [];
    list.push(f.embedding);
    byPerson.set(f.person, list);
  }
  return byPerson;
}

function spread(values: number[], vectors: Float64Array[], digits = 6): Spread {
  const r = (x: number) => Math.round(x * 10 ** digits) / 10 ** digits;
  return { sd: values.map((v) => r(Math.sqrt(Math.max(0, v)))), axes: vectors.map((v) => Array.from(v, r)) };
}

/**
 * Fits the model: within = pooled scatter about each person's mean (people with ≥ 2 photos);
 * between = covariance of person means less the within-person part each mean still carries
 * (W / nₚ on average), eigenvalues below zero (sampling noise) clipped.
 */
export function fitGeometry(faces: readonly Labelled[], source: Record<string, unknown>): FaceGeometry {
  const dims = faces[0]!.embedding.length;
  const byPerson = groupByPerson(faces);
  const meanOf = (rows: readonly ArrayLike<number>[]) => {
    const m = new Float64Array(dims);
    for (const r of rows) for (let i = 0; i < dims; i++) m[i] = m[i]! + r[i]!;
    for (let i = 0; i < dims; i++) m[i] = m[i]! / rows.length;
    return m;
  };
  const all = faces.map((f) => f.embedding);
  const mean = meanOf(all);
  const total = zeros(dims);
  scatter(all, mean, total);
  const totalEig = symmetricEigen(total.map((row) => row.map((x) => x / (all.length - 1))));

  const within = zeros(dims);
  let withinDf = 0;
  const personMeans: Float64Array[] = [];
  let invCount = 0;
  for (const rows of byPerson.values()) {
    const m = meanOf(rows);
    personMeans.push(m);
    invCount += 1 / rows.length;
    if (rows.length >= 2) {
      scatter(rows, m, within);
      withinDf += rows.length - 1;
    }
  }
  for (const row of within) for (let j = 0; j < dims; j++) row[j] = row[j]! / withinDf;
  const scaleQuantiles = photoScales([...byPerson.values()], personMeans, within);
  const grand = meanOf(personMeans);
  const between = zeros(dims);
  scatter(personMeans, grand, between);
  const shrink = invCount / personMeans.length;
  for (let i = 0; i < dims; i++)
    for (let j = 0; j < dims; j++)
      between[i]![j] = between[i]![j]! / (personMeans.length - 1) - shrink * within[i]![j]!;

  const w = symmetricEigen(within);
  const b = symmetricEigen(between);
  const stats = pairStats(byPerson);
  return {
    dims,
    mean: Array.from(grand, (x) => Math.round(x * 1e6) / 1e6),
    between: spread(b.values, b.vectors),
    within: { ...spread(w.values, w.vectors), scaleQuantiles },
    real: {
      photos: faces.length,
      people: byPerson.size,
      peopleWithSeveral: [...byPerson.values()].filter((r) => r.length >= 2).length,
      ...stats,
      participationRatio: Math.round(participationRatio(totalEig.values) * 10) / 10,
    },
    source,
  };
}

/**
 * Each photo's distance from its person's mean, relative to the pooled within-person spread:
 * s² = |x − x̄|² · n / (n − 1) / tr(W). Only people with ≥ 3 photos: with two, both photos are
 * equally far from their mean and the tail would be averaged away.
 */
function photoScales(people: ArrayLike<number>[][], means: Float64Array[], within: Float64Array[]): number[] {
  const d = within.length;
  let trace = 0;
  for (let i = 0; i < d; i++) trace += within[i]![i]!;
  const s2: number[] = [];
  people.forEach((rows, p) => {
    if (rows.length < 3) return;
    const m = means[p]!;
    for (const r of rows) {
      let q = 0;
      for (let i = 0; i < d; i++) q += (r[i]! - m[i]!) ** 2;
      s2.push((q * rows.length) / (rows.length - 1) / trace);
    }
  });
  if (s2.length === 0) return [1, 1];
  s2.sort((a, b) => a - b);
  const meanS2 = s2.reduce((a, b) => a + b, 0) / s2.length;
  return Array.from({ length: 101 }, (_, k) => {
    const pos = (k / 100) * (s2.length - 1);
    const lo = Math.floor(pos);
    const v = s2[lo]! + (s2[Math.min(lo + 1, s2.length - 1)]! - s2[lo]!) * (pos - lo);
    return Math.round(Math.sqrt(v / meanS2) * 1e4) / 1e4;
  });
}

/** Same-person (every pair within a person) and different-person cosines. */
function pairStats(byPerson: Map<string, ArrayLike<number>[]>) {
  const same: number[] = [];
  const diff: number[] = [];
  const people = [...byPerson.values()];
  for (let p = 0; p < people.length; p++) {
    const rows = people[p]!;
    for (let i = 0; i < rows.length; i++) for (let j = i + 1; j < rows.length; j++) same.push(dot(rows[i]!, rows[j]!));
    // Half the list away: neighbours in a name-sorted list are often relatives or compatriots.
    const others = people[(p + Math.floor(people.length / 2)) % people.length]!;
    for (const a of rows) for (const o of others) diff.push(dot(a, o));
  }
  const r4 = (x: number) => Math.round(x * 1e4) / 1e4;
  const s = meanSd(same);
  const d = meanSd(diff);
  return { sameMean: r4(s.mean), sameSd: r4(s.sd), diffMean: r4(d.mean), diffSd: r4(d.sd) };
}

const TAG_CENTRE = 12;
const TAG_FACE = 13;

/** Faces of the fitted model, deterministic per (seed, identity, face number). */
export class GeometryFaceGenerator {
  readonly geometry: FaceGeometry;
  readonly seed: number;
  private readonly d: number;
  private readonly bAxes: Float64Array[];
  private readonly wAxes: Float64Array[];
  private cacheId = -1;
  private cacheCentre: Float64Array;

  constructor(geometry: FaceGeometry, seed: number) {
    this.geometry = geometry;
    this.seed = seed;
    this.d = geometry.dims;
    // Each axis pre-scaled by its spread: a draw is then Σ gⱼ·axisⱼ.
    this.bAxes = geometry.between.axes.map((a, j) => Float64Array.from(a, (x) => x * geometry.between.sd[j]!));
    this.wAxes = geometry.within.axes.map((a, j) => Float64Array.from(a, (x) => x * geometry.within.sd[j]!));
    this.cacheCentre = new Float64Array(this.d);
  }

  /** Inverse CDF of the per-photo scale, interpolated between the stored quantiles. */
  private photoScale(u: number): number {
    const q = this.geometry.within.scaleQuantiles;
    if (!q || q.length < 2) return 1;
    const pos = u * (q.length - 1);
    const lo = Math.min(Math.floor(pos), q.length - 2);
    return q[lo]! + (q[lo + 1]! - q[lo]!) * (pos - lo);
  }

  centre(identity: number): Float64Array {
    if (identity === this.cacheId) return this.cacheCentre;
    const c = Float64Array.from(this.geometry.mean);
    addDraw(c, this.bAxes, new Rng(this.seed, TAG_CENTRE, identity));
    this.cacheId = identity;
    this.cacheCentre = c;
    return c;
  }

  /** A unit vector: face `faceNo` of `identity` (queries use face numbers no gallery face has). */
  face(identity: number, faceNo: number): Float64Array {
    const x = Float64Array.from(this.centre(identity));
    const rng = new Rng(this.seed, TAG_FACE, identity, faceNo);
    addDraw(x, this.wAxes, rng, this.photoScale(rng.next()));
    return normalise(x);
  }
}

function addDraw(into: Float64Array, scaledAxes: readonly Float64Array[], rng: Rng, scale = 1): void {
  for (const axis of scaledAxes) {
    const g = rng.gauss() * scale;
    for (let i = 0; i < into.length; i++) into[i] = into[i]! + g * axis[i]!;
  }
}
