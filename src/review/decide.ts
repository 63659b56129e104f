import { authorizePrincipal } from '../access/policy.ts';
import { auditActor, type Caller } from '../access/principal.ts';
import { KinfinderError } from '../errors.ts';
import { recordAudit } from '../store/audit.ts';
import { applyDecisions, getCandidate, hasDecided, insertDecision, lockCandidate, type CandidateView } from '../store/candidates.ts';
import { refreshCaseStatus } from '../store/cases.ts';
import type { Database } from '../store/database.ts';
import type { Decision } from '../vocabulary.ts';

/**
 * Records a verifier's decision. A candidate is confirmed once `confirmations` distinct people
 * confirmed it and rejected by one rejection; a person's second decision on the same candidate
 * (with any of their tokens) is refused, so one person can never confirm alone. The decision is an
 * append-only row; the candidate's and the case's status are recomputed from all of them.
 */
export async function decide(
  deps: { db: Database; confirmations: number },
  caller: Caller,
  input: { candidateId: string; decision: Decision; note?: string | undefined; familyMessage?: string | undefined },
): Promise<CandidateView> {
  const p = authorizePrincipal(caller, 'review.decide');
  const tokenId = p.id;
  const personId = p.personId;
  // Decisions name a token and, through it, a person; the bootstrap admin has neither.
  if (!tokenId || !personId) throw new KinfinderError('forbidden', 'only a verifier can confirm or reject');
  return deps.db.transaction(async (tx) => {
    const c = await lockCandidate(tx, input.candidateId);
    if (!c) throw new KinfinderError('not_found', 'no such candidate');
    if (c.status !== 'pending') throw new KinfinderError('already_decided', `this candidate is already ${c.status}`);
    if (await hasDecided(tx, c.id, personId)) {
      throw new KinfinderError('conflict', 'you have already decided on this candidate; another verifier must review it');
    }
    await insertDecision(tx, { candidateId: c.id, tokenId, decision: input.decision, note: input.note?.trim() || null, familyMessage: input.decision === 'confirm' ? input.familyMessage?.trim() || null : null });
    await applyDecisions(tx, c.id, deps.confirmations);
    await refreshCaseStatus(tx, c.caseId);
    await recordAudit(tx, auditActor(p), { action: `candidate.${input.decision}`, subjectType: 'candidate', subjectId: c.id, details: { searchId: c.caseId } });
    return (await getCandidate(tx, c.id))!;
  });
}
