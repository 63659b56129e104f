import type { Queryable } from './database.ts';

export interface AuditActor {
  /** The token used (null for the bootstrap admin and system actors). */
  id: string | null;
  role: string;
  /** The person behind a staff token. */
  personId?: string | null;
}

export interface AuditEvent {
  action: string;
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
  action: string;
  subjectType: string | null;
  subjectId: string | null;
  details: Record<string, unknown>;
}

export async function recordAudit(q: Queryable, actor: AuditActor | null, e: AuditEvent): Promise<void> {
  await q.query(
    `INSERT INTO audit_events (actor_id, actor_role, actor_person_id, action, subject_type, subject_id, details) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
    [actor?.id ?? null, actor?.role ?? 'anonymous', actor?.personId ?? null, e.action, e.subjectType ?? null, e.subjectId ?? null, JSON.stringify(e.details ?? {})],
  );
}

/** Newest first; `before` is the id of the last row of the previous page. */
export async function listAudit(q: Queryable, opts: { before?: string; limit: number }): Promise<AuditRow[]> {
  const r = await q.query<AuditRow>(
    `SELECT id::text AS id, at, actor_id AS "actorId", actor_role AS "actorRole", actor_person_id AS "actorPersonId", action,
            subject_type AS "subjectType", subject_id AS "subjectId", details
     FROM audit_events
     WHERE ($1::bigint IS NULL OR id < $1::bigint)
     ORDER BY id DESC LIMIT $2`,
    [opts.before ?? null, opts.limit],
  );
  return r.rows;
}
