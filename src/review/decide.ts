import { authorizePrincipal, may } from '../access/policy.ts';
import { auditActor, signingPerson, type Caller } from '../access/principal.ts';
import { KinfinderError } from '../errors.ts';
import { recordAudit } from '../store/audit.ts';
import { getCandidate, lockCandidate } from '../store/candidates.ts';
import type { Database, Queryable } from '../store/database.ts';
import { currentDecisionOf, insertDecision } from '../store/decisions.ts';
import { recomputeAfterDecision } from '../match/status.ts';
import type { NoticeQueue } from '../notices/news.ts';
import { releaseLease } from '../store/review-queue.ts';
import { isAdminDecision, isFinal, type AuditAction, type CandidateStatus, type Decision } from '../vocabulary.ts';
import { RETRACT_WINDOW_MS, reviewItemsFor, type ReviewItem } from './blind.ts';

/** The review rules of DESIGN §10, from the configuration; `now` is injectable for tests. */
export interface ReviewRules {
  db: Database;
  /** KINFINDER_CONFIRMATIONS: distinct people who must confirm. */
  confirmations: number;
  /** KINFINDER_REJECTIONS: distinct people who must reject (default 2). */
  rejections?: number | undefined;
  now?: (() => Date) | undefined;
  /** Queues the notices a change of a family's result sends (DESIGN §20); without it none are sent. */
  notices?: NoticeQueue | undefined;
}

export const DEFAULT_REJECTIONS = 2;

export interface DecisionInput {
  candidateId: string;
  decision: Decision;
  note?: string | undefined;
  reason?: string | undefined;
  familyMessage?: string | undefined;
}

const clean = (s: string | undefined) => s?.trim() || null;

/**
 * Records a reviewer's decision as an append-only row and recomputes the candidate's and the
 * case's status from the rows that count.
 * - A verifier answers a pending candidate once (`confirm`, `reject`, or `unsure` with a reason);
 *   two tokens of one person are one verifier. `retract` withdraws their own answer within
 *   15 minutes while the candidate is not final, after which they may answer again.
 * - An admin settles a disputed candidate with `confirm` or `reject` and a reason.
 * A confirmation may carry the message the family will read.
 */
export async function decide(deps: ReviewRules, caller: Caller, input: DecisionInput): Promise<ReviewItem> {
  const p = authorizePrincipal(caller, 'review.decide');
  const who = signingPerson(
    p,
    'decisions are signed by a person: use a personal access token, not the bootstrap admin token',
  );
  const settles = may(p, 'review.settle');
  const rules = { confirmations: deps.confirmations, rejections: deps.rejections ?? DEFAULT_REJECTIONS };
  const now = deps.now?.() ?? new Date();
  const note = clean(input.note);
  const reason = clean(input.reason);
  const familyMessage = clean(input.familyMessage);
  if (familyMessage && input.decision !== 'confirm')
    throw new KinfinderError('invalid_input', 'a message for the family goes only with a confirmation');
  if (settles) {
    if (input.decision !== 'confirm' && input.decision !== 'reject')
      throw new KinfinderError('invalid_input', 'an admin settles a disputed candidate with confirm or reject');
    if (!reason) throw new KinfinderError('invalid_input', 'an admin decision needs a reason');
  }
  if (input.decision === 'unsure' && !reason)
    throw new KinfinderError(
      'invalid_input',
      'say why you are unsure (reason), so the next verifier knows what to look at',
    );

  return deps.db.transaction(async (tx) => {
    const c = await lockCandidate(tx, input.candidateId);
    if (!c) throw new KinfinderError('not_found', 'no such candidate');
    if (c.status === 'merged')
      throw new KinfinderError(
        'conflict',
        'this candidate was merged into another of the same person: decide that one',
      );
    let action: AuditAction;
    let decisionId: string;
    if (settles) {
      if (c.status !== 'disputed')
        throw new KinfinderError('conflict', `an admin decides only disputed candidates; this one is ${c.status}`);
      decisionId = (
        await insertDecision(tx, {
          candidateId: c.id,
          tokenId: who.tokenId,
          decision: input.decision === 'confirm' ? 'admin_confirm' : 'admin_reject',
          note,
          reason,
          familyMessage,
          retracts: null,
        })
      ).id;
      action = input.decision === 'confirm' ? 'candidate.settle_confirm' : 'candidate.settle_reject';
    } else if (input.decision === 'retract') {
      decisionId = await retract(tx, c, who, note, now);
      action = 'candidate.retract';
    } else {
      if (c.status === 'disputed')
        throw new KinfinderError('already_decided', 'verifiers disagree on this candidate: an admin decides it now');
      if (isFinal(c.status)) throw new KinfinderError('already_decided', `this candidate is already ${c.status}`);
      if (await currentDecisionOf(tx, c.id, who.personId)) {
        throw new KinfinderError(
          'conflict',
          'you have already decided on this candidate; another verifier must review it',
        );
      }
      decisionId = (
        await insertDecision(tx, {
          candidateId: c.id,
          tokenId: who.tokenId,
          decision: input.decision,
          note,
          reason,
          familyMessage,
          retracts: null,
        })
      ).id;
      action = `candidate.${input.decision}` as const;
    }
    const { status } = await recomputeAfterDecision(tx, c, rules, deps.notices);
    await releaseLease(tx, c.id);
    // An admin's reason is what the audit is for (why a disagreement went one way); a verifier's
    // notes stay beside the decision and go with the case.
    await recordAudit(tx, auditActor(p), {
      action,
      subjectType: 'candidate',
      subjectId: c.id,
      details: { searchId: c.caseId, decisionId, status, ...(settles ? { reason } : {}) },
    });
    const view = (await getCandidate(tx, c.id))!;
    return (await reviewItemsFor(tx, p, [view], now))[0]!;
  });
}

async function retract(
  tx: Queryable,
  c: { id: string; status: CandidateStatus },
  who: { tokenId: string; personId: string },
  note: string | null,
  now: Date,
): Promise<string> {
  if (isFinal(c.status))
    throw new KinfinderError('already_decided', `this candidate is already ${c.status}: only an admin can reopen it`);
  const mine = await currentDecisionOf(tx, c.id, who.personId);
  if (!mine || isAdminDecision(mine.decision))
    throw new KinfinderError('conflict', 'you have no decision on this candidate to retract');
  if (now.getTime() - mine.createdAt.getTime() > RETRACT_WINDOW_MS) {
    throw new KinfinderError(
      'too_late',
      'a decision can be retracted only within 15 minutes; ask an admin if it was wrong',
    );
  }
  return (
    await insertDecision(tx, {
      candidateId: c.id,
      tokenId: who.tokenId,
      decision: 'retract',
      note,
      reason: null,
      familyMessage: null,
      retracts: mine.id,
    })
  ).id;
}
