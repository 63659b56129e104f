import type { Calibration } from '../face/manifest.ts';

/**
 * The bar of a search (issue 25, DESIGN §15): a case's candidates go to the verifiers' queue
 * only when a search of this archive is expected to put fewer than `fpir` strangers that high.
 *
 * The calibration's thresholds are pairwise false-match rates (FMR: one comparison of two
 * different people). A search compares the family's face with every archive face, so a
 * per-comparison rate r puts N·r strangers above it in an archive of N faces: the open-set
 * false-positive identification rate (FPIR) of NIST FRVT, N·FMR while it is small. The bar is
 * therefore r ≤ fpir / N, and it rises with the archive.
 *
 * A single similarity scale does not fit every archive face: a blurred, dark or blindfolded
 * photo looks like everybody (its strangers reach 0.988, DESIGN §15), a clear one does not. So
 * a similarity is first read against the two faces' own impostor scores (symmetric score
 * normalisation, "S-norm": each face's mean and spread of similarity to a cohort of archive
 * faces, which are nearly all strangers to it) and mapped back to the similarity a clear face
 * would need for the same standing (`normalisedSimilarity`). That similarity is read on the
 * measured curve of impostor rates (`faceStrangerRate`).
 *
 * A record adds its own evidence: a stranger also has to agree on the record's fields. The u of
 * each compared field (the chance that two different people agree at that level, from the
 * archive's own frequency of the value: src/records/weights.ts) multiplies the face's rate, so a
 * rare surname and a birth year lift a weak or missing face over the bar, and a common name
 * does not (`candidateStrangerRate`).
 */

/** Impostor-score statistics of one face: its similarity to a cohort of (nearly all) strangers. */
export interface CohortStats {
  mean: number;
  std: number;
  /** Cohort faces the figures come from (0: none; the archive-wide figures stand in). */
  n: number;
}

/**
 * The measured curve of a model's impostor scores after normalisation, and the cohort figures
 * of a typical clear face: bench:queue's calibration over lfw-dev (see `impostorCurve` in the
 * manifest). Without one, the manifest's three thresholds are the curve and the figures are
 * those of 296 lfw-dev photos (scripts/bench/search.ts).
 */
export interface ImpostorCurve {
  cohortMean: number;
  cohortStd: number;
  /** (normalised similarity, share of stranger pairs at or above it), any order. */
  points: Array<{ similarity: number; fmr: number }>;
}

/**
 * KINFINDER_QUEUE_FPIR's default: strangers a search of the current archive is expected to put
 * in the queue. Measured with bench:queue (BENCHMARKS.md "Queue"): at 1,000 lfw-dev photos a
 * family whose relative is not archived is shown 0.55-0.60 strangers and the relative is queued
 * for 0.967 of the families whose relative is; at 0.25 those are 0.33-0.38 and 0.950. A missed
 * relative costs a family more than a stranger costs two verifiers, so the default is the larger.
 */
export const DEFAULT_QUEUE_FPIR = 0.5;

/**
 * Archive faces each face is compared with for its cohort figures. A face's spread is read at
 * its cohort's 95th percentile, i.e. from its top 5 %: from 200 faces that is ten similarities,
 * and one archive's draw of 200 moved its queue's strangers per search from 0.75 to 1.53 across
 * draws of the same photos (BENCHMARKS.md "Queue"). From 1,000 it is fifty, and an archive of
 * up to 1,000 faces is its own whole cohort, the same figures on every draw. The cost is a read
 * of 1,000 vectors per search or new photo that meets a case, and 1,000 dot products a face.
 */
export const COHORT_SIZE = 1000;

/**
 * How many cohort faces' worth of the typical figures a face's own are blended with: a face in
 * a small archive (a test, a new installation) is read like a typical clear one until the
 * archive says otherwise.
 */
export const COHORT_PSEUDO = 50;

/** Lower bound on a cohort spread: a face identical to its whole cohort must not divide by zero. */
const MIN_STD = 0.005;

export function curveOf(calibration: Pick<Calibration, 'strong' | 'possible' | 'floor' | 'impostors'>): ImpostorCurve {
  const measured = calibration.impostors;
  if (measured && measured.points.length >= 2) return measured;
  return {
    cohortMean: 0.8393,
    cohortStd: 0.0324,
    points: [
      { similarity: calibration.floor, fmr: 0.1 },
      { similarity: calibration.possible.threshold, fmr: calibration.possible.fmr },
      { similarity: calibration.strong.threshold, fmr: calibration.strong.fmr },
    ],
  };
}

/**
 * Where `embedding`'s similarities to the cohort faces centre and how far up its strangers reach
 * (itself and exact copies left out). The centre is the median; the spread is read from the upper
 * tail, (95th percentile − median) / 1.645, the standard deviation a normal spread with that
 * upper tail would have. The bar only ever asks how high a stranger scores, and faces differ most
 * there: a blurred or dark face's strangers bunch close to its median yet some reach far, so a
 * spread from the middle (the MAD, used before) read its strangers' tail too short and held its
 * own mates to a bar about ten times too strict, while for clear faces it under-counted how high
 * the nearest strangers go (BENCHMARKS.md "Queue": the tail spread queues more mates at the same
 * strangers per search, clean and degraded).
 *
 * The cohort is meant to be strangers, but in a small archive a man photographed several times
 * can be 5 % of it, and his own photos would then be the tail. So cohort faces at `sameMan` or
 * above (the calibration's `strong`: the queue's own "the same man", review-queue.ts) that are
 * also outliers of the face's cohort (above its median + 3 MAD-scaled deviations) are taken as
 * his and left out; a blurred face, whose strangers all sit that high, keeps them.
 */
export function cohortStats(
  embedding: readonly number[],
  cohort: ReadonlyArray<readonly number[]>,
  sameMan: number = Infinity,
): CohortStats {
  const sims: number[] = [];
  for (const other of cohort) {
    let s = 0;
    for (let i = 0; i < embedding.length; i++) s += embedding[i]! * other[i]!;
    if (s > 0.9999) continue; // the face itself, or the same photo stored twice
    sims.push(s);
  }
  if (sims.length === 0) return { mean: 0, std: 0, n: 0 };
  const sorted = sims.sort((a, b) => a - b);
  const centre = quantile(sorted, 0.5);
  const madSd =
    1.4826 *
    quantile(
      sorted.map((x) => Math.abs(x - centre)).sort((a, b) => a - b),
      0.5,
    );
  const cut = Math.max(sameMan, centre + MATE_OUTLIER * madSd);
  const strangers = sorted.filter((x) => x < cut);
  if (strangers.length === 0) return { mean: centre, std: madSd, n: sorted.length };
  return {
    mean: centre,
    std: Math.max(0, quantile(strangers, UPPER_TAIL) - centre) / UPPER_TAIL_Z,
    n: strangers.length,
  };
}

/** How far above its cohort's median (in MAD-scaled deviations) a `sameMan` face must be to count as his. */
const MATE_OUTLIER = 3;
/** The cohort quantile the spread is read at, and the standard normal's value there. */
const UPPER_TAIL = 0.95;
const UPPER_TAIL_Z = 1.6449;

/** The median of unsorted values (the typical figures of many faces, src/eval/impostor-curve.ts). */
export function median(xs: readonly number[]): number {
  return quantile(
    [...xs].sort((a, b) => a - b),
    0.5,
  );
}

/** Linear interpolation between order statistics (the "type 7" quantile of R and NumPy). */
function quantile(sorted: readonly number[], p: number): number {
  const h = (sorted.length - 1) * p;
  const lo = Math.floor(h);
  const hi = Math.min(sorted.length - 1, lo + 1);
  return sorted[lo]! + (h - lo) * (sorted[hi]! - sorted[lo]!);
}

/** A face's figures blended with the typical ones by COHORT_PSEUDO (see there). */
export function shrunk(stats: CohortStats | undefined, curve: ImpostorCurve): { mean: number; std: number } {
  const n = stats?.n ?? 0;
  const k = COHORT_PSEUDO;
  const mean = ((stats?.mean ?? 0) * n + curve.cohortMean * k) / (n + k);
  const variance = ((stats?.std ?? 0) ** 2 * n + curve.cohortStd ** 2 * k) / (n + k);
  return { mean, std: Math.max(Math.sqrt(variance), MIN_STD) };
}

/**
 * The similarity a typical clear face would need to stand as far above its strangers as this
 * pair does above theirs: the mean of the two faces' z-scores (S-norm) put back on the typical
 * face's scale. For two typical faces it is the similarity itself.
 */
export function normalisedSimilarity(
  similarity: number,
  archiveFace: CohortStats | undefined,
  referenceFace: CohortStats | undefined,
  curve: ImpostorCurve,
): number {
  const a = shrunk(archiveFace, curve);
  const r = shrunk(referenceFace, curve);
  const z = ((similarity - a.mean) / a.std + (similarity - r.mean) / r.std) / 2;
  return curve.cohortMean + curve.cohortStd * z;
}

/**
 * The share of stranger pairs at or above this normalised similarity, read on the curve:
 * log-linear between its points, and beyond the last one along the last segment's slope (an
 * exponential tail, heavier than the Gaussian one the points bend towards: it errs on the side
 * of counting more strangers). Above 0.5 it stops at 1.
 */
export function faceStrangerRate(normalised: number, curve: ImpostorCurve): number {
  const pts = [...curve.points].sort((a, b) => a.similarity - b.similarity);
  const logAt = (i: number) => Math.log10(pts[i]!.fmr);
  let i = 0;
  while (i < pts.length - 2 && normalised > pts[i + 1]!.similarity) i++;
  const a = pts[i]!;
  const b = pts[i + 1]!;
  const slope = (logAt(i + 1) - logAt(i)) / (b.similarity - a.similarity);
  const log = logAt(i) + slope * (normalised - a.similarity);
  return Math.min(1, 10 ** log);
}

/**
 * A candidate's rate: the chance that a stranger in the archive shows evidence this strong,
 * per archive record. The face's rate (1 when no face was compared) times the u of every
 * record field compared (the record's agreement a stranger would need as well).
 */
export function candidateStrangerRate(faceRate: number | undefined, recordU: readonly number[]): number {
  let r = faceRate ?? 1;
  for (const u of recordU) r *= Math.min(Math.max(u, 0), 1);
  return r;
}

/** The highest candidate rate a search of `archiveSize` faces may queue: fewer than `fpir` strangers expected above it. */
export function queueBar(archiveSize: number, fpir: number): number {
  return fpir / Math.max(archiveSize, 1);
}

/** Strangers a search of this archive is expected to put at or above a candidate with this rate. */
export function expectedStrangers(rate: number, archiveSize: number): number {
  return rate * Math.max(archiveSize, 1);
}

export function passesBar(rate: number, archiveSize: number, fpir: number): boolean {
  return expectedStrangers(rate, archiveSize) <= fpir;
}

/**
 * Strangers per search said the way verifiers read it: "about 1 in 20 searches of this archive
 * shows a stranger this similar" (`oneIn`: 20), or, when strangers this similar are common,
 * "about 3 strangers in every search" (`perSearch`: 3).
 */
export function strangersSaid(expected: number): { oneIn: number } | { perSearch: number } {
  if (expected < 0.95) return { oneIn: roundNicely(1 / Math.max(expected, 1e-9)) };
  return { perSearch: roundNicely(expected) };
}

function roundNicely(x: number): number {
  if (x < 10) return Math.max(1, Math.round(x));
  const p = 10 ** (Math.floor(Math.log10(x)) - 1);
  return Math.round(x / p) * p;
}
