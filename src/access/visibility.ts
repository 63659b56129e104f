import { KinfinderError } from '../errors.ts';
import type { Queryable } from '../store/database.ts';
import { SUBJECT_FIELDS } from '../records/record.ts';
import type { CaseRow } from '../store/cases.ts';
import { confirmedMatch, faceVisibleToCase, photoVisibleToCase, type ConfirmedMatchRow } from '../store/confirmed.ts';
import type { FamilyEvent } from '../persons/events.ts';
import type { Category, FamilyCaseStatus, FamilyNoticeKind, PersonEventKind, ReachedBy } from '../vocabulary.ts';
import type { Principal } from './principal.ts';

/**
 * What each caller may read, in one place. Staff see the archive; a family sees its own case,
 * and of the archive only what verifiers confirmed for that case. Anything a caller may not see
 * answers as if it did not exist (`not_found`), so a family cannot probe the archive by id.
 */

/** A family reads what its code opens and nothing else of the archive; every other token reads as staff. */
export function readsAsFamily(caller: Principal): boolean {
  return caller.role === 'family';
}

/** Whoever is answered as a family: a caller with no token at all (opening a case), or a case code. */
export function answeredAsFamily(caller: Principal | null): boolean {
  return caller === null || readsAsFamily(caller);
}

/** A gallery photo: any for staff; for a family, only one confirmed as a match of its case. */
export async function assertMaySeePhoto(q: Queryable, caller: Principal, photoId: string): Promise<void> {
  if (!readsAsFamily(caller)) return;
  if (!caller.caseId || !(await photoVisibleToCase(q, photoId, caller.caseId)))
    throw new KinfinderError('not_found', 'no such photo');
}

/** A gallery face (its crop): as for photos. */
export async function assertMaySeeFace(q: Queryable, caller: Principal, faceId: string): Promise<void> {
  if (!readsAsFamily(caller)) return;
  if (!caller.caseId || !(await faceVisibleToCase(q, faceId, caller.caseId)))
    throw new KinfinderError('not_found', 'no such face');
}

/** A family's reference face or photo: any for a verifier, its own case's for a family. */
export function assertMaySeeReference(caller: Principal, ref: { caseId: string }): void {
  if (readsAsFamily(caller) && caller.caseId !== ref.caseId)
    throw new KinfinderError('not_found', 'no such reference face');
}

/** A case: any for a verifier, its own for a family (another case's code is told apart: 403). */
export function assertMayOpenCase(caller: Principal, caseId: string): void {
  if (readsAsFamily(caller) && caller.caseId !== caseId)
    throw new KinfinderError('forbidden', 'this access code opens another case');
}

/**
 * A confirmed match as its family may see it (DESIGN §9): what the photo shows (its category),
 * what the verifiers wrote for the family, when it was confirmed, and the match's own id (its
 * photo is fetched by that id, so not even the archive's photo id reaches the family). Nothing
 * else of the archive: no source, metadata, file name or path, similarity or band, no verifier,
 * no other candidate. An allow-list: a field added to the store's rows reaches no family unless
 * it is added here.
 */
export interface FamilyMatch {
  id: string;
  category: Category;
  /** null: no verifier wrote one, and the family reads the default sentence for the category. */
  familyMessage: string | null;
  confirmedAt: Date;
  /** How it was found, so the words the family reads fit: not the figures behind it. */
  reachedBy: ReachedBy;
  /** What became of him, as verifiers approved it for families (DESIGN §16): the newest event's kind, or null. */
  status: PersonEventKind | null;
  /** Approved events only, newest first: what, when and where; never who entered it or the source. */
  history: FamilyEvent[];
}

export function forFamily(
  c: ConfirmedMatchRow,
  person?: { status: PersonEventKind | null; history: readonly FamilyEvent[] },
): FamilyMatch {
  return {
    id: c.id,
    category: c.category,
    familyMessage: c.familyMessage,
    confirmedAt: c.confirmedAt,
    reachedBy: reachedBy(c),
    status: person?.status ?? null,
    history: (person?.history ?? []).map((e) => ({
      kind: e.kind,
      date: e.date,
      ...(e.place ? { place: e.place } : {}),
    })),
  };
}

/**
 * By photo when a face was compared, by record when the family's description agreed on a field
 * (a positive weight: a name, a date, a document), both when both. A candidate found by its
 * record alone has no similarity.
 */
export function reachedBy(c: Pick<ConfirmedMatchRow, 'similarity' | 'evidence'>): ReachedBy {
  const record = c.evidence.some((e) => e.field !== 'face' && e.weight > 0);
  if (c.similarity === null) return 'record';
  return record ? 'both' : 'photo';
}

/**
 * The status a family reads (DESIGN §14): `open` until a result is confirmed for them, then
 * `answered`. It is derived from the confirmed results alone, never from the case's own status:
 * whether the archive holds candidates for the person (`under_review` against `searching`) is
 * exactly what a family, or anyone trying names, must not learn before a verifier has spoken.
 */
export function familyStatus(confirmed: readonly unknown[]): FamilyCaseStatus {
  return confirmed.length > 0 ? 'answered' : 'open';
}

/** A case's head as a family reads it: its id, when it was opened, and familyStatus. */
export interface FamilyCase {
  id: string;
  status: FamilyCaseStatus;
  createdAt: Date;
}

export function caseForFamily(c: CaseRow, confirmed: readonly unknown[]): FamilyCase {
  return { id: c.id, status: familyStatus(confirmed), createdAt: c.createdAt };
}

/**
 * What the family told us, as they can read and correct it: the documented fields they gave,
 * as text, nothing else (a field stored before subjects were checked is left out, and nothing of
 * the archive is ever merged into a case's subject).
 */
export function subjectForFamily(subject: Record<string, unknown>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const f of SUBJECT_FIELDS) {
    const v = subject[f];
    if (typeof v === 'string' && v !== '') out[f] = v;
  }
  return out;
}

export interface FamilyNotice {
  kind: FamilyNoticeKind;
  at: Date;
}

/**
 * What changed under a family (DESIGN §14): a result they were given was taken back (reopened
 * by an admin, or its photo withdrawn) at `takenBackAt`, and no result was confirmed since. It
 * stays until a new result is confirmed; a result still standing from before does not end it.
 */
export function familyNotices(takenBackAt: Date | null, confirmed: readonly FamilyMatch[]): FamilyNotice[] {
  if (!takenBackAt) return [];
  const newer = confirmed.some((c) => new Date(c.confirmedAt).getTime() > takenBackAt.getTime());
  return newer ? [] : [{ kind: 'result_rechecked', at: takenBackAt }];
}

/** A confirmed match's photo: only for the family of its case (any other case: as if absent). */
export async function confirmedPhotoForFamily(
  q: Queryable,
  caller: Principal,
  candidateId: string,
): Promise<{ displaySha256: string }> {
  const found =
    readsAsFamily(caller) && caller.caseId ? await confirmedMatch(q, caller.caseId, candidateId) : undefined;
  if (!found?.displaySha256) throw new KinfinderError('not_found', 'no such confirmed photo');
  return { displaySha256: found.displaySha256 };
}
