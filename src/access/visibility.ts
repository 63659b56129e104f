import { KinfinderError } from '../errors.ts';
import { faceVisibleToCase, photoVisibleToCase, type CandidateView } from '../store/candidates.ts';
import type { Queryable } from '../store/database.ts';
import type { Principal } from './principal.ts';

/**
 * What each caller may read, in one place. Staff see the archive; a family sees its own case,
 * and of the archive only what verifiers confirmed for that case. Anything a caller may not see
 * answers as if it did not exist (`not_found`), so a family cannot probe the archive by id.
 */

/** A gallery photo: any for staff; for a family, only one confirmed as a match of its case. */
export async function assertMaySeePhoto(q: Queryable, caller: Principal, photoId: string): Promise<void> {
  if (caller.role !== 'family') return;
  if (!caller.caseId || !(await photoVisibleToCase(q, photoId, caller.caseId))) throw new KinfinderError('not_found', 'no such photo');
}

/** A gallery face (its crop): as for photos. */
export async function assertMaySeeFace(q: Queryable, caller: Principal, faceId: string): Promise<void> {
  if (caller.role !== 'family') return;
  if (!caller.caseId || !(await faceVisibleToCase(q, faceId, caller.caseId))) throw new KinfinderError('not_found', 'no such face');
}

/** A family's reference face or photo: any for a verifier, its own case's for a family. */
export function assertMaySeeReference(caller: Principal, ref: { caseId: string }): void {
  if (caller.role === 'family' && caller.caseId !== ref.caseId) throw new KinfinderError('not_found', 'no such reference face');
}

/** A case: any for a verifier, its own for a family (another case's code is told apart: 403). */
export function assertMayOpenCase(caller: Principal, caseId: string): void {
  if (caller.role === 'family' && caller.caseId !== caseId) throw new KinfinderError('forbidden', 'this access code opens another case');
}

/**
 * A confirmed match as its family may see it: the match and the archive photo's record, never
 * the verifiers, the other candidates, or what the family itself told us.
 */
export type FamilyMatch = Omit<CandidateView, 'referenceFace' | 'subject' | 'confirmedBy'>;

export function forFamily(c: CandidateView): FamilyMatch {
  const { referenceFace: _r, subject: _s, confirmedBy: _c, ...rest } = c;
  return rest;
}
