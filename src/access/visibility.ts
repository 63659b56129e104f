import { KinfinderError } from '../errors.ts';
import type { Queryable } from '../store/database.ts';
import { confirmedMatch, faceVisibleToCase, photoVisibleToCase, type ConfirmedMatchRow } from '../store/confirmed.ts';
import type { FamilyEvent } from '../persons/events.ts';
import type { Category, PersonEventKind } from '../vocabulary.ts';
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
  /** What became of him, as verifiers approved it for families (DESIGN §16): the newest event's kind, or null. */
  status: PersonEventKind | null;
  /** Approved events only, newest first: what, when and where; never who entered it or the source. */
  history: FamilyEvent[];
}

export function forFamily(
  c: ConfirmedMatchRow,
  person: { status: PersonEventKind | null; history: readonly FamilyEvent[] } | undefined,
): FamilyMatch {
  return {
    id: c.id,
    category: c.category,
    familyMessage: c.familyMessage,
    confirmedAt: c.confirmedAt,
    status: person?.status ?? null,
    history: (person?.history ?? []).map((e) => ({
      kind: e.kind,
      date: e.date,
      ...(e.place ? { place: e.place } : {}),
    })),
  };
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
