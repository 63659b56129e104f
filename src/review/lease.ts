import { authorizePrincipal } from '../access/policy.ts';
import { auditActor, signingPerson, type Caller } from '../access/principal.ts';
import { KinfinderError } from '../errors.ts';
import { recordAudit } from '../store/audit.ts';
import { lockCandidate } from '../store/candidates.ts';
import type { Database } from '../store/database.ts';
import { leaseCandidate, leaseStanding, releaseOwnLease } from '../store/review-queue.ts';
import { DEFAULT_MAX_LEASES } from './lease-limits.ts';

/**
 * How long a reviewer holds a candidate open without renewing. Short: the console renews it
 * every minute while the candidate is on screen, and a closed tab frees it soon.
 */
export const LEASE_SECONDS = 120;

/**
 * Holds a candidate for the caller while they look at it, so the queue shows it to no other
 * reviewer meanwhile (two verifiers are not given the same candidate at the same moment). A
 * candidate someone else holds answers `leased` with when their hold runs out.
 *
 * A lease must not hide the queue (issue 25): a person holds at most `maxLeases` candidates
 * open at once (`too_many_leases`), and none they have already decided (`already_decided`:
 * their answer is given, holding it only keeps it from the second reviewer). Taking a lease
 * and releasing one are audited; renewing one is not (the console renews every minute).
 */
export async function holdCandidate(
  deps: { db: Database; maxLeases?: number | undefined },
  caller: Caller,
  candidateId: string,
): Promise<{ leasedUntil: Date }> {
  const p = authorizePrincipal(caller, 'review.lease');
  const { personId } = signingPerson(p, 'holding a candidate needs a personal access token');
  const max = deps.maxLeases ?? DEFAULT_MAX_LEASES;
  return deps.db.transaction(async (tx) => {
    const c = await lockCandidate(tx, candidateId);
    if (!c) throw new KinfinderError('not_found', 'no such candidate');
    const standing = await leaseStanding(tx, c.id, personId);
    if (standing.decided) throw new KinfinderError('already_decided', 'you have already decided this candidate');
    if (!standing.holdsThis && standing.othersHeld >= max)
      throw new KinfinderError(
        'too_many_leases',
        `you already hold ${standing.othersHeld} candidates open (at most ${max})`,
        { max },
      );
    const lease = await leaseCandidate(tx, c.id, personId, LEASE_SECONDS);
    if (!lease.mine) {
      throw new KinfinderError('leased', 'another reviewer has this candidate open right now', undefined, {
        body: { leasedUntil: lease.expiresAt.toISOString() },
      });
    }
    if (!standing.holdsThis)
      await recordAudit(tx, auditActor(p), {
        action: 'candidate.lease',
        subjectType: 'candidate',
        subjectId: c.id,
        details: { searchId: c.caseId, until: lease.expiresAt.toISOString() },
      });
    return { leasedUntil: lease.expiresAt };
  });
}

/** Gives a held candidate back to the queue at once (the verifier moved on without deciding). */
export async function releaseCandidate(
  deps: { db: Database },
  caller: Caller,
  candidateId: string,
): Promise<{ released: boolean }> {
  const p = authorizePrincipal(caller, 'review.lease');
  const { personId } = signingPerson(p, 'releasing a candidate needs a personal access token');
  return deps.db.transaction(async (tx) => {
    const c = await lockCandidate(tx, candidateId);
    if (!c) throw new KinfinderError('not_found', 'no such candidate');
    const released = await releaseOwnLease(tx, c.id, personId);
    if (released)
      await recordAudit(tx, auditActor(p), {
        action: 'candidate.release',
        subjectType: 'candidate',
        subjectId: c.id,
        details: { searchId: c.caseId },
      });
    return { released };
  });
}
