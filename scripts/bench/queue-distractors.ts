/**
 * bench:queue's synthetic distractor faces (`--distractors N`, issue 25): lfw-dev holds 5,392
 * photos, so the 10,000- and 100,000-face archives the issue asks for are the real archive plus
 * N synthetic faces of people nobody searches for.
 *
 * The faces come from bench:search's power-law model (synth.ts: FaceGenerator, alpha 0.85), but
 * fitted to the run's own recogniser: the same-person mean and spread and the different-person
 * mean of the cache's clean faces (`fitTargets`), in the manifest's dimensions, so it serves the
 * 128-d face-api recipe and the 320-d fused one alike. The model's own frame is random, and a
 * real family's face would then score ≈ 0 against every distractor (real descriptors share a
 * large mean direction: strangers score ≈ 0.84, not 0): invisible to the search and a cohort
 * that says nothing. So each synthetic face is turned into the real faces' frame by one fixed
 * rotation (`RealFrame`, `alignedFace`) taking the model's population direction onto the real
 * faces' mean direction and its axes, largest variance first, onto the real faces' principal
 * axes. A rotation keeps every synthetic-to-synthetic similarity the model was fitted to.
 * `compareWithReal` says how far the result still is from real faces, as the bar reads them.
 */
import { createHash } from 'node:crypto';
import {
  cohortStats,
  COHORT_SIZE,
  normalisedSimilarity,
  type CohortStats,
  type ImpostorCurve,
} from '../../src/match/bar.ts';
import { insertArchiveFaces, withFacesIndexRebuilt } from '../../src/store/gallery-bulk.ts';
import type { Database } from '../../src/store/database.ts';
import { participationRatio, scatter, symmetricEigen, zeros } from './linalg.ts';
import {
  dot,
  FaceGenerator,
  fitModel,
  meanSd,
  normalise,
  planGallery,
  type SynthModel,
  type SynthTargets,
} from './synth.ts';

/** bench:search's spectrum exponent for face-api descriptors of lfw-dev (BENCHMARKS.md "Search"). */
export const DISTRACTOR_ALPHA = 0.85;

export interface Labelled {
  person: string;
  embedding: ArrayLike<number>;
}

export interface FittedTargets extends SynthTargets {
  samePairs: number;
  diffPairs: number;
  diffSd: number;
}

/** Different-person pairs are taken among at most this many faces, evenly spread (a few seconds at 320-d). */
const MAX_DIFF_FACES = 2000;

/**
 * The generator's targets from real faces: same-person from each person's first two faces (one
 * pair a person, as bench:search's lfw-dev sample: a man with 500 photos does not outweigh the
 * rest), different-person from every pair of different people's faces.
 */
export function fitTargets(faces: readonly Labelled[], alpha = DISTRACTOR_ALPHA): FittedTargets {
  const dims = faces[0]?.embedding.length ?? 0;
  const byPerson = new Map<string, ArrayLike<number>[]>();
  for (const f of faces) byPerson.set(f.person, [...(byPerson.get(f.person) ?? []), f.embedding]);
  const same: number[] = [];
  for (const list of byPerson.values()) if (list.length >= 2) same.push(dot(list[0]!, list[1]!));
  const step = Math.max(1, faces.length / MAX_DIFF_FACES);
  const sample = Array.from({ length: Math.min(faces.length, MAX_DIFF_FACES) }, (_, i) => faces[Math.floor(i * step)]!);
  let n = 0;
  let s = 0;
  let s2 = 0;
  for (let i = 0; i < sample.length; i++)
    for (let j = i + 1; j < sample.length; j++) {
      if (sample[i]!.person === sample[j]!.person) continue;
      const x = dot(sample[i]!.embedding, sample[j]!.embedding);
      n++;
      s += x;
      s2 += x * x;
    }
  if (same.length < 2 || n < 2) throw new Error('fitTargets: too few faces (need people with two photos)');
  const sm = meanSd(same);
  const diffMean = s / n;
  return {
    dims,
    sameMean: sm.mean,
    sameSd: sm.sd,
    diffMean,
    alpha,
    samePairs: same.length,
    diffPairs: n,
    diffSd: Math.sqrt(Math.max(0, (s2 - n * diffMean * diffMean) / (n - 1))),
  };
}

/** Gram–Schmidt: the first `d` independent unit vectors of `vs`, in order. */
function orthonormal(vs: readonly Float64Array[], d: number): Float64Array[] {
  const out: Float64Array[] = [];
  for (const v of vs) {
    if (out.length === d) break;
    const w = Float64Array.from(v);
    for (let pass = 0; pass < 2; pass++)
      for (const u of out) {
        const a = dot(w, u);
        for (let k = 0; k < w.length; k++) w[k] = w[k]! - a * u[k]!;
      }
    const norm = Math.sqrt(dot(w, w));
    if (norm < 1e-6) continue;
    out.push(normalise(w));
  }
  if (out.length !== d) throw new Error('orthonormal: vectors do not span the space');
  return out;
}

/**
 * The real faces' frame: their mean direction first, then the principal axes of what is left of
 * them across it, largest variance first. `participationRatio`: the effective dimension of that
 * variance (the synthetic model's `effectiveDims` is its counterpart).
 */
export interface RealFrame {
  basis: Float64Array[];
  participationRatio: number;
}

export function realFrame(faces: readonly Labelled[]): RealFrame {
  const d = faces[0]!.embedding.length;
  const mean = new Float64Array(d);
  for (const f of faces) for (let k = 0; k < d; k++) mean[k] = mean[k]! + f.embedding[k]! / faces.length;
  const m = normalise(Float64Array.from(mean));
  const across = faces.map((f) => {
    const a = dot(f.embedding, m);
    return Float64Array.from(f.embedding, (x, k) => x - a * m[k]!);
  });
  const c = zeros(d);
  scatter(across, new Float64Array(d), c);
  const { values, vectors } = symmetricEigen(c);
  return { basis: orthonormal([m, ...vectors], d), participationRatio: participationRatio(values) };
}

/** A fitted generator whose faces are turned into a real frame (see the file's comment). */
export class AlignedGenerator {
  readonly gen: FaceGenerator;
  private readonly from: Float64Array[];
  private readonly to: Float64Array[];

  constructor(model: SynthModel, frame: RealFrame, seed: number) {
    this.gen = new FaceGenerator(model, seed);
    const d = model.dims;
    if (frame.basis.length !== d) throw new Error(`frame of ${frame.basis.length} dims for a ${d}-d model`);
    // the model's axes are the coordinate axes, largest variance first (synth.ts spectrum)
    const axes = Array.from({ length: d }, (_, j) => Float64Array.from({ length: d }, (_, k) => (k === j ? 1 : 0)));
    this.from = orthonormal([this.gen.population, ...axes], d);
    this.to = frame.basis;
  }

  /** Face `faceNo` of synthetic identity `identity`, in the real frame: a unit vector. */
  face(identity: number, faceNo: number): Float64Array {
    const x = this.gen.face(identity, faceNo);
    const d = x.length;
    const y = new Float64Array(d);
    for (let j = 0; j < d; j++) {
      const c = dot(x, this.from[j]!);
      const t = this.to[j]!;
      for (let k = 0; k < d; k++) y[k] = y[k]! + c * t[k]!;
    }
    return normalise(y);
  }
}

/** The distractor generator for these real faces: targets fitted, frame measured. */
export function distractorGenerator(
  real: readonly Labelled[],
  seed: number,
): { targets: FittedTargets; model: SynthModel; frame: RealFrame; gen: AlignedGenerator } {
  const targets = fitTargets(real);
  const model = fitModel(targets);
  const frame = realFrame(real);
  return { targets, model, frame, gen: new AlignedGenerator(model, frame, seed) };
}

/** A uuid (version 4 layout) from a name: distractor ids are the same every run, spread over the id order like random ones. */
export function nameUuid(name: string): string {
  const h = createHash('sha256').update(name).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/** Which synthetic identity and face each of `n` distractors is (1–6 faces a person, shuffled: synth.ts planGallery). */
export function distractorPlan(n: number, seed: number): Array<{ identity: number; faceNo: number }> {
  const plan = planGallery(n, seed);
  return Array.from({ length: n }, (_, i) => ({ identity: plan.identity[i]!, faceNo: plan.faceNo[i]! }));
}

const BATCH = 2000;

/**
 * Adds `n` distractor faces (one photo each) to the archive, the HNSW index built once after
 * the load. Deterministic: the same seed gives the same faces and ids.
 */
export async function loadDistractors(
  db: Database,
  modelId: string,
  gen: AlignedGenerator,
  n: number,
  seed: number,
  log: (s: string) => void,
): Promise<{ loadSeconds: number; buildSeconds: number }> {
  const plan = distractorPlan(n, seed);
  const t0 = Date.now();
  let loadSeconds = 0;
  const { buildSeconds } = await withFacesIndexRebuilt(db, gen.gen.model.dims, async () => {
    for (let i0 = 0; i0 < n; i0 += BATCH) {
      const rows = plan.slice(i0, i0 + BATCH).map((p, k) => {
        const i = i0 + k;
        return {
          photoId: nameUuid(`distractor-photo:${seed}:${i}`),
          faceId: nameUuid(`distractor-face:${seed}:${i}`),
          sha256: createHash('sha256').update(`distractor:${seed}:${i}`).digest('hex'),
          embedding: Array.from(gen.face(p.identity, p.faceNo), (x) => Math.round(x * 1e6) / 1e6),
        };
      });
      // what ingest stores for a clear, well-detected face: no band cap in its quality
      await insertArchiveFaces(db, modelId, rows, {
        box: { x: 70, y: 70, width: 110, height: 110 },
        score: 0.99,
        quality: { synthetic: true },
      });
      if ((i0 / BATCH) % 10 === 9)
        log(`  distractors: ${i0 + rows.length}/${n} (${((Date.now() - t0) / 1000).toFixed(0)} s)`);
    }
    loadSeconds = (Date.now() - t0) / 1000;
  });
  return { loadSeconds, buildSeconds };
}

export interface Spread {
  mean: number;
  sd: number;
  p99: number;
  p999: number;
  max: number;
}

function spreadOf(xs: Float64Array): Spread {
  xs.sort();
  const q = (p: number) => xs[Math.min(xs.length - 1, Math.floor(p * xs.length))]!;
  let s = 0;
  for (const x of xs) s += x;
  const mean = s / xs.length;
  let v = 0;
  for (const x of xs) v += (x - mean) ** 2;
  const r = (x: number) => Math.round(x * 10000) / 10000;
  return {
    mean: r(mean),
    sd: r(Math.sqrt(v / Math.max(1, xs.length - 1))),
    p99: r(q(0.99)),
    p999: r(q(0.999)),
    max: r(xs[xs.length - 1]!),
  };
}

const medianOf = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[s.length >> 1]! : NaN;
};

/**
 * Real against synthetic as the bar sees them. `cohort`: the median over faces of a face's
 * cohort figures (src/match/bar.ts cohortStats: median and upper-tail spread of its similarity
 * to COHORT_SIZE faces), for real and synthetic faces against real and synthetic cohorts.
 * `strangers`: the similarity of pairs of different people (real–real, real–synthetic,
 * synthetic–synthetic): mean, spread and the top tail (99th, 99.9th percentile, maximum), the
 * part that decides how many strangers a search puts above the bar. `normalised`: what the bar
 * reads (src/match/bar.ts normalisedSimilarity, each face against its cohort): real strangers
 * in a real archive (real cohorts) beside a real family's face against synthetic strangers in an
 * archive of nearly all synthetic faces (synthetic cohorts, as at 100,000), and real mates
 * (each person's first two faces) under either cohort: the median and the 10th percentile.
 */
export function compareWithReal(
  real: readonly Labelled[],
  synthetic: readonly Labelled[],
  curve: ImpostorCurve,
): {
  cohort: Record<
    'realInReal' | 'realInSynthetic' | 'syntheticInSynthetic' | 'syntheticInReal',
    { mean: number; std: number }
  >;
  strangers: Record<'realReal' | 'realSynthetic' | 'syntheticSynthetic', Spread>;
  normalised: {
    strangers: Record<'realInRealArchive' | 'syntheticInSyntheticArchive', Spread>;
    /** How often a synthetic stranger reaches the real strangers' 99th / 99.9th percentile, as a share of how often a real one does (1: alike). */
    tailRatio: { atRealP99: number; atRealP999: number };
    mates: Record<'realCohort' | 'syntheticCohort', { median: number; p10: number; pairs: number }>;
  };
} {
  const pick = <T>(xs: readonly T[], n: number) => {
    const step = Math.max(1, xs.length / n);
    return Array.from({ length: Math.min(n, xs.length) }, (_, i) => xs[Math.floor(i * step)]!);
  };
  const realCohort = pick(real, COHORT_SIZE).map((f) => f.embedding as readonly number[]);
  const synthCohort = pick(synthetic, COHORT_SIZE).map((f) => f.embedding as readonly number[]);
  const cohortOf = (faces: readonly Labelled[], cohort: ReadonlyArray<readonly number[]>) => {
    const stats = faces.map((f) => cohortStats(f.embedding as readonly number[], cohort));
    const r = (x: number) => Math.round(x * 10000) / 10000;
    return { mean: r(medianOf(stats.map((s) => s.mean))), std: r(medianOf(stats.map((s) => s.std))) };
  };
  const pairs = (a: readonly Labelled[], b: readonly Labelled[], same: boolean) => {
    const out: number[] = [];
    for (let i = 0; i < a.length; i++)
      for (let j = same ? i + 1 : 0; j < b.length; j++)
        if (a[i]!.person !== b[j]!.person) out.push(dot(a[i]!.embedding, b[j]!.embedding));
    return Float64Array.from(out);
  };
  const r = pick(real, 1000);
  const s = pick(synthetic, 1000);
  const statsIn = (faces: readonly Labelled[], cohort: ReadonlyArray<readonly number[]>) =>
    faces.map((f) => cohortStats(f.embedding as readonly number[], cohort));
  const rInReal = statsIn(r, realCohort);
  const rInSynth = statsIn(r, synthCohort);
  const sInSynth = statsIn(s, synthCohort);
  const normPairs = (
    a: readonly Labelled[],
    as: readonly CohortStats[],
    b: readonly Labelled[],
    bs: readonly CohortStats[],
    same: boolean,
  ) => {
    const out: number[] = [];
    for (let i = 0; i < a.length; i++)
      for (let j = same ? i + 1 : 0; j < b.length; j++)
        if (a[i]!.person !== b[j]!.person)
          out.push(normalisedSimilarity(dot(a[i]!.embedding, b[j]!.embedding), bs[j], as[i], curve));
    return Float64Array.from(out);
  };
  const firstTwo = new Map<string, number[]>();
  real.forEach((f, i) => {
    const l = firstTwo.get(f.person) ?? [];
    if (l.length < 2) firstTwo.set(f.person, [...l, i]);
  });
  const matePairs = [...firstTwo.values()].filter((l) => l.length === 2);
  const mates = (cohort: ReadonlyArray<readonly number[]>) => {
    const xs = matePairs
      .map(([i, j]) => {
        const a = real[i!]!.embedding as readonly number[];
        const b = real[j!]!.embedding as readonly number[];
        return normalisedSimilarity(dot(a, b), cohortStats(b, cohort), cohortStats(a, cohort), curve);
      })
      .sort((x, y) => x - y);
    const q = (p: number) => Math.round(xs[Math.min(xs.length - 1, Math.floor(p * xs.length))]! * 10000) / 10000;
    return { median: q(0.5), p10: q(0.1), pairs: xs.length };
  };
  const realNorm = spreadOf(normPairs(r, rInReal, r, rInReal, true));
  const synthNorm = normPairs(r, rInSynth, s, sInSynth, false);
  const shareAtOrAbove = (xs: Float64Array, t: number) => xs.reduce((n, x) => n + (x >= t ? 1 : 0), 0) / xs.length;
  return {
    cohort: {
      realInReal: cohortOf(real, realCohort),
      realInSynthetic: cohortOf(real, synthCohort),
      syntheticInSynthetic: cohortOf(s, synthCohort),
      syntheticInReal: cohortOf(s, realCohort),
    },
    strangers: {
      realReal: spreadOf(pairs(r, r, true)),
      realSynthetic: spreadOf(pairs(r, s, false)),
      syntheticSynthetic: spreadOf(pairs(s, s, true)),
    },
    normalised: {
      strangers: { realInRealArchive: realNorm, syntheticInSyntheticArchive: spreadOf(synthNorm) },
      tailRatio: {
        atRealP99: Math.round((shareAtOrAbove(synthNorm, realNorm.p99) / 0.01) * 1000) / 1000,
        atRealP999: Math.round((shareAtOrAbove(synthNorm, realNorm.p999) / 0.001) * 1000) / 1000,
      },
      mates: { realCohort: mates(realCohort), syntheticCohort: mates(synthCohort) },
    },
  };
}
