import { describe, expect, it } from 'vitest';
import { loadManifest } from '../../src/face/manifest.ts';
import {
  candidateStrangerRate,
  COHORT_SIZE,
  cohortStats,
  curveOf,
  expectedStrangers,
  faceStrangerRate,
  normalisedSimilarity,
  passesBar,
  queueBar,
  strangersSaid,
  type CohortStats,
  type ImpostorCurve,
} from '../../src/match/bar.ts';
import { compareRecords } from '../../src/records/compare.ts';
import { archiveRecord, subjectRecord } from '../../src/records/record.ts';
import { smoothedU, U_PRIORS, uOf, uTable, wilsonLower } from '../../src/records/weights.ts';

const manifest = await loadManifest();
const curve: ImpostorCurve = curveOf(manifest.calibration);
const typical: CohortStats = { mean: curve.cohortMean, std: curve.cohortStd, n: 200 };

/** The least similarity (to 1e-4) a pair of faces with these cohort figures needs to pass the bar at N. */
function barSimilarity(n: number, fpir: number, archive: CohortStats = typical, reference: CohortStats = typical) {
  for (let s = 0.8; s <= 1.2; s += 0.0001)
    if (passesBar(faceStrangerRate(normalisedSimilarity(s, archive, reference, curve), curve), n, fpir)) return s;
  return Infinity;
}

describe('the bar of a search', () => {
  it('rises with the archive: a search of more faces needs a higher similarity for the same strangers per search', () => {
    const at = [100, 1_000, 10_000, 100_000].map((n) => barSimilarity(n, 0.5));
    for (let i = 1; i < at.length; i++) expect(at[i]!).toBeGreaterThan(at[i - 1]!);
    // a pairwise threshold does not: a small archive's bar is under `strong`, a large one's above it
    expect(at[0]!).toBeLessThan(manifest.calibration.strong.threshold);
    expect(at[3]!).toBeGreaterThan(manifest.calibration.strong.threshold);
    expect(queueBar(10_000, 0.5)).toBeCloseTo(queueBar(1_000, 0.5) / 10, 12);
  });

  it("reads a clear pair on the manifest's measured curve: the rate at each point is its share of stranger pairs", () => {
    expect(manifest.calibration.impostors?.points.length).toBeGreaterThanOrEqual(3);
    for (const p of curve.points) expect(faceStrangerRate(p.similarity, curve) / p.fmr).toBeCloseTo(1, 6);
    // between points the rate falls monotonically, and a typical pair keeps its similarity
    const rates = [0.9, 0.92, 0.94, 0.96, 0.98].map((s) => faceStrangerRate(s, curve));
    for (let i = 1; i < rates.length; i++) expect(rates[i]!).toBeLessThan(rates[i - 1]!);
    expect(normalisedSimilarity(0.93, typical, typical, curve)).toBeCloseTo(0.93, 10);
    // without a measured curve the three thresholds stand in, at their own false-match rates
    const { impostors: _measured, ...thresholdsOnly } = manifest.calibration;
    const fallback = curveOf(thresholdsOnly);
    expect(faceStrangerRate(manifest.calibration.strong.threshold, fallback)).toBeCloseTo(
      manifest.calibration.strong.fmr,
      4,
    );
  });

  it("holds a face that looks like everybody (a degraded photo) to its own strangers' level", () => {
    // a blurred face: its strangers sit at 0.95 ± 0.015 instead of 0.84 ± 0.03
    const blurred: CohortStats = { mean: 0.95, std: 0.015, n: 200 };
    const clear = faceStrangerRate(normalisedSimilarity(0.96, typical, typical, curve), curve);
    const degraded = faceStrangerRate(normalisedSimilarity(0.96, blurred, typical, curve), curve);
    // read as a clear pair 0.02 or more lower, so five times (or more) as many strangers reach it
    expect(normalisedSimilarity(0.96, blurred, typical, curve)).toBeLessThan(
      normalisedSimilarity(0.96, typical, typical, curve) - 0.02,
    );
    expect(degraded).toBeGreaterThan(clear * 5);
    expect(barSimilarity(1_000, 0.5, blurred)).toBeGreaterThan(barSimilarity(1_000, 0.5) + 0.02);
  });

  it('reads the spread from how far up the strangers reach, not from the middle of the cohort', () => {
    // one-dimensional "faces": the similarity to the cohort face is the cohort value itself
    const middle = Array.from({ length: COHORT_SIZE }, (_, i) => [0.5 + (i / COHORT_SIZE) * 0.1]);
    // the same cohort, its top tenth reaching twice as far: a face that some strangers resemble closely
    const reaching = middle.map(([x], i) => [i >= COHORT_SIZE * 0.9 ? x! + (x! - 0.55) : x!]);
    const a = cohortStats([1], middle);
    const b = cohortStats([1], reaching);
    expect(b.mean).toBeCloseTo(a.mean, 10);
    expect(b.std).toBeGreaterThan(a.std * 1.5);
    // so the same similarity stands lower against its strangers, and more strangers reach it
    expect(normalisedSimilarity(0.7, b, typical, curve)).toBeLessThan(normalisedSimilarity(0.7, a, typical, curve));
  });

  it('takes cohort figures that a few of the face’s own mates in a full cohort do not move (order statistics)', () => {
    const dims = 8;
    const unit = (i: number, s: number) => {
      const v = new Array<number>(dims).fill(0);
      v[0] = s;
      v[i] = Math.sqrt(1 - s * s);
      return v;
    };
    const face = unit(1, 1);
    // a full cohort (COHORT_SIZE faces), its strangers spread over 0.50-0.60
    const strangers = Array.from({ length: COHORT_SIZE }, (_, i) => unit(2 + (i % 6), 0.5 + (i % 21) * 0.005));
    const base = cohortStats(
      face.map((x, i) => (i === 0 ? 1 : x)),
      strangers,
    );
    const withMates = cohortStats(
      face.map((x, i) => (i === 0 ? 1 : x)),
      [...strangers, unit(1, 0.99), unit(1, 0.98), unit(1, 0.97)],
    );
    expect(withMates.n).toBe(COHORT_SIZE + 3);
    expect(Math.abs(withMates.mean - base.mean)).toBeLessThan(0.01);
    expect(withMates.std).toBeLessThan(base.std + 0.01);
    // a small archive: his three photos are 7 % of a 40-face cohort; at the same-man threshold they are his
    const few = strangers.slice(0, 40);
    const mates = [unit(1, 0.99), unit(1, 0.98), unit(1, 0.97)];
    const small = cohortStats(face, few, 0.93);
    const smallWithMates = cohortStats(face, [...few, ...mates], 0.93);
    expect(smallWithMates.n).toBe(40);
    expect(Math.abs(smallWithMates.std - small.std)).toBeLessThan(0.003);
    // without the threshold they would be read as its strangers' tail
    expect(cohortStats(face, [...few, ...mates]).std).toBeGreaterThan(small.std * 3);
    // a face whose strangers all score that high (a blurred one) keeps them: they are not outliers
    const blurredCohort = Array.from({ length: 40 }, (_, i) => [0.94 + (i % 10) * 0.004]);
    expect(cohortStats([1], blurredCohort, 0.93).n).toBe(40);
    // the face itself is left out
    expect(cohortStats([1, 0], [[1, 0]]).n).toBe(0);
  });

  it('lets a record that agrees strongly lift a weak face over the bar, and a common name alone not', () => {
    const faceRate = faceStrangerRate(0.9, curve); // a weak face: about 1 in 60 strangers
    expect(passesBar(candidateStrangerRate(faceRate, []), 1_000, 0.5)).toBe(false);
    const subject = subjectRecord({ surname: 'Petrenko', givenName: 'Ivan', birthDate: '1975-03-02' });
    const record = archiveRecord({ names: ['Petrenko Ivan'], birthDate: '1975-03-02' });
    const u = uTable({});
    const strong = candidateStrangerRate(faceRate, uOf(compareRecords(subject, record), u));
    expect(passesBar(strong, 1_000, 0.5)).toBe(true);
    // no face at all: surname, given name and birth year are rarer together than 0.5 in 1,000
    expect(passesBar(candidateStrangerRate(undefined, uOf(compareRecords(subject, record), u)), 1_000, 0.5)).toBe(true);
    // a surname half the archive holds lifts nothing
    const common = uTable({ surname: { total: 1_000, levels: { same: 500 } } });
    const surnameOnly = uOf(compareRecords(subjectRecord({ surname: 'Petrenko' }), record), common);
    expect(passesBar(candidateStrangerRate(faceRate, surnameOnly), 1_000, 0.5)).toBe(false);
  });

  it('says strangers per search as verifiers read them', () => {
    expect(strangersSaid(0.05)).toEqual({ oneIn: 20 });
    expect(strangersSaid(0.0013)).toEqual({ oneIn: 770 });
    expect(strangersSaid(3.2)).toEqual({ perSearch: 3 });
    expect(expectedStrangers(1e-4, 5_000)).toBeCloseTo(0.5, 12);
  });
});

describe('frequency-aware u', () => {
  it('never reads a value as rarer than the archive holds it', () => {
    // ten of fifty records: nine of the 49 others hold it (18 %, at least 10 % with 95 % confidence),
    // not the 4 % smoothing towards the prior alone would give
    expect(smoothedU(10, 50, U_PRIORS.surname.same)).toBeCloseTo(wilsonLower(9, 49), 12);
    expect(wilsonLower(9, 49)).toBeGreaterThan(0.09);
    expect(wilsonLower(9, 49)).toBeLessThan(9 / 49);
    // two of six: too few records to outweigh the prior by much
    expect(smoothedU(2, 6, U_PRIORS.surname.same)).toBeLessThan(0.05);
    // one Petrenko, the candidate himself: the other records say nothing, the prior holds
    expect(smoothedU(1, 344, U_PRIORS.surname.same)).toBeCloseTo((1 + 200 * 0.002) / 544, 12);
    // one record in a large archive: near the prior, not zero
    expect(smoothedU(1, 100_000, U_PRIORS.surname.same)).toBeGreaterThan(1 / 100_000);
    // a value nobody holds yet keeps the smoothed prior
    expect(smoothedU(0, 50, 0.002)).toBeCloseTo((200 * 0.002) / 250, 12);
  });

  it('gives a common name less evidence than a rare one', () => {
    const rare = uTable({ surname: { total: 1_000, levels: { same: 1 } } });
    const common = uTable({ surname: { total: 1_000, levels: { same: 80 } } });
    expect(common.surname.same).toBeGreaterThan(rare.surname.same * 10);
  });
});
