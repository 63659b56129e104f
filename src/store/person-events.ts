import type { PersonEventKind } from '../vocabulary.ts';
import type { Queryable } from './database.ts';

// What became of an archive person (0014): append-only events, and the verifiers' append-only
// approvals of them. Whether an event reaches families is decided in src/persons/events.ts.

export interface NewPersonEvent {
  personId: string;
  kind: PersonEventKind;
  date: string;
  place: string | null;
  source: string | null;
  tokenId: string | null;
  role: string;
}

export async function insertPersonEvent(q: Queryable, e: NewPersonEvent): Promise<string> {
  const r = await q.query<{ id: string }>(
    `INSERT INTO person_events (person_id, kind, date, place, source, token_id, actor_role)
     VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`,
    [e.personId, e.kind, e.date, e.place, e.source, e.tokenId, e.role],
  );
  return r.rows[0]!.id;
}

export interface PersonEventRow {
  id: string;
  personId: string;
  kind: PersonEventKind;
  date: string;
  place: string | null;
  source: string | null;
  createdAt: Date;
  /** Distinct people who approved it, and who rejected it. */
  approvedBy: string[];
  rejectedBy: string[];
  /** When each approval was given, in order. */
  approvedAt: Date[];
}

const EVENT = `
  SELECT e.id, coalesce(ap.merged_into, e.person_id) AS "personId", e.kind, e.date, e.place, e.source, e.created_at AS "createdAt",
         coalesce((SELECT json_agg(d.person_id ORDER BY d.seq) FROM person_event_decisions d
                   WHERE d.event_id = e.id AND d.decision = 'approve'), '[]'::json) AS "approvedBy",
         coalesce((SELECT json_agg(d.person_id ORDER BY d.seq) FROM person_event_decisions d
                   WHERE d.event_id = e.id AND d.decision = 'reject'), '[]'::json) AS "rejectedBy",
         coalesce((SELECT json_agg(d.created_at ORDER BY d.seq) FROM person_event_decisions d
                   WHERE d.event_id = e.id AND d.decision = 'approve'), '[]'::json) AS "approvedAt"
  FROM person_events e JOIN archive_persons ap ON ap.id = e.person_id`;

/**
 * Every event of these persons, in the order entered, those of persons merged into them included
 * (named by the person they are part of now).
 */
export async function eventsOfPersons(q: Queryable, personIds: readonly string[]): Promise<PersonEventRow[]> {
  if (personIds.length === 0) return [];
  const r = await q.query<PersonEventRow>(
    `${EVENT} WHERE e.person_id = ANY($1::uuid[]) OR ap.merged_into = ANY($1::uuid[]) ORDER BY e.seq`,
    [[...new Set(personIds)]],
  );
  return r.rows.map(withDates);
}

/** One event of a person, locked while a verifier decides it. */
export async function lockPersonEvent(
  q: Queryable,
  personId: string,
  eventId: string,
): Promise<PersonEventRow | undefined> {
  await q.query(`SELECT 1 FROM person_events WHERE id = $1 FOR UPDATE`, [eventId]);
  const r = await q.query<PersonEventRow>(`${EVENT} WHERE e.id = $1 AND coalesce(ap.merged_into, e.person_id) = $2`, [
    eventId,
    personId,
  ]);
  return r.rows[0];
}

export async function insertEventDecision(
  q: Queryable,
  d: { eventId: string; decision: 'approve' | 'reject'; tokenId: string; personId: string },
): Promise<string> {
  const r = await q.query<{ id: string }>(
    `INSERT INTO person_event_decisions (event_id, decision, token_id, person_id) VALUES ($1, $2, $3, $4) RETURNING id`,
    [d.eventId, d.decision, d.tokenId, d.personId],
  );
  return r.rows[0]!.id;
}

// json_agg gives the times as text.
function withDates(e: PersonEventRow): PersonEventRow {
  return { ...e, approvedAt: e.approvedAt.map((d) => new Date(d)) };
}
