import type { ModelManifest } from '../face/manifest.ts';
import { efSearchFor, mergeHits, type Hit, type RankedHit } from '../match/rank.ts';
import type { Queryable } from '../store/database.ts';
import { nearestGalleryFaces } from '../store/matching.ts';

/**
 * Gallery matches for one person's reference faces: best similarity per gallery face over all
 * of them, above the calibration floor, banded, best first. Runs inside the caller's
 * transaction (the HNSW settings are local to it).
 */
export async function matchGallery(tx: Queryable, manifest: ModelManifest, refs: Array<{ id: string; embedding: number[] }>, top: number): Promise<RankedHit[]> {
  const k = top * 2;
  const perReference: Hit[][] = [];
  for (const ref of refs) {
    const hits = await nearestGalleryFaces(tx, ref.embedding, { modelId: manifest.id, k, efSearch: efSearchFor(k) });
    perReference.push(hits.map((h) => ({ ...h, referenceFaceId: ref.id })));
  }
  return mergeHits(perReference, manifest.calibration, top);
}
