import type { Queryable } from '../store/database.ts';
import { candidatesOnPhoto, deleteCandidates } from '../store/withdrawal.ts';
import type { CandidateStatus, CaseStatus } from '../vocabulary.ts';
import { queueNews, type NoticeQueue } from '../notices/news.ts';
import { isNewsForFamily, refreshCaseStatus } from './status.ts';

/** What withdrawing a photo did to the candidates on it. */
export interface WithdrawnCandidates {
  /** Candidates nobody had decided on: deleted with the faces. */
  removedCandidates: number;
  /** Candidates with decisions: kept, without their face, as the record of what was decided. */
  keptCandidates: Array<{ id: string; caseId: string; status: CandidateStatus }>;
  /** Every case that had a candidate on the photo, with its status before. */
  casesBefore: Map<string, CaseStatus>;
}

/**
 * The candidates of a photo being withdrawn: those no verifier touched go; decided ones stay
 * with their decisions (append-only), as the record of what was decided. Before the photo's
 * faces go (a decided candidate then loses its face, ON DELETE SET NULL).
 */
export async function dropCandidatesOfPhoto(tx: Queryable, photoId: string): Promise<WithdrawnCandidates> {
  const cands = await candidatesOnPhoto(tx, photoId);
  const undecided = cands.filter((c) => !c.decided).map((c) => c.id);
  await deleteCandidates(tx, undecided);
  const casesBefore = new Map<string, CaseStatus>();
  for (const c of cands) casesBefore.set(c.caseId, c.caseStatus);
  return {
    removedCandidates: undecided.length,
    keptCandidates: cands.filter((c) => c.decided).map((c) => ({ id: c.id, caseId: c.caseId, status: c.status })),
    casesBefore,
  };
}

/**
 * Once the photo is marked withdrawn, the status of every case that had a candidate on it: one
 * whose confirmed match was on this photo is open again (its candidate counts for nothing now).
 */
export async function refreshCasesAfterWithdrawal(
  tx: Queryable,
  dropped: WithdrawnCandidates,
  notices?: NoticeQueue,
): Promise<Array<{ id: string; before: CaseStatus; after: CaseStatus }>> {
  const cases: Array<{ id: string; before: CaseStatus; after: CaseStatus }> = [];
  for (const [id, was] of dropped.casesBefore) {
    const now = await refreshCaseStatus(tx, id);
    cases.push({ id, before: was, after: now ?? was });
    // A result the family was shown, on the photo withdrawn, is taken back: that is news.
    if (
      now !== undefined &&
      dropped.keptCandidates.some((k) => k.caseId === id && isNewsForFamily(k.status, 'withdrawn'))
    )
      await queueNews(tx, notices, id);
  }
  return cases;
}
