import { queueNews, type NoticeQueue } from '../notices/news.ts';
import { casesConfirmedOnPerson } from '../store/confirmed.ts';
import { authorizePrincipal } from '../access/policy.ts';
import { auditActor, signingPerson, type Caller } from '../access/principal.ts';
import { KinfinderError } from '../errors.ts';
import { readBirthDate } from '../records/birth-date.ts';
import { recordAudit } from '../store/audit.ts';
import type { Database, Queryable } from '../store/database.ts';
import {
  eventsOfPersons,
  insertEventDecision,
  insertPersonEvent,
  lockPersonEvent,
  type PersonEventRow,
} from '../store/person-events.ts';
import { getPerson } from '../store/persons.ts';
import { assertValidText } from '../text.ts';
import { PERSON_EVENT_KINDS, type PersonEventKind } from '../vocabulary.ts';

/**
 * What became of an archive person (issue 26 point 3): operators enter events; an event reaches
 * the families whose case confirmed him only once verifiers approved it for families. The rule
 * lives here, once: one verifier's approval, two distinct people's for a death (a wrong "died"
 * is the worst thing this service could tell a mother), and any verifier's rejection keeps it
 * from families for good (a corrected event is entered anew).
 */

export type EventState = 'awaiting' | 'approved' | 'rejected';

/** Distinct approving people an event of this kind needs. */
export function approvalsNeeded(kind: PersonEventKind): number {
  return kind === 'died' ? 2 : 1;
}

export function eventState(e: Pick<PersonEventRow, 'kind' | 'approvedBy' | 'rejectedBy'>): EventState {
  if (e.rejectedBy.length > 0) return 'rejected';
  return new Set(e.approvedBy).size >= approvalsNeeded(e.kind) ? 'approved' : 'awaiting';
}

/** An event as families read it: what, when, where (nothing of who entered or approved it, nor the source). */
export interface FamilyEvent {
  kind: PersonEventKind;
  date: string;
  place?: string;
}

export interface PersonHistory {
  status: PersonEventKind | null;
  history: FamilyEvent[];
  /** When his status changed for families after a moment (statusChanges). */
  changedSince(since: Date): Date[];
}

/**
 * A person's approved events, newest first (by the date it happened, then by when entered), and
 * his status: the newest one's kind (null while none is approved).
 */
export function familyHistory(events: readonly PersonEventRow[]): {
  status: PersonEventKind | null;
  history: FamilyEvent[];
} {
  const approved = events
    .map((e, i) => ({ e, i }))
    .filter(({ e }) => eventState(e) === 'approved')
    .sort((x, y) => (x.e.date < y.e.date ? 1 : x.e.date > y.e.date ? -1 : y.i - x.i))
    .map(({ e }) => ({ kind: e.kind, date: e.date, ...(e.place ? { place: e.place } : {}) }));
  return { status: approved[0]?.kind ?? null, history: approved };
}

/** When an event became approved for families (the approval that made it so), null while not. */
export function approvedAt(e: Pick<PersonEventRow, 'kind' | 'approvedBy' | 'rejectedBy' | 'approvedAt'>): Date | null {
  return eventState(e) === 'approved' ? (e.approvedAt[approvalsNeeded(e.kind) - 1] ?? null) : null;
}

/**
 * The moments a person's status, as families read it, changed after `since` (when their result
 * was confirmed): each approval that made the newest approved event another kind than it was.
 * An event approved before the family's result is part of that answer, not news.
 */
export function statusChanges(events: readonly PersonEventRow[], since: Date): Date[] {
  const approved = events
    .map((e) => ({ e, at: approvedAt(e) }))
    .filter((x): x is { e: PersonEventRow; at: Date } => x.at !== null)
    .sort((a, b) => a.at.getTime() - b.at.getTime());
  const out: Date[] = [];
  for (let i = 0; i < approved.length; i++) {
    const before = familyHistory(approved.slice(0, i).map((x) => x.e)).status;
    const after = familyHistory(approved.slice(0, i + 1).map((x) => x.e)).status;
    if (after !== before && approved[i]!.at > since) out.push(approved[i]!.at);
  }
  return out;
}

/** The family history of several persons at once. */
export async function familyHistories(q: Queryable, personIds: readonly string[]): Promise<Map<string, PersonHistory>> {
  const events = await eventsOfPersons(q, personIds);
  const out = new Map<string, PersonHistory>();
  for (const id of new Set(personIds)) {
    const mine = events.filter((e) => e.personId === id);
    out.set(id, { ...familyHistory(mine), changedSince: (since) => statusChanges(mine, since) });
  }
  return out;
}

export interface EventInput {
  kind: PersonEventKind;
  date: string;
  place?: string | undefined;
  source?: string | undefined;
}

/** A date as archives know it: YYYY, YYYY-MM or YYYY-MM-DD, a real one, not in the future. */
export function checkEventDate(date: string): string {
  const d = date.trim();
  if (!/^\d{4}(-\d{2}(-\d{2})?)?$/.test(d))
    throw new KinfinderError('invalid_input', 'date must be YYYY, YYYY-MM or YYYY-MM-DD');
  const read = readBirthDate(d);
  if ('problem' in read) throw new KinfinderError('invalid_input', `date ${read.problem}`);
  return d;
}

/** Checks an event's fields (the API and the CSV alike). */
export function checkEvent(input: EventInput): EventInput {
  if (!(PERSON_EVENT_KINDS as readonly string[]).includes(input.kind))
    throw new KinfinderError('invalid_input', `kind must be one of ${PERSON_EVENT_KINDS.join(', ')}`);
  assertValidText(input.place, 'place');
  assertValidText(input.source, 'source');
  return {
    kind: input.kind,
    date: checkEventDate(input.date),
    place: input.place?.trim() || undefined,
    source: input.source?.trim() || undefined,
  };
}

/** Adds an event to a person inside the caller's transaction (the API and the ingest's CSV). */
export async function addEventRow(
  tx: Queryable,
  actor: { tokenId: string | null; role: string },
  personId: string,
  input: EventInput,
): Promise<string> {
  const e = checkEvent(input);
  return insertPersonEvent(tx, {
    personId,
    kind: e.kind,
    date: e.date,
    place: e.place ?? null,
    source: e.source ?? null,
    tokenId: actor.tokenId,
    role: actor.role,
  });
}

/** `POST /persons/:id/events`: an operator records what became of him (append-only, audited). */
export async function addPersonEvent(
  deps: { db: Database },
  caller: Caller,
  personId: string,
  input: EventInput,
): Promise<PersonEventRow & { state: EventState }> {
  const p = authorizePrincipal(caller, 'persons.manage');
  return deps.db.transaction(async (tx) => {
    const person = await getPerson(tx, personId);
    if (!person) throw new KinfinderError('not_found', 'no such person');
    if (person.withdrawal) throw new KinfinderError('conflict', 'this person was withdrawn');
    if (person.mergedInto)
      throw new KinfinderError('conflict', 'this person was merged into another', undefined, {
        body: { mergedInto: person.mergedInto },
      });
    const id = await addEventRow(tx, { tokenId: p.id, role: p.role }, personId, input);
    await recordAudit(tx, auditActor(p), {
      action: 'person.event.create',
      subjectType: 'person',
      subjectId: personId,
      details: { eventId: id, kind: input.kind },
    });
    const row = (await lockPersonEvent(tx, personId, id))!;
    return { ...row, state: eventState(row) };
  });
}

/**
 * `POST /persons/:id/events/:eventId/decisions`: a verifier approves an event for families, or
 * rejects it. One answer per person; a decided event (approved or rejected) takes no more.
 * Returns the event's state after, and whether it changed what families read.
 */
export async function decidePersonEvent(
  deps: { db: Database; queue?: NoticeQueue | undefined },
  caller: Caller,
  input: { personId: string; eventId: string; decision: 'approve' | 'reject' },
): Promise<PersonEventRow & { state: EventState }> {
  const p = authorizePrincipal(caller, 'persons.events.decide');
  const who = signingPerson(p, 'approving an event is signed by a person: use a personal access token');
  return deps.db.transaction(async (tx) => {
    const e = await lockPersonEvent(tx, input.personId, input.eventId);
    if (!e) throw new KinfinderError('not_found', 'no such event');
    const was = eventState(e);
    if (was !== 'awaiting') throw new KinfinderError('already_decided', `this event is already ${was}`);
    if (e.approvedBy.includes(who.personId) || e.rejectedBy.includes(who.personId))
      throw new KinfinderError('conflict', 'you have already decided on this event; another verifier must');
    const decisionId = await insertEventDecision(tx, {
      eventId: e.id,
      decision: input.decision,
      tokenId: who.tokenId,
      personId: who.personId,
    });
    const after = (await lockPersonEvent(tx, input.personId, input.eventId))!;
    const state = eventState(after);
    await recordAudit(tx, auditActor(p), {
      action: input.decision === 'approve' ? 'person.event.approve' : 'person.event.reject',
      subjectType: 'person',
      subjectId: input.personId,
      details: { eventId: e.id, decisionId, kind: e.kind, state },
    });
    // Approved is when families read it (DESIGN §16): news for each family whose result is this
    // man, so the notice says only that there is news and its job exists only if this commits.
    if (state === 'approved')
      for (const caseId of await casesConfirmedOnPerson(tx, input.personId)) await queueNews(tx, deps.queue, caseId);
    return { ...after, state };
  });
}
