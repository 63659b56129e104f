import { authorizePrincipal } from '../access/policy.ts';
import { auditActor, type Caller } from '../access/principal.ts';
import { assertMayOpenCase, forFamily, readsAsFamily, type FamilyMatch } from '../access/visibility.ts';
import { KinfinderError } from '../errors.ts';
import { recordAudit } from '../store/audit.ts';
import { reviewItemsFor, type ReviewItem } from '../review/blind.ts';
import { candidatesOfCase } from '../store/candidates.ts';
import { getCase, referenceFacesOf, type CaseRow, type ReferenceFaceRow } from '../store/cases.ts';
import type { Database } from '../store/database.ts';
import { confirmedMatchesOfCase } from '../store/confirmed.ts';
import { referencePhotoCount } from '../store/family.ts';
import { familyHistories } from '../persons/events.ts';

/**
 * A case as a verifier reads it: everything, unreviewed candidates included, but blind as in
 * the queue (src/review/blind.ts): nothing of other verifiers' answers before their own.
 */
export interface StaffCaseView {
  for: 'staff';
  case: CaseRow;
  referenceFaces: ReferenceFaceRow[];
  candidates: ReviewItem[];
}

/**
 * A case as its family reads it: the status, the confirmed matches as visibility.ts reduces
 * them, and what the family itself gave (how many photos, what they told us), so they can
 * check it and add to it.
 */
export interface FamilyCaseView {
  for: 'family';
  case: CaseRow;
  confirmed: FamilyMatch[];
  referencePhotos: number;
  /**
   * News since the family was shown a result (DESIGN §14, §16): `status_changed` when what became
   * of a confirmed man changed for families after his result was confirmed, oldest first.
   */
  notices: Array<{ kind: 'status_changed'; at: Date }>;
}

/** Reads a case for a verifier, or for the family holding its code (audited either way). */
export async function viewCase(
  deps: { db: Database },
  caller: Caller,
  caseId: string,
): Promise<StaffCaseView | FamilyCaseView> {
  const p = authorizePrincipal(caller, 'cases.read');
  return deps.db.transaction(async (tx) => {
    const found = await getCase(tx, caseId);
    if (!found) throw new KinfinderError('not_found', 'no such case');
    assertMayOpenCase(p, caseId);
    await recordAudit(tx, auditActor(p), { action: 'search.read', subjectType: 'search', subjectId: caseId });
    if (readsAsFamily(p)) {
      const confirmed = await confirmedMatchesOfCase(tx, caseId);
      const people = await familyHistories(
        tx,
        confirmed.map((c) => c.personId),
      );
      return {
        for: 'family',
        case: found,
        confirmed: confirmed.map((c) => forFamily(c, people.get(c.personId))),
        notices: confirmed
          .flatMap((c) => people.get(c.personId)?.changedSince(c.confirmedAt) ?? [])
          .sort((a, b) => a.getTime() - b.getTime())
          .map((at) => ({ kind: 'status_changed' as const, at })),
        referencePhotos: (await referencePhotoCount(tx, caseId)).count,
      };
    }
    return {
      for: 'staff',
      case: found,
      referenceFaces: await referenceFacesOf(tx, caseId),
      candidates: await reviewItemsFor(tx, p, await candidatesOfCase(tx, caseId), new Date()),
    };
  });
}

/** The case a family's code opens (`GET /api/v1/case`). */
export async function viewOwnCase(deps: { db: Database }, caller: Caller): Promise<FamilyCaseView> {
  const p = authorizePrincipal(caller, 'cases.own');
  if (!p.caseId) throw new KinfinderError('forbidden', 'this needs a case code');
  const view = await viewCase(deps, p, p.caseId);
  if (view.for !== 'family') throw new KinfinderError('forbidden', 'this needs a case code');
  return view;
}
