import type { ModelManifest } from '../face/manifest.ts';
import type { Queryable } from '../store/database.ts';
import { cohortEmbeddings, embeddingsOfFaces } from '../store/matching.ts';
import { COHORT_SIZE, cohortStats, curveOf, faceStrangerRate, normalisedSimilarity, type CohortStats } from './bar.ts';

/**
 * Each face match's stranger rate (src/match/bar.ts): its similarity read against the archive
 * face's and the family's face's own impostor scores (one cohort of archive faces, read once
 * per search). `refs` are the family's faces (or, for the standing search, the case's
 * references); a match names the reference it was found with.
 */
export async function faceRates(
  tx: Queryable,
  manifest: ModelManifest,
  refs: ReadonlyArray<{ id: string; embedding: number[] }>,
  matches: ReadonlyArray<{ faceId: string; referenceFaceId: string | null; similarity: number }>,
  /** Embeddings the caller has already (the standing search's new faces). */
  known: ReadonlyMap<string, number[]> = new Map(),
): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  if (matches.length === 0) return out;
  const curve = curveOf(manifest.calibration);
  const cohort = await cohortEmbeddings(tx, manifest.id, COHORT_SIZE);
  const missing = matches.map((m) => m.faceId).filter((id) => !known.has(id));
  const fetched = await embeddingsOfFaces(tx, [...new Set(missing)]);
  const refStats = new Map<string, CohortStats>(refs.map((r) => [r.id, cohortStats(r.embedding, cohort)]));
  const faceStats = new Map<string, CohortStats>();
  for (const m of matches) {
    let a = faceStats.get(m.faceId);
    if (!a) {
      const e = known.get(m.faceId) ?? fetched.get(m.faceId);
      a = e ? cohortStats(e, cohort) : { mean: 0, std: 0, n: 0 };
      faceStats.set(m.faceId, a);
    }
    const r = m.referenceFaceId ? refStats.get(m.referenceFaceId) : undefined;
    out.set(m.faceId, faceStrangerRate(normalisedSimilarity(m.similarity, a, r, curve), curve));
  }
  return out;
}
