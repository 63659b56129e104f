import { candidateCountsOfCase, type CandidateCount } from '../store/candidates.ts';
import { lockCaseStatus, writeCaseStatus } from '../store/cases.ts';
import type { Queryable } from '../store/database.ts';
import { currentDecisionTally, writeCandidateStatus, type DecisionTally } from '../store/decisions.ts';
import { isAdminDecision, isFinal, type CandidateStatus, type CaseStatus } from '../vocabulary.ts';
import { queueNews, type NoticeQueue } from '../notices/news.ts';

// A candidate's status follows from the decisions that count on it, and its case's status from
// its candidates: the two rules live here, and every change to either (a decision, a reopen, a
// search keeping candidates, a photo withdrawn) recomputes them through this file.

/** KINFINDER_CONFIRMATIONS and KINFINDER_REJECTIONS: the distinct people it takes (DESIGN §10). */
export interface DecisionRules {
  confirmations: number;
  rejections: number;
}

/**
 * A candidate's status from the decisions that count, newest kind first: an admin's settling
 * wins (the newest, if several); else confirms and rejects by different people make it
 * disputed; else `confirmations` distinct confirms confirm it and `rejections` distinct rejects
 * reject it. `unsure` counts neither way.
 */
export function candidateStatusOf(
  tally: readonly DecisionTally[],
  rules: DecisionRules,
): { status: CandidateStatus; confirmations: number } {
  const people = (kind: DecisionTally['decision']) => tally.find((t) => t.decision === kind)?.people ?? 0;
  const confirmations = people('confirm');
  const rejections = people('reject');
  const settled = tally.find((t) => isAdminDecision(t.decision))?.decision;
  const status: CandidateStatus =
    settled === 'admin_confirm'
      ? 'confirmed'
      : settled === 'admin_reject'
        ? 'rejected'
        : confirmations > 0 && rejections > 0
          ? 'disputed'
          : confirmations >= rules.confirmations
            ? 'confirmed'
            : rejections >= rules.rejections
              ? 'rejected'
              : 'pending';
  return { status, confirmations };
}

/**
 * A case's status from its candidates: any confirmed → match_confirmed; else any pending or
 * disputed (still being checked) → under_review; else searching. A reopened candidate is pending
 * again, so the family's view goes back to "being checked". A candidate whose photo was
 * withdrawn counts for nothing: it is only a record. (A candidate found by its record alone has
 * no face and counts like any other.)
 */
export function caseStatusOf(candidates: readonly CandidateCount[]): CaseStatus {
  const counting = candidates.filter((c) => !c.photoWithdrawn && c.n > 0);
  if (counting.some((c) => c.status === 'confirmed')) return 'match_confirmed';
  if (counting.some((c) => c.status === 'pending' || c.status === 'disputed')) return 'under_review';
  return 'searching';
}

/** Recomputes and stores a candidate's status from its decisions; the caller holds its lock (lockCandidate). */
export async function settleCandidate(
  tx: Queryable,
  candidateId: string,
  rules: DecisionRules,
): Promise<CandidateStatus> {
  const { status, confirmations } = candidateStatusOf(await currentDecisionTally(tx, candidateId), rules);
  await writeCandidateStatus(tx, candidateId, { status, confirmations, decided: isFinal(status) });
  return status;
}

/**
 * Recomputes and stores a case's status from its candidates. A closed case stays closed (its
 * family deleted it, or it was purged): undefined then, as for an unknown case.
 */
export async function refreshCaseStatus(tx: Queryable, caseId: string): Promise<CaseStatus | undefined> {
  const was = await lockCaseStatus(tx, caseId);
  if (was === undefined || was === 'closed') return undefined;
  const status = caseStatusOf(await candidateCountsOfCase(tx, caseId));
  await writeCaseStatus(tx, caseId, status);
  return status;
}

/**
 * Whether a family has news (DESIGN §20): a result confirmed, or one they were shown taken back
 * (reopened, overruled, its photo withdrawn). The one rule behind every notice; a candidate that
 * is confirmed and stays confirmed, or that is decided either way short of confirmed, is none.
 * Nor is a merge (issue 26): two candidates of one case meeting on one man keep the more decided
 * (src/match/regroup.ts), so the family's result is the same man under the candidate kept.
 */
export function isNewsForFamily(before: CandidateStatus, after: CandidateStatus | 'withdrawn'): boolean {
  if (before === 'merged' || after === 'merged') return false;
  return (before === 'confirmed') !== (after === 'confirmed');
}

/**
 * After a decision or a reopen: the candidate's status, then its case's; and when the family's
 * result changed, a notice to each address they left (queued in this transaction).
 */
export async function recomputeAfterDecision(
  tx: Queryable,
  candidate: { id: string; caseId: string; status: CandidateStatus },
  rules: DecisionRules,
  notices?: NoticeQueue,
): Promise<{ status: CandidateStatus; caseStatus: CaseStatus | undefined }> {
  const status = await settleCandidate(tx, candidate.id, rules);
  const caseStatus = await refreshCaseStatus(tx, candidate.caseId);
  if (caseStatus !== undefined && isNewsForFamily(candidate.status, status))
    await queueNews(tx, notices, candidate.caseId);
  return { status, caseStatus };
}
