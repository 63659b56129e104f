import { authorizePrincipal } from '../access/policy.ts';
import { signingPerson, type Caller } from '../access/principal.ts';
import { KinfinderError } from '../errors.ts';
import { lockCandidate } from '../store/candidates.ts';
import type { Database } from '../store/database.ts';
import { leaseCandidate } from '../store/review-queue.ts';

/**
 * How long a reviewer holds a candidate open without renewing. Short: the console renews it
 * every minute while the candidate is on screen, and a closed tab frees it soon.
 */
export const LEASE_SECONDS = 120;

/**
 * Holds a candidate for the caller while they look at it, so the queue shows it to no other
 * reviewer meanwhile (two verifiers are not given the same candidate at the same moment). A
 * candidate someone else holds answers `leased` with when their hold runs out.
 */
export async function holdCandidate(
  deps: { db: Database },
  caller: Caller,
  candidateId: string,
): Promise<{ leasedUntil: Date }> {
  const p = authorizePrincipal(caller, 'review.lease');
  const { personId } = signingPerson(p, 'holding a candidate needs a personal access token');
  return deps.db.transaction(async (tx) => {
    const c = await lockCandidate(tx, candidateId);
    if (!c) throw new KinfinderError('not_found', 'no such candidate');
    const lease = await leaseCandidate(tx, c.id, personId, LEASE_SECONDS);
    if (!lease.mine) {
      throw new KinfinderError('leased', 'another reviewer has this candidate open right now', undefined, {
        body: { leasedUntil: lease.expiresAt.toISOString() },
      });
    }
    return { leasedUntil: lease.expiresAt };
  });
}
