// The pure parts of the search benchmark (scripts/bench): the synthetic face-embedding
// generator's statistics and the recall maths. No timings: benchmarks are scripts.
import { describe, expect, it } from 'vitest';
import { planIndexes, productGrid } from '../../scripts/bench/index-plan.ts';
import { percentile, summariseRecall, type Hit } from '../../scripts/bench/recall.ts';
import {
  dot,
  effectiveDims,
  FaceGenerator,
  fitModel,
  meanSd,
  pickQueryIdentities,
  planGallery,
  QUERY_FACE_BASE,
  Rng,
  roundForSql,
  sampleStats,
  spectrum,
} from '../../scripts/bench/synth.ts';
import { efSearchFor } from '../../src/match/rank.ts';
import { FACES_EMBEDDING_INDEX, facesEmbeddingIndexDdl, SHIPPED_FACES_HNSW } from '../../src/store/faces-index.ts';

describe('synthetic face embeddings', () => {
  const targets = { dims: 128, sameMean: 0.8, sameSd: 0.07, diffMean: 0.35 };
  const model = fitModel(targets);
  const gen = new FaceGenerator(model, 7);

  it('are unit vectors, deterministic per (seed, identity, face)', () => {
    const a = gen.face(12, 0);
    expect(a).toHaveLength(128);
    expect(Math.sqrt(dot(a, a))).toBeCloseTo(1, 10);
    expect([...new FaceGenerator(model, 7).face(12, 0)]).toEqual([...a]);
    expect([...gen.face(12, 1)]).not.toEqual([...a]);
    expect([...new FaceGenerator(model, 8).face(12, 0)]).not.toEqual([...a]);
  });

  it.each([
    { sameMean: 0.8, sameSd: 0.07, diffMean: 0.35, alpha: 0 },
    { sameMean: 0.75, sameSd: 0.08, diffMean: 0.45, alpha: 0 },
    { sameMean: 0.9, sameSd: 0.04, diffMean: 0.2, alpha: 0 },
    { sameMean: 0.8, sameSd: 0.07, diffMean: 0.35, alpha: 1 },
    { sameMean: 0.95, sameSd: 0.02, diffMean: 0.84, alpha: 1 },
  ])('match the requested same/different-person similarity statistics %o', (t) => {
    const m = fitModel({ dims: 128, ...t });
    expect(m.sdClamped).toBe(false);
    const s = sampleStats(new FaceGenerator(m, 3), 4000);
    // 4000 pairs: standard error of the mean ≈ 0.0012, of the sd ≈ 0.0009
    expect(Math.abs(s.sameMean - t.sameMean)).toBeLessThan(0.005);
    expect(Math.abs(s.sameSd - t.sameSd)).toBeLessThan(0.005);
    expect(Math.abs(s.diffMean - t.diffMean)).toBeLessThan(0.01);
    // impostor scores spread like a real model's, not like random 128-d vectors' (sd 0.088 around 0)
    expect(s.diffSd).toBeGreaterThan(0.02);
    expect(s.diffSd).toBeLessThan(0.2);
  });

  it('a decaying spectrum lowers the effective dimension', () => {
    const flat = spectrum(128, 0);
    expect(flat.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
    expect(effectiveDims(flat)).toBeCloseTo(128, 9);
    const l = spectrum(128, 1);
    expect(l.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
    expect(l[0]! / l[9]!).toBeCloseTo(10, 9);
    const m = fitModel({ dims: 128, sameMean: 0.8, sameSd: 0.07, diffMean: 0.35, alpha: 1 });
    expect(m.effectiveDims).toBeCloseTo(effectiveDims(l), 9);
    expect(m.effectiveDims).toBeLessThan(40);
    expect(fitModel({ dims: 128, sameMean: 0.8, sameSd: 0.07, diffMean: 0.35 }).effectiveDims).toBe(128);
    const a = new FaceGenerator(m, 1).face(3, 0);
    expect(Math.sqrt(dot(a, a))).toBeCloseTo(1, 10);
  });

  it('fits E[t] and E[t²] exactly, and flags a spread below isotropic noise', () => {
    expect(model.tMean ** 2).toBeCloseTo(0.8, 12);
    expect(model.rho).toBeCloseTo(0.35 / 0.8, 12);
    const v = model.tSecondMoment ** 2 - 0.8 ** 2 + (1 - model.tSecondMoment) ** 2 / 127;
    expect(Math.sqrt(v)).toBeCloseTo(0.07, 8);
    const narrow = fitModel({ dims: 128, sameMean: 0.8, sameSd: 0.001, diffMean: 0.35 });
    expect(narrow.sdClamped).toBe(true);
    expect(narrow.betaB).toBe(0);
    expect(() => fitModel({ dims: 128, sameMean: 0.5, sameSd: 0.05, diffMean: 0.6 })).toThrow(/diffMean/);
  });

  it('has a long lower tail of genuine scores (a Beta, skewed left)', () => {
    const sims: number[] = [];
    for (let i = 0; i < 3000; i++) sims.push(dot(gen.face(50_000 + i, 0), gen.face(50_000 + i, 1)));
    const { mean } = meanSd(sims);
    expect(mean - percentile(sims, 1)).toBeGreaterThan(percentile(sims, 99) - mean);
  });

  it('queries are fresh faces of an enrolled person: like a mate, never identical to one', () => {
    const q = gen.face(5, QUERY_FACE_BASE);
    for (let j = 0; j < 6; j++) expect(dot(q, gen.face(5, j))).toBeLessThan(0.999);
    const mates = [0, 1, 2].map((j) => dot(q, gen.face(5, j)));
    const others = [6, 7, 8].map((id) => dot(q, gen.face(id, 0)));
    expect(Math.min(...mates)).toBeGreaterThan(Math.max(...others));
  });

  it('plans a gallery of exactly N faces, 1–6 a person (mean ≈ 3), shuffled', () => {
    const p = planGallery(30_000, 1);
    expect(p.identity).toHaveLength(30_000);
    const counts = new Map<number, number>();
    for (const id of p.identity) counts.set(id, (counts.get(id) ?? 0) + 1);
    expect(counts.size).toBe(p.identities);
    const sizes = [...counts.values()];
    expect(Math.max(...sizes)).toBeLessThanOrEqual(6);
    expect(Math.min(...sizes)).toBeGreaterThanOrEqual(1);
    expect(30_000 / p.identities).toBeCloseTo(3, 1);
    // each (identity, face number) once
    const keys = new Set<number>();
    for (let i = 0; i < p.identity.length; i++) keys.add(p.identity[i]! * 8 + p.faceNo[i]!);
    expect(keys.size).toBe(30_000);
    // shuffled: neighbours in gallery order are rarely the same person
    let same = 0;
    for (let i = 1; i < p.identity.length; i++) if (p.identity[i] === p.identity[i - 1]) same++;
    expect(same).toBeLessThan(100);
  });

  it('picks distinct enrolled query identities', () => {
    const ids = pickQueryIdentities(1000, 500, 1);
    expect(new Set(ids).size).toBe(500);
    expect(ids.every((i) => i >= 0 && i < 1000)).toBe(true);
    expect(pickQueryIdentities(3, 5, 1)).toHaveLength(5);
  });

  it('Rng is uniform and its normals are standard', () => {
    const r = new Rng(1, 2, 3);
    const u = Array.from({ length: 20_000 }, () => r.next());
    expect(meanSd(u).mean).toBeCloseTo(0.5, 2);
    const g = meanSd(Array.from({ length: 20_000 }, () => r.gauss()));
    expect(g.mean).toBeCloseTo(0, 1);
    expect(g.sd).toBeCloseTo(1, 1);
    const b = meanSd(Array.from({ length: 20_000 }, () => r.beta(2, 6)));
    expect(b.mean).toBeCloseTo(0.25, 2);
  });

  it('rounds for SQL without moving the vector', () => {
    const v = gen.face(1, 0);
    const r = roundForSql(v);
    expect(Math.max(...r.map((x, i) => Math.abs(x - v[i]!)))).toBeLessThanOrEqual(5e-9);
  });
});

describe('recall maths', () => {
  const h = (id: string, similarity: number): Hit => ({ id, similarity });

  it('recall@k is the mean overlap share', () => {
    const exact = [
      [h('a', 0.9), h('b', 0.7), h('c', 0.5), h('d', 0.4)],
      [h('e', 0.8), h('f', 0.6), h('g', 0.3), h('h', 0.2)],
    ];
    const approx = [
      [h('a', 0.9), h('b', 0.7), h('c', 0.5), h('d', 0.4)], // 4/4
      [h('e', 0.8), h('g', 0.3), h('x', 0.1), h('y', 0.05)], // 2/4
    ];
    const s = summariseRecall(exact, approx, 4, 0.55);
    expect(s.recallAtK).toBeCloseTo(0.75, 12);
    // above floor 0.55: a, b (found), e (found), f (missed) → 3/4
    expect(s.recallAboveFloor).toBeCloseTo(0.75, 12);
    expect(s.aboveFloorPerQuery).toBe(2);
    expect(s.mateAtRank1).toBe(1);
    expect(s.queries).toBe(2);
  });

  it('rank-1 must match (an exact tie in similarity counts as a match)', () => {
    const exact = [[h('a', 0.9), h('b', 0.8)], [h('c', 0.7), h('d', 0.7)], [h('e', 0.6)]];
    const approx = [[h('b', 0.8), h('a', 0.9)], [h('d', 0.7), h('c', 0.7)], [h('e', 0.6)]];
    const s = summariseRecall(exact, approx, 2, 0.5);
    expect(s.mateAtRank1).toBeCloseTo(2 / 3, 12);
    // order within top-k does not matter for recall
    expect(s.recallAtK).toBe(1);
  });

  it('no exact hit above the floor counts as full recall above the floor; only the first k count', () => {
    const s = summariseRecall([[h('a', 0.2), h('b', 0.1), h('z', 0.05)]], [[h('x', 0.19), h('a', 0.2)]], 2, 0.5);
    expect(s.recallAboveFloor).toBe(1);
    expect(s.recallAtK).toBe(0.5);
    expect(s.mateAtRank1).toBe(0);
    expect(() => summariseRecall([[]], [], 10, 0.5)).toThrow();
  });

  it('percentile interpolates between order statistics', () => {
    expect(percentile([5, 1, 3, 2, 4], 50)).toBe(3);
    expect(percentile([1, 2, 3, 4], 50)).toBe(2.5);
    expect(percentile([1, 2, 3, 4], 95)).toBeCloseTo(3.85, 12);
    expect(percentile([7], 95)).toBe(7);
    expect(percentile([], 50)).toBeNaN();
  });
});

describe('the index grid measures what ships', () => {
  const grid = (o: Partial<Parameters<typeof planIndexes>[0]> = {}) =>
    planIndexes({
      kinds: ['hnsw'],
      storages: ['vector'],
      mList: [16, 32],
      efcList: [128],
      efSearchList: [40, 320],
      listsList: [100],
      probesList: [10],
      k: 10,
      ...o,
    });

  it('by default: the shipped m and ef_construction, and the ef_search a search of k uses', () => {
    expect(productGrid(10)).toEqual({
      m: [SHIPPED_FACES_HNSW.m],
      efConstruction: [SHIPPED_FACES_HNSW.efConstruction],
      efSearch: [efSearchFor(10)],
    });
    expect(productGrid(400).efSearch).toEqual([efSearchFor(400)]);
    const g = productGrid(10);
    const [run] = planIndexes({
      kinds: ['hnsw'],
      storages: ['vector'],
      mList: g.m,
      efcList: g.efConstruction,
      efSearchList: g.efSearch,
      listsList: [],
      probesList: [],
      k: 10,
    });
    // exactly the statement migration 0004 runs (test/migrations.test.ts ties the two together)
    expect(run?.ddl).toBe(facesEmbeddingIndexDdl());
    expect(run?.searches.map((x) => x.efSearch)).toEqual(g.efSearch);
  });

  it('HNSW on the float vectors is the product index, searched by the product query, for every m and ef_construction', () => {
    const runs = grid({ efcList: [64, 128] });
    expect(runs).toHaveLength(4);
    for (const r of runs) {
      expect(r).toMatchObject({ kind: 'hnsw', name: FACES_EMBEDDING_INDEX, query: 'product', storage: 'vector' });
      expect(r.ddl).toBe(facesEmbeddingIndexDdl({ m: r.fields.m!, efConstruction: r.fields.efConstruction! }));
      expect(r.searches.map((x) => x.efSearch)).toEqual([40, 320]);
    }
    // ef_search is at least 2k and at most pgvector's 1000; duplicates collapse
    expect(grid({ mList: [16], efSearchList: [5, 20, 2000], k: 10 })[0]!.searches.map((x) => x.efSearch)).toEqual([
      20, 1000,
    ]);
    // the statement refuses parameters pgvector would (ef_construction below 2·m)
    expect(() => grid({ mList: [100], efcList: [128] })).toThrow(/ef_construction/);
  });

  it('halfvec storage and IVFFlat are experiments, with SQL of their own', () => {
    const runs = grid({ kinds: ['hnsw', 'ivfflat'], storages: ['halfvec'], mList: [16] });
    expect(runs.map((r) => [r.kind, r.storage, r.query])).toEqual([
      ['hnsw', 'halfvec', 'experiment'],
      ['ivfflat', 'vector', 'experiment'],
    ]);
    expect(runs[0]!.ddl).toContain('halfvec_cosine_ops');
    expect(runs[0]!.orderBy).toContain('halfvec');
    expect(runs[1]!.ddl).toContain('WITH (lists = 100)');
  });
});
