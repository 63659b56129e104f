/** Recall and latency maths of the search benchmark. Pure functions. */

export interface Hit {
  id: string;
  similarity: number;
}

export interface RecallSummary {
  /** Mean over queries of |index top-k ∩ exact top-k| / k. */
  recallAtK: number;
  /**
   * Exact top-k hits with similarity ≥ floor that the index also returned, over all exact
   * top-k hits with similarity ≥ floor (pooled over queries); 1 when there are none.
   */
  recallAboveFloor: number;
  /** Share of queries whose exact rank-1 is also the index's rank-1. */
  mateAtRank1: number;
  /** Exact top-k hits at or above the floor, per query on average. */
  aboveFloorPerQuery: number;
  queries: number;
}

/** Two similarities this close are a tie (float4 storage, rounding of 1 − distance). */
const TIE = 1e-6;

/**
 * Compares an approximate (index) answer with the exact one for each query. `exact[i]` and
 * `approx[i]` are the top-k lists of query i, best first. A rank-1 that differs only by an
 * exact tie in similarity counts as the same rank-1.
 */
export function summariseRecall(
  exact: readonly Hit[][],
  approx: readonly Hit[][],
  k: number,
  floor: number,
): RecallSummary {
  if (exact.length !== approx.length) throw new Error('exact and approximate answers differ in number');
  if (!(k > 0)) throw new Error('k must be > 0');
  const n = exact.length;
  let recallSum = 0;
  let above = 0;
  let aboveFound = 0;
  let rank1 = 0;
  for (let q = 0; q < n; q++) {
    const e = exact[q]!.slice(0, k);
    const a = approx[q]!.slice(0, k);
    const got = new Set(a.map((h) => h.id));
    let inter = 0;
    for (const h of e) {
      const found = got.has(h.id);
      if (found) inter++;
      if (h.similarity >= floor) {
        above++;
        if (found) aboveFound++;
      }
    }
    // recall@k against the exact list's own length (a gallery smaller than k has fewer answers)
    recallSum += e.length === 0 ? 1 : inter / e.length;
    const e1 = e[0];
    const a1 = a[0];
    if (!e1) rank1++;
    else if (a1 && (a1.id === e1.id || Math.abs(a1.similarity - e1.similarity) <= TIE)) rank1++;
  }
  return {
    recallAtK: n === 0 ? NaN : recallSum / n,
    recallAboveFloor: above === 0 ? 1 : aboveFound / above,
    mateAtRank1: n === 0 ? NaN : rank1 / n,
    aboveFloorPerQuery: n === 0 ? NaN : above / n,
    queries: n,
  };
}

/** The p-th percentile (0–100) with linear interpolation between order statistics. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return NaN;
  const s = [...values].sort((a, b) => a - b);
  const pos = (Math.min(100, Math.max(0, p)) / 100) * (s.length - 1);
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return s[lo]! + (s[hi]! - s[lo]!) * (pos - lo);
}
