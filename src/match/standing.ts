import type { ModelManifest } from '../face/manifest.ts';
import { bandFor } from '../face/manifest.ts';
import { upsertCandidates, type NewCandidate } from '../store/candidates.ts';
import { efSearchFor } from './rank.ts';
import type { Database } from '../store/database.ts';
import { embeddingsOfPhoto, nearestOpenReferences } from '../store/matching.ts';
import { refreshSearchStatus } from '../store/searches.ts';

/** Open cases looked at per new face: far more than one face will plausibly match. */
const REFERENCES_PER_FACE = 100;

/**
 * Standing search: matches a newly ingested photo's faces against the reference faces of every
 * open case and adds the hits above the floor as pending candidates. Safe to repeat: existing
 * candidates are kept (decided ones untouched).
 */
export async function matchNewPhoto(deps: { db: Database; manifest: ModelManifest }, photoId: string): Promise<{ faces: number; candidates: number; cases: number }> {
  return deps.db.transaction(async (tx) => {
    const faces = (await embeddingsOfPhoto(tx, photoId)).filter((f) => f.modelId === deps.manifest.id);
    const perCase = new Map<string, Map<string, NewCandidate>>();
    for (const f of faces) {
      const refs = await nearestOpenReferences(tx, f.embedding, {
        modelId: deps.manifest.id,
        k: REFERENCES_PER_FACE,
        efSearch: efSearchFor(REFERENCES_PER_FACE),
      });
      for (const r of refs) {
        if (r.similarity < deps.manifest.calibration.floor) continue;
        const forCase = perCase.get(r.searchId) ?? new Map<string, NewCandidate>();
        const prev = forCase.get(f.faceId);
        if (!prev || r.similarity > prev.similarity) {
          forCase.set(f.faceId, { faceId: f.faceId, referenceFaceId: r.referenceFaceId, similarity: r.similarity, band: bandFor(r.similarity, deps.manifest.calibration) });
        }
        perCase.set(r.searchId, forCase);
      }
    }
    let created = 0;
    for (const [searchId, cands] of perCase) {
      created += await upsertCandidates(tx, searchId, [...cands.values()]);
      await refreshSearchStatus(tx, searchId);
    }
    return { faces: faces.length, candidates: created, cases: perCase.size };
  });
}
