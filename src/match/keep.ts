import { upsertCandidates, type NewCandidate } from '../store/candidates.ts';
import type { Queryable } from '../store/database.ts';
import type { CaseStatus } from '../vocabulary.ts';
import { refreshCaseStatus } from './status.ts';

/**
 * Keeps what a search found for a case (a case's own search, or the standing search of a new
 * photo): new candidates join, a pending one takes a better-weighted finding, a decided one is
 * never touched, so a rejected pair cannot come back unless an admin reopens it
 * (upsertCandidates: one atomic statement per candidate). The case's status follows.
 */
export async function keepCandidates(
  tx: Queryable,
  caseId: string,
  found: readonly NewCandidate[],
): Promise<{ created: number; status: CaseStatus | undefined }> {
  const created = await upsertCandidates(tx, caseId, found);
  return { created, status: await refreshCaseStatus(tx, caseId) };
}
