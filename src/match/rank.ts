import { bandFor, type Band, type Calibration } from '../face/manifest.ts';

/**
 * Candidates per case: enough that a weak photo's true match is still in the list. A case's
 * search keeps its best this many; the standing search adds a later face only if it ranks
 * among them.
 */
export const CASE_CANDIDATES = 50;

export interface Hit {
  faceId: string;
  photoId: string;
  similarity: number;
  referenceFaceId: string;
  /** The gallery face's quality cap (`possible` for an unclear face), null for none. */
  bandCap?: string | null | undefined;
}

export interface RankedHit extends Hit {
  band: Band;
}

/**
 * Merges the hits of several reference faces of one person: each gallery face scores its best
 * similarity to any of them. Hits under the calibration floor are dropped; the rest are ranked
 * best first and banded.
 */
export function mergeHits(
  perReference: readonly Hit[][],
  calibration: Pick<Calibration, 'strong' | 'possible' | 'floor'>,
  top: number,
): RankedHit[] {
  const best = new Map<string, Hit>();
  for (const hits of perReference) {
    for (const h of hits) {
      const prev = best.get(h.faceId);
      if (!prev || h.similarity > prev.similarity) best.set(h.faceId, h);
    }
  }
  return [...best.values()]
    .filter((h) => h.similarity >= calibration.floor)
    .sort((a, b) => b.similarity - a.similarity || a.faceId.localeCompare(b.faceId))
    .slice(0, top)
    .map((h) => ({ ...h, band: bandFor(h.similarity, calibration, h) }));
}

/**
 * HNSW candidate-list size for a top-k query. pgvector's default of 40 misses a person's own
 * faces among look-alikes (BENCHMARKS.md "Search"): 320 finds the true rank-1 in 99.6 % of
 * searches at 100 k faces, at tens of milliseconds, which a case search can afford.
 */
export function efSearchFor(k: number): number {
  return Math.max(320, 2 * k);
}
