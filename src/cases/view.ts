import { authorizePrincipal } from '../access/policy.ts';
import { auditActor, type Caller } from '../access/principal.ts';
import {
  assertMayOpenCase,
  caseForFamily,
  familyNotices,
  forFamily,
  readsAsFamily,
  subjectForFamily,
  type FamilyCase,
  type FamilyMatch,
  type FamilyNotice,
} from '../access/visibility.ts';
import { KinfinderError } from '../errors.ts';
import { recordAudit } from '../store/audit.ts';
import { reviewItemsFor, type ReviewItem } from '../review/blind.ts';
import { candidatesOfCase } from '../store/candidates.ts';
import { getCase, referenceFacesOf, type CaseRow, type ReferenceFaceRow } from '../store/cases.ts';
import type { Database, Queryable } from '../store/database.ts';
import { confirmedMatchesOfCase, lastResultTakenBack } from '../store/confirmed.ts';
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
 * A case as its family reads it, every part as src/access/visibility.ts allows: the family's
 * status (`open` / `answered`, never whether the archive holds candidates), the confirmed
 * matches, what changed under them (`notices`), and what the family itself gave (how many
 * photos, what they told us), so they can check it and correct it. The one family view: the
 * page, the API and any other channel (issue 31) tell a family the same thing.
 */
export interface FamilyCaseView {
  for: 'family';
  case: FamilyCase;
  subject: Record<string, string>;
  notices: FamilyNotice[];
  confirmed: FamilyMatch[];
  referencePhotos: number;
}

/** The family's view of one case, read in the caller's transaction (their access already checked). */
export async function familyViewOf(tx: Queryable, found: CaseRow): Promise<FamilyCaseView> {
  const rows = await confirmedMatchesOfCase(tx, found.id);
  // What became of each confirmed man, as verifiers approved it for families (issue 26).
  const people = await familyHistories(
    tx,
    rows.map((c) => c.personId),
  );
  const confirmed = rows.map((c) => forFamily(c, people.get(c.personId)));
  // News: a result taken back (DESIGN §14), and each change of a confirmed man's status after his
  // result was confirmed (`status_changed`, DESIGN §16), oldest first.
  const statusChanged = rows.flatMap((c) =>
    (people.get(c.personId)?.changedSince(c.confirmedAt) ?? []).map((at) => ({ kind: 'status_changed' as const, at })),
  );
  return {
    for: 'family',
    case: caseForFamily(found, confirmed),
    subject: subjectForFamily(found.subject),
    notices: [...familyNotices(await lastResultTakenBack(tx, found.id), confirmed), ...statusChanged].sort(
      (a, b) => a.at.getTime() - b.at.getTime(),
    ),
    confirmed,
    referencePhotos: (await referencePhotoCount(tx, found.id)).count,
  };
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
    if (readsAsFamily(p)) return familyViewOf(tx, found);
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
