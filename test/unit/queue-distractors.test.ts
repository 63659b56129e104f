// bench:queue's synthetic distractors (scripts/bench/queue-distractors.ts): the targets fitted
// from real faces, the rotation into the real faces' frame, and their determinism. Pure: no db.
import { describe, expect, it } from 'vitest';
import {
  AlignedGenerator,
  compareWithReal,
  distractorPlan,
  fitTargets,
  nameUuid,
  realFrame,
  type Labelled,
} from '../../scripts/bench/queue-distractors.ts';
import { dot, FaceGenerator, fitModel, meanSd } from '../../scripts/bench/synth.ts';
import type { ImpostorCurve } from '../../src/match/bar.ts';

/** A curve on the fake faces' scale (the bar's normalisation only needs its cohort figures here). */
const curve: ImpostorCurve = {
  cohortMean: 0.6,
  cohortStd: 0.1,
  points: [
    { similarity: 0.7, fmr: 0.1 },
    { similarity: 0.9, fmr: 0.001 },
  ],
};

/** "Real" faces: another seeded generator, two to four faces a person, in a frame of its own. */
function fakeReal(dims: number, people: number): { faces: Labelled[]; gen: FaceGenerator } {
  const gen = new FaceGenerator(fitModel({ dims, sameMean: 0.9, sameSd: 0.03, diffMean: 0.6, alpha: 0.5 }), 42);
  const faces: Labelled[] = [];
  for (let p = 0; p < people; p++)
    for (let k = 0; k < 2 + (p % 3); k++) faces.push({ person: `p${p}`, embedding: gen.face(p, k) });
  return { faces, gen };
}

describe('fitTargets', () => {
  it('measures the same-person pairs (first two faces a person) and the different-person mean', () => {
    const { faces } = fakeReal(24, 150);
    const t = fitTargets(faces);
    const byPerson = new Map<string, ArrayLike<number>[]>();
    for (const f of faces) byPerson.set(f.person, [...(byPerson.get(f.person) ?? []), f.embedding]);
    const same = [...byPerson.values()].map((l) => dot(l[0]!, l[1]!));
    expect(t.samePairs).toBe(150);
    expect(t.sameMean).toBeCloseTo(meanSd(same).mean, 10);
    expect(t.sameSd).toBeCloseTo(meanSd(same).sd, 10);
    let s = 0;
    let n = 0;
    for (let i = 0; i < faces.length; i++)
      for (let j = i + 1; j < faces.length; j++)
        if (faces[i]!.person !== faces[j]!.person) {
          s += dot(faces[i]!.embedding, faces[j]!.embedding);
          n++;
        }
    expect(t.diffPairs).toBe(n);
    expect(t.diffMean).toBeCloseTo(s / n, 10);
    expect(t.dims).toBe(24);
    // and near what the generator was built for
    expect(t.sameMean).toBeGreaterThan(0.87);
    expect(t.diffMean).toBeGreaterThan(0.5);
    expect(t.diffMean).toBeLessThan(0.7);
  });

  it('refuses faces with no person seen twice', () => {
    expect(() =>
      fitTargets([
        { person: 'a', embedding: [1, 0] },
        { person: 'b', embedding: [0, 1] },
      ]),
    ).toThrow(/too few/);
  });
});

describe('the real frame and the aligned generator', () => {
  const { faces } = fakeReal(24, 150);
  const frame = realFrame(faces);
  const model = fitModel(fitTargets(faces));
  const aligned = new AlignedGenerator(model, frame, 7);

  it('is an orthonormal basis led by the real faces’ mean direction', () => {
    const mean = new Float64Array(24);
    for (const f of faces) for (let k = 0; k < 24; k++) mean[k] = mean[k]! + f.embedding[k]!;
    const norm = Math.sqrt(dot(mean, mean));
    expect(dot(frame.basis[0]!, mean) / norm).toBeCloseTo(1, 9);
    for (let i = 0; i < 24; i++)
      for (let j = i; j < 24; j++) expect(dot(frame.basis[i]!, frame.basis[j]!)).toBeCloseTo(i === j ? 1 : 0, 9);
    expect(frame.participationRatio).toBeGreaterThan(1);
    expect(frame.participationRatio).toBeLessThan(24);
  });

  it('keeps the model’s similarities and puts its population on the real mean direction', () => {
    const raw = aligned.gen;
    for (const [a, b] of [
      [
        [3, 0],
        [3, 1],
      ],
      [
        [3, 0],
        [9, 2],
      ],
    ] as const) {
      const x = aligned.face(a[0], a[1]);
      const y = aligned.face(b[0], b[1]);
      expect(dot(x, x)).toBeCloseTo(1, 9);
      expect(dot(x, y)).toBeCloseTo(dot(raw.face(a[0], a[1]), raw.face(b[0], b[1])), 9);
      expect(dot(x, frame.basis[0]!)).toBeCloseTo(dot(raw.face(a[0], a[1]), raw.population), 9);
    }
    // so a real face and a distractor score like two real strangers, not like random vectors
    const cmp = compareWithReal(
      faces.slice(0, 200),
      distractorPlan(200, 7).map((p) => ({ person: `s${p.identity}`, embedding: aligned.face(p.identity, p.faceNo) })),
      curve,
    );
    expect(Math.abs(cmp.strangers.realSynthetic.mean - cmp.strangers.realReal.mean)).toBeLessThan(0.05);
    expect(Math.abs(cmp.cohort.realInSynthetic.mean - cmp.cohort.realInReal.mean)).toBeLessThan(0.05);
  });

  it('is deterministic per seed', () => {
    const again = new AlignedGenerator(model, frame, 7);
    expect(Array.from(again.face(5, 1))).toEqual(Array.from(aligned.face(5, 1)));
    expect(Array.from(new AlignedGenerator(model, frame, 8).face(5, 1))).not.toEqual(Array.from(aligned.face(5, 1)));
    expect(distractorPlan(50, 3)).toEqual(distractorPlan(50, 3));
    expect(distractorPlan(50, 3)).toHaveLength(50);
  });
});

describe('nameUuid', () => {
  it('is a uuid, the same for the same name and different for another', () => {
    expect(nameUuid('distractor-face:1:0')).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-a[0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(nameUuid('x')).toBe(nameUuid('x'));
    expect(nameUuid('x')).not.toBe(nameUuid('y'));
  });
});

describe('compareWithReal', () => {
  it('reads the same figures for real and synthetic when they are the same faces', () => {
    const { faces } = fakeReal(16, 50);
    const c = compareWithReal(faces, faces, curve);
    expect(c.cohort.realInSynthetic).toEqual(c.cohort.realInReal);
    expect(c.strangers.realReal).toEqual(c.strangers.syntheticSynthetic);
    expect(c.strangers.realReal.p99).toBeLessThanOrEqual(c.strangers.realReal.p999);
    expect(c.strangers.realReal.p999).toBeLessThanOrEqual(c.strangers.realReal.max);
    expect(c.normalised.strangers.syntheticInSyntheticArchive.mean).toBeCloseTo(
      c.normalised.strangers.realInRealArchive.mean,
      1,
    );
    expect(c.normalised.mates.realCohort).toEqual(c.normalised.mates.syntheticCohort);
    expect(c.normalised.mates.realCohort.pairs).toBe(50);
    // a real mate stands above the real strangers as the bar reads them
    expect(c.normalised.mates.realCohort.median).toBeGreaterThan(c.normalised.strangers.realInRealArchive.p99);
  });
});
