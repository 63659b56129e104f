import type { ModelManifest } from '../face/manifest.ts';
import { bandFor } from '../face/manifest.ts';
import { candidateBar, upsertCandidates, type NewCandidate } from '../store/candidates.ts';
import { CASE_CANDIDATES, efSearchFor } from './rank.ts';
import type { Database } from '../store/database.ts';
import { embeddingsOfPhoto, nearestOpenReferences } from '../store/matching.ts';
import { refreshCaseStatus } from '../store/cases.ts';
import type { Caller } from '../access/principal.ts';
import { assertJobRunner } from '../ingest/photo-job.ts';

/** Open cases looked at per new face: far more than one face will plausibly match. */
const REFERENCES_PER_FACE = 100;

/**
 * Standing search: matches a newly ingested photo's faces against the reference faces of every
 * open case and adds the hits above the floor as pending candidates, as long as they rank among
 * the case's best CASE_CANDIDATES: a case ends up with the faces it would have been shown had
 * the photo been there when it opened, and its queue does not fill with the one in ten
 * strangers that score above the floor. Safe to repeat: existing candidates are kept (decided
 * ones untouched).
 */
export async function matchNewPhoto(deps: { db: Database; manifest: ModelManifest }, caller: Caller, photoId: string): Promise<{ faces: number; candidates: number; cases: number }> {
  assertJobRunner(caller);
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
    let touched = 0;
    for (const [searchId, cands] of perCase) {
      const bar = await candidateBar(tx, searchId, CASE_CANDIDATES);
      const ranked = [...cands.values()]
        .filter((c) => bar === null || c.similarity > bar)
        .sort((a, b) => b.similarity - a.similarity)
        .slice(0, CASE_CANDIDATES);
      if (ranked.length === 0) continue;
      created += await upsertCandidates(tx, searchId, ranked);
      touched++;
      await refreshCaseStatus(tx, searchId);
    }
    return { faces: faces.length, candidates: created, cases: touched };
  });
}
