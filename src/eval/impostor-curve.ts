import {
  COHORT_SIZE,
  cohortStats,
  median,
  normalisedSimilarity,
  type CohortStats,
  type ImpostorCurve,
} from '../match/bar.ts';

/**
 * The manifest's `impostors` block (src/match/bar.ts): the cohort figures of a typical face and
 * the curve of normalised similarities over every pair of different people among `faces` (one
 * face a photo, labelled by person). The cohort is an even sample of the faces, as an archive's
 * is (its faces ordered by random ids). Only fmr points with at least five pairs behind them
 * are kept: below that the curve's tail is extrapolated (bar.ts:faceStrangerRate).
 * Used by bench:queue --calibrate and scripts/accuracy/recogniser-calibrate.ts.
 */
export function impostorCurve(
  faces: ReadonlyArray<{ person: string; e: readonly number[] }>,
  /** The recogniser's `strong` threshold: cohort faces this close are taken as the face's own (bar.ts:cohortStats). */
  sameMan: number,
): ImpostorCurve & { pairs: number } {
  const step = Math.max(1, Math.floor(faces.length / COHORT_SIZE));
  const cohort = faces
    .filter((_, i) => i % step === 0)
    .slice(0, COHORT_SIZE)
    .map((f) => f.e);
  const stats: CohortStats[] = faces.map((f) => cohortStats(f.e, cohort, sameMan));
  const typical = {
    cohortMean: round4(median(stats.map((s) => s.mean))),
    cohortStd: round4(median(stats.map((s) => s.std))),
    points: [],
  };
  // Normalised scores of every different-person pair, kept as a Float64Array: lfw-dev's 3,400
  // photos give ~6 M of them.
  const n = faces.length;
  const scores = new Float64Array((n * (n - 1)) / 2);
  let k = 0;
  for (let i = 0; i < n; i++) {
    const a = faces[i]!;
    for (let j = i + 1; j < n; j++) {
      const b = faces[j]!;
      if (a.person === b.person) continue;
      let s = 0;
      for (let d = 0; d < a.e.length; d++) s += a.e[d]! * b.e[d]!;
      scores[k++] = normalisedSimilarity(s, stats[i], stats[j], typical);
    }
  }
  const sorted = scores.subarray(0, k).sort().reverse();
  const at = (fmr: number) => sorted[Math.max(0, Math.ceil(fmr * k) - 1)]!;
  const wanted = [0.1, 0.01, 0.001, 3e-4, 1e-4, 3e-5, 1e-5, 3e-6, 1e-6].filter((f) => f * k >= 5);
  return { ...typical, points: wanted.map((fmr) => ({ similarity: round4(at(fmr)), fmr })), pairs: k };
}

const round4 = (x: number) => Math.round(x * 1e4) / 1e4;
