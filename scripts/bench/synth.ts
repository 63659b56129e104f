/**
 * Synthetic face embeddings for the search benchmark. Pure and deterministic (seeded), so the
 * same command always builds the same gallery and the test can check the statistics.
 *
 * The model (BENCHMARKS.md "Search" explains it for readers):
 *
 *   identity centre   ĉᵢ = normalise(√ρ·u + √(1−ρ)·cᵢ)     cᵢ uniform on S^(d−1), u one shared
 *                                                          "population mean" direction
 *   face              x  = t·ĉᵢ + √(1−t²)·n̂               n̂ uniform on the unit sphere of the
 *                                                          subspace orthogonal to ĉᵢ
 *   face quality      t ~ Beta(a, b)                       per face: cos(face, its centre)
 *
 * so every face is a unit vector, and for two faces of one person
 *   sim = t₁t₂ + √((1−t₁²)(1−t₂²))·z,  z ≈ N(0, 1/(d−1)),
 * giving mean E[t]² and variance E[t²]² − E[t]⁴ + E[1−t²]²/(d−1). Given the measured
 * same-person mean and spread, that fixes E[t] and E[t²], hence the Beta. Two faces of
 * different people score ≈ t₁t₂·ĉᵢ·ĉⱼ with E[ĉᵢ·ĉⱼ] ≈ ρ, so ρ = diffMean / sameMean puts the
 * impostor mean where face-api's is (random unit vectors in 128-d would score ≈ N(0, 1/128),
 * far below a real face model's impostors, and make the index's job unrealistically easy).
 * A Beta on t gives the genuine scores the long lower tail of real photos (blur, pose, age).
 *
 * Isotropic (alpha = 0) every direction varies alike, so identities differ in all 127
 * dimensions: the hardest case for a graph index (distances concentrate; no direction is more
 * informative than another). Real descriptors are not like that: their variance falls off over
 * the principal axes. With alpha > 0 the centre and noise draws use per-axis variances
 * λⱼ ∝ (j+1)^−α (the effective dimension (Σλ)²/Σλ² replaces d − 1 in the formulas above);
 * BENCHMARKS.md says how α was matched to face-api descriptors of lfw-dev photos.
 */

export interface SynthTargets {
  dims: number;
  /** Mean cosine similarity of two faces of the same person. */
  sameMean: number;
  /** Standard deviation of those similarities. */
  sameSd: number;
  /** Mean cosine similarity of two faces of different people. */
  diffMean: number;
  /**
   * Power-law exponent α of the per-axis variance λⱼ ∝ (j+1)^−α of centres and noise. 0 (the
   * default) is isotropic: centres uniform on the sphere. Real face descriptors have a decaying
   * spectrum (a lower effective dimension), which is what makes graph indexes work on them.
   */
  alpha?: number;
}

export interface SynthModel extends SynthTargets {
  /** Beta(a, b) of the per-face cosine to the identity centre; b = 0 means t is the constant a. */
  betaA: number;
  betaB: number;
  /** E[t] and E[t²] that the Beta was fitted to. */
  tMean: number;
  tSecondMoment: number;
  /** Weight of the shared population direction: E[ĉᵢ·ĉⱼ] ≈ rho. */
  rho: number;
  /** True when the requested sameSd is below what isotropic noise alone gives (t is then constant). */
  sdClamped: boolean;
  /** Power-law exponent of the per-axis variance (0 = isotropic). */
  alpha: number;
  /** Effective dimension (participation ratio (Σλ)²/Σλ²) of that spectrum; d for isotropic. */
  effectiveDims: number;
}

/** Per-axis variances λⱼ ∝ (j+1)^−α, summing to 1. */
export function spectrum(dims: number, alpha: number): number[] {
  const l = Array.from({ length: dims }, (_, j) => (j + 1) ** -alpha);
  const sum = l.reduce((a, b) => a + b, 0);
  return l.map((x) => x / sum);
}

/** Participation ratio of a spectrum: d when flat, smaller as it decays. */
export function effectiveDims(lambda: readonly number[]): number {
  const s = lambda.reduce((a, b) => a + b, 0);
  return (s * s) / lambda.reduce((a, b) => a + b * b, 0);
}

/** Solves the model's parameters from the target statistics (closed form + a bisection). */
export function fitModel(t: SynthTargets): SynthModel {
  const { dims: d, sameMean, sameSd, diffMean } = t;
  const alpha = t.alpha ?? 0;
  if (!(d >= 2)) throw new Error('dims must be ≥ 2');
  if (!(sameMean > 0 && sameMean < 1)) throw new Error('sameMean must be in (0, 1)');
  if (!(sameSd >= 0)) throw new Error('sameSd must be ≥ 0');
  if (!(diffMean > -1 && diffMean < sameMean)) throw new Error('diffMean must be in (−1, sameMean)');
  if (!(alpha >= 0)) throw new Error('alpha must be ≥ 0');
  const rho = diffMean / sameMean;
  const m1sq = sameMean;
  // The dot product of two independent unit noise directions has variance 1/D: D = d − 1 when
  // isotropic (the noise lives orthogonal to the centre), the spectrum's effective dimension
  // otherwise.
  const D = alpha === 0 ? d - 1 : effectiveDims(spectrum(d, alpha));
  // same-person variance(M2) = M2² − M1⁴ + (1 − M2)²/D, increasing in M2 on [M1², 1]
  const variance = (m2: number) => m2 * m2 - m1sq * m1sq + (1 - m2) ** 2 / D;
  const target = sameSd * sameSd;
  let m2 = m1sq;
  let clamped = false;
  if (variance(m1sq) >= target) {
    clamped = variance(m1sq) > target * 1.0001 + 1e-12;
  } else {
    let lo = m1sq;
    let hi = 1;
    for (let i = 0; i < 100; i++) {
      const mid = (lo + hi) / 2;
      if (variance(mid) < target) lo = mid;
      else hi = mid;
    }
    m2 = (lo + hi) / 2;
  }
  const m1 = Math.sqrt(m1sq);
  const v = m2 - m1sq;
  let betaA: number;
  let betaB: number;
  if (v <= 1e-12) {
    betaA = m1;
    betaB = 0;
  } else {
    const k = (m1 * (1 - m1)) / v - 1;
    if (!(k > 0)) throw new Error(`sameSd ${sameSd} is too wide for sameMean ${sameMean}`);
    betaA = m1 * k;
    betaB = (1 - m1) * k;
  }
  return {
    ...t,
    betaA,
    betaB,
    tMean: m1,
    tSecondMoment: m2,
    rho,
    sdClamped: clamped,
    alpha,
    effectiveDims: alpha === 0 ? d : D,
  };
}

// ---------------------------------------------------------------------------------------------
// Random numbers: xoshiro128** seeded through splitmix32 from (seed, a, b), so any face can be
// regenerated on its own (no gallery-sized state: the 1 M-face gallery streams).

function splitmix32(x: number): number {
  x = (x + 0x9e3779b9) | 0;
  let z = x;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return (z ^ (z >>> 16)) >>> 0;
}

export class Rng {
  private s0: number;
  private s1: number;
  private s2: number;
  private s3: number;
  private spare: number | undefined;

  constructor(...keys: number[]) {
    let h = 0x12345678;
    for (const k of keys) h = splitmix32(h ^ splitmix32(k | 0) ^ Math.imul((k / 0x100000000) | 0, 0x27d4eb2d));
    this.s0 = splitmix32(h);
    this.s1 = splitmix32(this.s0 ^ 0x6a09e667);
    this.s2 = splitmix32(this.s1 ^ 0xbb67ae85);
    this.s3 = splitmix32(this.s2 ^ 0x3c6ef372);
    if ((this.s0 | this.s1 | this.s2 | this.s3) === 0) this.s0 = 1;
  }

  /** Uniform 32-bit unsigned integer. */
  nextU32(): number {
    const result = Math.imul(rotl(Math.imul(this.s1, 5), 7), 9) >>> 0;
    const t = this.s1 << 9;
    this.s2 ^= this.s0;
    this.s3 ^= this.s1;
    this.s1 ^= this.s2;
    this.s0 ^= this.s3;
    this.s2 ^= t;
    this.s3 = rotl(this.s3, 11);
    return result;
  }

  /** Uniform in (0, 1). */
  next(): number {
    return (this.nextU32() + 0.5) / 4294967296;
  }

  /** Uniform integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  /** Standard normal (Box–Muller, both values used). */
  gauss(): number {
    if (this.spare !== undefined) {
      const s = this.spare;
      this.spare = undefined;
      return s;
    }
    const u = this.next();
    const v = this.next();
    const r = Math.sqrt(-2 * Math.log(u));
    this.spare = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  }

  /** Gamma(shape, 1), Marsaglia–Tsang. */
  gamma(shape: number): number {
    if (shape < 1) return this.gamma(shape + 1) * this.next() ** (1 / shape);
    const d = shape - 1 / 3;
    const c = 1 / Math.sqrt(9 * d);
    for (;;) {
      let x: number;
      let v: number;
      do {
        x = this.gauss();
        v = 1 + c * x;
      } while (v <= 0);
      v = v * v * v;
      const u = this.next();
      if (u < 1 - 0.0331 * x ** 4 || Math.log(u) < 0.5 * x * x + d * (1 - v + Math.log(v))) return d * v;
    }
  }

  beta(a: number, b: number): number {
    const x = this.gamma(a);
    return x / (x + this.gamma(b));
  }
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

/** Scales v to unit length in place. */
export function normalise(v: Float64Array): Float64Array {
  let s = 0;
  for (let i = 0; i < v.length; i++) s += v[i]! * v[i]!;
  const n = Math.sqrt(s);
  for (let i = 0; i < v.length; i++) v[i] = v[i]! / n;
  return v;
}

export function dot(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
}

// Stream tags keep the random streams of centres, faces and bookkeeping apart.
const TAG_POPULATION = 1;
const TAG_CENTRE = 2;
const TAG_FACE = 3;

/** Generates identity centres and faces of the fitted model for one seed. */
export class FaceGenerator {
  readonly model: SynthModel;
  readonly seed: number;
  /** The shared "population mean" direction of every identity centre (bench:queue aligns it with real faces'). */
  readonly population: Float64Array;
  private cacheId = -1;
  private cacheCentre: Float64Array;
  /** Per-axis standard deviations (all 1 when isotropic). */
  private readonly scale: Float64Array;

  constructor(model: SynthModel, seed: number) {
    this.model = model;
    this.seed = seed;
    const rng = new Rng(seed, TAG_POPULATION);
    this.scale = Float64Array.from(spectrum(model.dims, model.alpha), (l) => Math.sqrt(l * model.dims));
    this.population = this.draw(rng);
    this.cacheCentre = new Float64Array(model.dims);
  }

  /** A random unit direction of the model's distribution (uniform on the sphere when isotropic). */
  private draw(rng: Rng): Float64Array {
    const v = new Float64Array(this.model.dims);
    for (let i = 0; i < v.length; i++) v[i] = rng.gauss() * this.scale[i]!;
    return normalise(v);
  }

  /** The unit centre ĉ of an identity. */
  centre(identity: number): Float64Array {
    if (identity === this.cacheId) return this.cacheCentre;
    const { dims, rho } = this.model;
    const c = this.draw(new Rng(this.seed, TAG_CENTRE, identity));
    const a = Math.sqrt(Math.max(0, rho));
    const b = Math.sqrt(Math.max(0, 1 - rho));
    for (let i = 0; i < dims; i++) c[i] = a * this.population[i]! + b * c[i]!;
    this.cacheId = identity;
    this.cacheCentre = normalise(c);
    return this.cacheCentre;
  }

  /**
   * Face number `faceNo` of `identity` (gallery faces use small numbers, queries large ones, so
   * a query is a fresh photo of an enrolled person). A unit vector.
   */
  face(identity: number, faceNo: number): Float64Array {
    const { dims, betaA, betaB } = this.model;
    const c = this.centre(identity);
    const rng = new Rng(this.seed, TAG_FACE, identity, faceNo);
    const t = betaB === 0 ? betaA : rng.beta(betaA, betaB);
    const n = new Float64Array(dims);
    for (let i = 0; i < dims; i++) n[i] = rng.gauss() * this.scale[i]!;
    const along = dot(n, c);
    for (let i = 0; i < dims; i++) n[i] = n[i]! - along * c[i]!;
    normalise(n);
    const s = Math.sqrt(Math.max(0, 1 - t * t));
    for (let i = 0; i < dims; i++) n[i] = t * c[i]! + s * n[i]!;
    return n;
  }
}

/** Faces per identity: 1 + Binomial(5, 0.4), i.e. 1–6 with mean 3. */
export function facesPerIdentity(rng: Rng): number {
  let n = 1;
  for (let i = 0; i < 5; i++) if (rng.next() < 0.4) n++;
  return n;
}

export interface GalleryPlan {
  /** Identity of gallery face i (gallery order is shuffled, as arrivals would be). */
  identity: Int32Array;
  /** Face number of gallery face i within its identity (0-based). */
  faceNo: Uint8Array;
  /** How many identities the gallery holds. */
  identities: number;
}

/**
 * Which faces make up a gallery of exactly `faces` faces: identities with 1–6 faces each
 * (the last identity is cut short to hit the count), in shuffled order.
 */
export function planGallery(faces: number, seed: number): GalleryPlan {
  const rng = new Rng(seed, 4);
  const identity = new Int32Array(faces);
  const faceNo = new Uint8Array(faces);
  let i = 0;
  let id = 0;
  while (i < faces) {
    const n = facesPerIdentity(rng);
    for (let j = 0; j < n && i < faces; j++, i++) {
      identity[i] = id;
      faceNo[i] = j;
    }
    id++;
  }
  for (let k = faces - 1; k > 0; k--) {
    const r = rng.int(k + 1);
    const a = identity[k]!;
    identity[k] = identity[r]!;
    identity[r] = a;
    const b = faceNo[k]!;
    faceNo[k] = faceNo[r]!;
    faceNo[r] = b;
  }
  return { identity, faceNo, identities: id };
}

/** Distinct query identities (as many as possible), drawn among the enrolled ones. */
export function pickQueryIdentities(identities: number, queries: number, seed: number): number[] {
  const rng = new Rng(seed, 5);
  const out: number[] = [];
  const seen = new Set<number>();
  while (out.length < queries) {
    const id = rng.int(identities);
    if (seen.has(id) && seen.size < identities) continue;
    seen.add(id);
    out.push(id);
  }
  return out;
}

/** Face numbers of query faces start here: never used by a gallery face (≤ 6 per identity). */
export const QUERY_FACE_BASE = 1000;

export interface SimilarityStats {
  sameMean: number;
  sameSd: number;
  diffMean: number;
  diffSd: number;
  pairs: number;
}

/** Anything that draws face `faceNo` of `identity` as a unit vector, deterministically. */
export interface FaceSource {
  face(identity: number, faceNo: number): Float64Array;
}

/** Measures same- and different-person similarity statistics of the generator by sampling. */
export function sampleStats(gen: FaceSource, pairs: number, seed = 99): SimilarityStats {
  const rng = new Rng(seed, 6);
  const same: number[] = [];
  const diff: number[] = [];
  for (let p = 0; p < pairs; p++) {
    const id = 1_000_000 + p;
    const a = gen.face(id, 0);
    const b = gen.face(id, 1);
    same.push(dot(a, b));
    const other = gen.face(2_000_000 + p, rng.int(6));
    diff.push(dot(a, other));
  }
  const ms = meanSd(same);
  const md = meanSd(diff);
  return { sameMean: ms.mean, sameSd: ms.sd, diffMean: md.mean, diffSd: md.sd, pairs };
}

export function meanSd(xs: readonly number[]): { mean: number; sd: number } {
  if (xs.length === 0) return { mean: NaN, sd: NaN };
  const mean = xs.reduce((s, x) => s + x, 0) / xs.length;
  const v = xs.reduce((s, x) => s + (x - mean) ** 2, 0) / Math.max(1, xs.length - 1);
  return { mean, sd: Math.sqrt(v) };
}

/** pgvector text form with float32-meaningful precision (shorter on the wire than toSql's default). */
export function roundForSql(v: ArrayLike<number>): number[] {
  const out = new Array<number>(v.length);
  for (let i = 0; i < v.length; i++) out[i] = Math.round(v[i]! * 1e8) / 1e8;
  return out;
}
