import { authorizePrincipal } from '../access/policy.ts';
import { auditActor, signingPerson, type Caller } from '../access/principal.ts';
import { KinfinderError } from '../errors.ts';
import { recordAudit } from '../store/audit.ts';
import { getCandidate, lockCandidate } from '../store/candidates.ts';
import { insertDecision } from '../store/decisions.ts';
import { recomputeAfterDecision } from '../match/status.ts';
import { reviewItemsFor, type ReviewItem } from './blind.ts';
import { DEFAULT_REJECTIONS, type ReviewRules } from './decide.ts';

/**
 * An admin takes a final candidate (confirmed or rejected) back to review, saying why. The
 * decisions before stay in the record but stop counting, so two verifiers review it afresh;
 * the family's view goes back to "being checked" and the audit keeps the reason.
 */
export async function reopenCandidate(
  deps: ReviewRules,
  caller: Caller,
  input: { candidateId: string; reason: string },
): Promise<ReviewItem> {
  const p = authorizePrincipal(caller, 'candidates.reopen');
  const who = signingPerson(p, 'reopening is signed by a person: use a personal admin token, not the bootstrap token');
  const reason = input.reason.trim();
  if (!reason) throw new KinfinderError('invalid_input', 'say why the candidate is reopened (reason)');
  const now = deps.now?.() ?? new Date();
  return deps.db.transaction(async (tx) => {
    const c = await lockCandidate(tx, input.candidateId);
    if (!c) throw new KinfinderError('not_found', 'no such candidate');
    if (c.status !== 'confirmed' && c.status !== 'rejected')
      throw new KinfinderError(
        'conflict',
        `only a confirmed or rejected candidate can be reopened; this one is ${c.status}`,
      );
    const { id } = await insertDecision(tx, {
      candidateId: c.id,
      tokenId: who.tokenId,
      decision: 'reopen',
      note: null,
      reason,
      familyMessage: null,
      retracts: null,
    });
    const { status, caseStatus } = await recomputeAfterDecision(
      tx,
      c,
      { confirmations: deps.confirmations, rejections: deps.rejections ?? DEFAULT_REJECTIONS },
      deps.notices,
    );
    await recordAudit(tx, auditActor(p), {
      action: 'candidate.reopen',
      subjectType: 'candidate',
      subjectId: c.id,
      details: { searchId: c.caseId, decisionId: id, was: c.status, status, caseStatus, reason },
    });
    return (await reviewItemsFor(tx, p, [(await getCandidate(tx, c.id))!], now))[0]!;
  });
}
