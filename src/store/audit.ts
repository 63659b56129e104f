import type { AuditAction } from '../vocabulary.ts';
import type { Queryable } from './database.ts';

export interface AuditActor {
  /** The token used (null for the bootstrap admin and system actors). */
  id: string | null;
  role: string;
  /** The person behind a staff token. */
  personId?: string | null;
}

export interface AuditEvent {
  action: AuditAction;
  subjectType?: string;
  subjectId?: string;
  /** Ids and counts only: never names, metadata or image content. */
  details?: Record<string, unknown>;
}

export interface AuditRow {
  id: string;
  at: Date;
  actorId: string | null;
  actorRole: string | null;
  actorPersonId: string | null;
  /** The name of the person behind the token (DESIGN §18); null for families, anonymous callers and system actors. */
  actorName: string | null;
  action: string;
  subjectType: string | null;
  subjectId: string | null;
  details: Record<string, unknown>;
}

export async function recordAudit(q: Queryable, actor: AuditActor | null, e: AuditEvent): Promise<void> {
  await q.query(
    `INSERT INTO audit_events (actor_id, actor_role, actor_person_id, action, subject_type, subject_id, details) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
    [
      actor?.id ?? null,
      actor?.role ?? 'anonymous',
      actor?.personId ?? null,
      e.action,
      e.subjectType ?? null,
      e.subjectId ?? null,
      JSON.stringify(e.details ?? {}),
    ],
  );
}

/**
 * How many audit events the database holds: `kinfinder restore` reports it so the operator can
 * see at once that the history came back with the cases (an archive's whole audit log, not a
 * page of it, hence a count and not `listAudit`).
 */
export async function countAuditEvents(q: Queryable): Promise<number> {
  // ::integer: count(*) is a bigint, which node-postgres returns as a string.
  const r = await q.query<{ n: number }>('SELECT count(*)::integer AS n FROM audit_events');
  return r.rows[0]?.n ?? 0;
}

export interface AuditFilter {
  /** A token id or a person id (every token of that person), or a role / system actor name. */
  actor?: string | undefined;
  /** An action, or a prefix ending in `.` or `*` (`photo.` → photo.upload, photo.read, …). */
  action?: string | undefined;
  /** A subject id (a photo, a case, a token), whatever its type. */
  subject?: string | undefined;
  since?: Date | undefined;
  until?: Date | undefined;
}

/**
 * Newest first by time, then by id as a number (two events of one transaction share a time).
 * `before` is the id of the last event of the previous page: the page continues after that
 * event's (time, id), so a page boundary never skips or repeats an event.
 */
export async function listAudit(
  q: Queryable,
  opts: AuditFilter & { before?: string | undefined; limit: number },
): Promise<AuditRow[]> {
  const isUuid =
    opts.actor !== undefined && /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(opts.actor);
  const action = opts.action?.replace(/\*$/, '');
  const prefix = opts.action !== undefined && (opts.action.endsWith('*') || opts.action.endsWith('.'));
  const r = await q.query<AuditRow>(
    `SELECT audit_events.id::text AS id, at, actor_id AS "actorId", actor_role AS "actorRole", actor_person_id AS "actorPersonId",
            -- the name as it is now: an admin reads who did it, not a token id (a person is never deleted)
            people.name AS "actorName", action, subject_type AS "subjectType", subject_id AS "subjectId", details
     FROM audit_events LEFT JOIN people ON people.id = audit_events.actor_person_id
     WHERE ($1::bigint IS NULL OR (at, audit_events.id) < (SELECT at, id FROM audit_events WHERE id = $1::bigint))
       AND ($2::uuid IS NULL OR actor_id = $2::uuid OR actor_person_id = $2::uuid)
       AND ($3::text IS NULL OR actor_role = $3)
       AND ($4::text IS NULL OR (CASE WHEN $5::boolean THEN left(action, length($4)) = $4 ELSE action = $4 END))
       AND ($6::text IS NULL OR subject_id = $6)
       AND ($7::timestamptz IS NULL OR at >= $7::timestamptz)
       AND ($8::timestamptz IS NULL OR at < $8::timestamptz)
     -- Qualified: a bare "id" here names the output column, which is text (id::text), and sorts
     -- 99 before 100: the bug that kept the newest events off the first page.
     ORDER BY audit_events.at DESC, audit_events.id DESC LIMIT $9`,
    [
      opts.before ?? null,
      isUuid ? opts.actor!.toLowerCase() : null,
      opts.actor !== undefined && !isUuid ? opts.actor : null,
      action ?? null,
      prefix,
      opts.subject ?? null,
      opts.since?.toISOString() ?? null,
      opts.until?.toISOString() ?? null,
      opts.limit,
    ],
  );
  return r.rows;
}
