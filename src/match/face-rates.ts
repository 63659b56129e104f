import type { ModelManifest } from '../face/manifest.ts';
import type { Queryable } from '../store/database.ts';
import { cohortEmbeddings, embeddingsOfFaces } from '../store/matching.ts';
import {
  COHORT_SIZE,
  cohortStats,
  curveOf,
  faceStrangerRate,
  normalisedSimilarity,
  type CohortStats,
  type ImpostorCurve,
} from './bar.ts';

/**
 * What rating faces needs from the archive: the impostor curve, the cohort of archive faces, and
 * each face's cohort figures once worked out. The standing search rates one new photo against
 * every case it matches, so it reads the cohort once per photo and keeps the figures of the
 * faces it has already rated (a face's figures do not depend on the case); a case search uses
 * one for its own search.
 */
export interface RateContext {
  curve: ImpostorCurve;
  cohort: number[][];
  stats: Map<string, CohortStats>;
}

export async function rateContext(tx: Queryable, manifest: ModelManifest): Promise<RateContext> {
  return {
    curve: curveOf(manifest.calibration),
    cohort: await cohortEmbeddings(tx, manifest.id, COHORT_SIZE),
    stats: new Map(),
  };
}

/**
 * Each face match's stranger rate (src/match/bar.ts): its similarity read against the archive
 * face's and the family's face's own impostor scores (one cohort of archive faces). `refs` are
 * the family's faces (or, for the standing search, the case's references); a match names the
 * reference it was found with. `ctx` is read once per search (or per new photo) and reused.
 */
export async function faceRates(
  tx: Queryable,
  manifest: ModelManifest,
  refs: ReadonlyArray<{ id: string; embedding: number[] }>,
  matches: ReadonlyArray<{ faceId: string; referenceFaceId: string | null; similarity: number }>,
  /** Embeddings the caller has already (the standing search's new faces). */
  known: ReadonlyMap<string, number[]> = new Map(),
  ctx?: RateContext,
): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  if (matches.length === 0) return out;
  const { curve, cohort, stats } = ctx ?? (await rateContext(tx, manifest));
  const sameMan = manifest.calibration.strong.threshold;
  const missing = matches.map((m) => m.faceId).filter((id) => !known.has(id) && !stats.has(id));
  const fetched = missing.length > 0 ? await embeddingsOfFaces(tx, [...new Set(missing)]) : new Map<string, number[]>();
  // A reference's figures are keyed apart from archive faces': the two id spaces may meet.
  const refStats = new Map<string, CohortStats>();
  for (const r of refs) {
    const key = `ref:${r.id}`;
    let s = stats.get(key);
    if (!s) {
      s = cohortStats(r.embedding, cohort, sameMan);
      stats.set(key, s);
    }
    refStats.set(r.id, s);
  }
  for (const m of matches) {
    let a = stats.get(m.faceId);
    if (!a) {
      const e = known.get(m.faceId) ?? fetched.get(m.faceId);
      a = e ? cohortStats(e, cohort, sameMan) : { mean: 0, std: 0, n: 0 };
      stats.set(m.faceId, a);
    }
    const r = m.referenceFaceId ? refStats.get(m.referenceFaceId) : undefined;
    out.set(m.faceId, faceStrangerRate(normalisedSimilarity(m.similarity, a, r, curve), curve));
  }
  return out;
}
