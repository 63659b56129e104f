import { authorizePrincipal } from '../access/policy.ts';
import { auditActor, type Caller, type Principal } from '../access/principal.ts';
import { KinfinderError } from '../errors.ts';
import { regroupCandidates, type Regrouped } from '../match/regroup.ts';
import { recordAudit } from '../store/audit.ts';
import type { Database, Queryable } from '../store/database.ts';
import { eventsOfPersons } from '../store/person-events.ts';
import {
  getPerson,
  insertPerson,
  lockPersons,
  lockPhotosForMove,
  markPersonMerged,
  movePhotoRow,
  movesOfPerson,
  photoCountOfPerson,
  photosOfPersons,
  personsOfBatch,
  type MoveCause,
  type PersonPhoto,
  type PersonRow,
} from '../store/persons.ts';
import { eventState, familyHistory, type EventState } from './events.ts';
import type { PersonEventRow } from '../store/person-events.ts';
import { assertValidText } from '../text.ts';
import type { PersonEventKind } from '../vocabulary.ts';

/**
 * Grouping archive photos into persons (issue 26 point 1), by operators and admins: a new person,
 * photos added to one (each leaves the person it was of), a photo taken out (it becomes a person
 * of its own). Each move is an append-only row; what it does to cases' candidates is
 * src/match/regroup.ts's; every change is audited.
 */

export const MAX_PHOTOS_PER_MOVE = 200;

/** Moves photos to a person in the caller's transaction: rows, candidates, and a person left empty marked merged. */
export async function movePhotosTo(
  tx: Queryable,
  actor: { tokenId: string | null; role: string },
  to: string,
  photoIds: readonly string[],
  cause: MoveCause,
  suggestionId?: string,
): Promise<{ moved: string[]; regrouped: Regrouped[] }> {
  const photos = await lockPhotosForMove(tx, photoIds);
  if (photos.length !== new Set(photoIds).size) throw new KinfinderError('not_found', 'no such photo');
  const byFrom = new Map<string, string[]>();
  for (const p of photos) if (p.personId !== to) byFrom.set(p.personId, [...(byFrom.get(p.personId) ?? []), p.id]);
  await lockPersons(tx, [to, ...byFrom.keys()]);
  const regrouped: Regrouped[] = [];
  const moved: string[] = [];
  for (const [from, ids] of byFrom) {
    for (const photoId of ids) {
      await movePhotoRow(tx, { photoId, from, to, cause, suggestionId: suggestionId ?? null, ...actor });
      moved.push(photoId);
    }
    const emptied = (await photoCountOfPerson(tx, from)) === 0;
    if (emptied) await markPersonMerged(tx, from, to);
    regrouped.push(await regroupCandidates(tx, { from, to, photoIds: ids, fromEmptied: emptied }));
  }
  return { moved, regrouped };
}

function actorOf(p: Principal) {
  return { tokenId: p.id, role: p.role };
}

async function livePerson(tx: Queryable, personId: string): Promise<PersonRow> {
  const [person] = await lockPersons(tx, [personId]);
  if (!person) throw new KinfinderError('not_found', 'no such person');
  if (person.mergedInto)
    throw new KinfinderError('conflict', 'this person was merged into another', undefined, {
      body: { mergedInto: person.mergedInto },
    });
  if (person.withdrawal) throw new KinfinderError('conflict', 'this person was withdrawn');
  return person;
}

function checkPhotoIds(photoIds: readonly string[]): void {
  if (photoIds.length === 0) throw new KinfinderError('invalid_input', 'name at least one photo (photoIds)');
  if (photoIds.length > MAX_PHOTOS_PER_MOVE)
    throw new KinfinderError('invalid_input', `at most ${MAX_PHOTOS_PER_MOVE} photos at once`);
}

function summary(r: { moved: string[]; regrouped: Regrouped[] }) {
  return {
    photos: r.moved,
    movedCandidates: r.regrouped.flatMap((g) => g.moved),
    mergedCandidates: r.regrouped.flatMap((g) => g.merged),
    cases: r.regrouped.flatMap((g) => g.cases.map((c) => c.id)),
  };
}

/** `POST /persons`: a new person, with the photos named (each leaves the person it was of). */
export async function createPerson(
  deps: { db: Database },
  caller: Caller,
  input: { photoIds?: readonly string[] | undefined; ref?: string | undefined },
): Promise<{ id: string }> {
  const p = authorizePrincipal(caller, 'persons.manage');
  const ref = input.ref?.trim() || null;
  assertValidText(ref ?? undefined, 'ref');
  if (input.photoIds) checkPhotoIds(input.photoIds);
  return deps.db.transaction(async (tx) => {
    const id = await (async () => {
      try {
        return await insertPerson(tx, ref);
      } catch (err) {
        if ((err as { code?: string }).code === '23505')
          throw new KinfinderError('conflict', 'another person has this ref already');
        throw err;
      }
    })();
    const moved = input.photoIds ? await movePhotosTo(tx, actorOf(p), id, input.photoIds, 'add') : undefined;
    await recordAudit(tx, auditActor(p), {
      action: 'person.create',
      subjectType: 'person',
      subjectId: id,
      details: moved ? summary(moved) : {},
    });
    return { id };
  });
}

/** `POST /persons/:id/photos`: these photos are of this man (each leaves the person it was of). */
export async function addPhotosToPerson(
  deps: { db: Database },
  caller: Caller,
  personId: string,
  photoIds: readonly string[],
): Promise<ReturnType<typeof summary>> {
  const p = authorizePrincipal(caller, 'persons.manage');
  checkPhotoIds(photoIds);
  return deps.db.transaction(async (tx) => {
    await livePerson(tx, personId);
    const r = summary(await movePhotosTo(tx, actorOf(p), personId, photoIds, 'add'));
    await recordAudit(tx, auditActor(p), {
      action: 'person.photos.add',
      subjectType: 'person',
      subjectId: personId,
      details: r,
    });
    return r;
  });
}

/** `DELETE /persons/:id/photos/:photoId`: the photo is not of this man; it becomes a person of its own. */
export async function removePhotoFromPerson(
  deps: { db: Database },
  caller: Caller,
  personId: string,
  photoId: string,
): Promise<ReturnType<typeof summary> & { personId: string }> {
  const p = authorizePrincipal(caller, 'persons.manage');
  return deps.db.transaction(async (tx) => {
    await livePerson(tx, personId);
    const [photo] = await lockPhotosForMove(tx, [photoId]);
    if (!photo || photo.personId !== personId) throw new KinfinderError('not_found', 'no such photo of this person');
    if ((await photoCountOfPerson(tx, personId)) === 1)
      throw new KinfinderError('conflict', 'this is the only photo of this person');
    const alone = await insertPerson(tx);
    const r = summary(await movePhotosTo(tx, actorOf(p), alone, [photoId], 'remove'));
    await recordAudit(tx, auditActor(p), {
      action: 'person.photo.remove',
      subjectType: 'person',
      subjectId: personId,
      details: { ...r, newPersonId: alone },
    });
    return { ...r, personId: alone };
  });
}

export interface PersonView {
  person: PersonRow;
  photos: PersonPhoto[];
  events: Array<PersonEventRow & { state: EventState }>;
  moves: Awaited<ReturnType<typeof movesOfPerson>>;
}

/** `GET /persons/:id`: his photos (their records are their metadata), events with their state, how he was grouped. */
export async function readPerson(deps: { db: Database }, caller: Caller, personId: string): Promise<PersonView> {
  const p = authorizePrincipal(caller, 'persons.read');
  return deps.db.transaction(async (tx) => {
    const person = await getPerson(tx, personId);
    if (!person) throw new KinfinderError('not_found', 'no such person');
    await recordAudit(tx, auditActor(p), { action: 'person.read', subjectType: 'person', subjectId: personId });
    const events = await eventsOfPersons(tx, [personId]);
    return {
      person,
      photos: await photosOfPersons(tx, [personId]),
      events: events.map((e) => ({ ...e, state: eventState(e) })),
      moves: await movesOfPerson(tx, personId),
    };
  });
}

/** `GET /persons?batch=`: the persons of a batch's photos, each with his photos in all and in the batch. */
export async function personsOfBatchFor(
  deps: { db: Database },
  caller: Caller,
  batchId: string,
): Promise<
  Array<{
    id: string;
    ref: string | null;
    photos: number;
    inBatch: number;
    status: PersonEventKind | null;
    events: number;
  }>
> {
  authorizePrincipal(caller, 'persons.read');
  return deps.db.transaction(async (tx) => {
    const persons = await personsOfBatch(tx, batchId);
    const events = await eventsOfPersons(
      tx,
      persons.map((p) => p.id),
    );
    return persons.map((p) => {
      const mine = events.filter((e) => e.personId === p.id);
      return { ...p, status: familyHistory(mine).status, events: mine.length };
    });
  });
}
