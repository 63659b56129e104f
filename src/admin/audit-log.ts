import { authorize } from '../access/policy.ts';
import { auditActor, type Caller } from '../access/principal.ts';
import { toCsv } from '../export/csv.ts';
import { listAudit, recordAudit, type AuditFilter, type AuditRow } from '../store/audit.ts';
import type { Queryable } from '../store/database.ts';

export type AuditPageQuery = AuditFilter & { limit: number; before?: string | undefined };

/** One page of the audit log, newest first (time, then id); `next` continues it. Admins only. */
export async function readAuditLog(
  deps: { db: Queryable },
  caller: Caller,
  page: AuditPageQuery,
): Promise<{ events: AuditRow[]; next?: string }> {
  authorize(caller, 'audit.read');
  const rows = await listAudit(deps.db, { ...page, limit: page.limit + 1 });
  const events = rows.slice(0, page.limit);
  const last = events[events.length - 1];
  return { events, ...(rows.length > page.limit && last ? { next: last.id } : {}) };
}

/** Most events one CSV export holds; a longer period is exported in parts (`until`). */
export const AUDIT_CSV_MAX = 100_000;

/**
 * The audit log as CSV for a spreadsheet, newest first, with the same filters. The export is
 * itself audited (what was asked and how many rows left), in the log it exports from.
 */
export async function exportAuditCsv(
  deps: { db: Queryable },
  caller: Caller,
  filter: AuditFilter & { limit?: number | undefined },
): Promise<string> {
  authorize(caller, 'audit.read');
  const limit = Math.min(filter.limit ?? AUDIT_CSV_MAX, AUDIT_CSV_MAX);
  const rows: AuditRow[] = [];
  let before: string | undefined;
  // In pages, so one export never asks the database for a hundred thousand rows at once.
  for (;;) {
    const want = Math.min(5000, limit - rows.length);
    if (want <= 0) break;
    const page = await listAudit(deps.db, { ...filter, before, limit: want });
    rows.push(...page);
    if (page.length < want) break;
    before = page.at(-1)!.id;
  }
  await recordAudit(deps.db, auditActor(caller), {
    action: 'audit.export',
    details: {
      rows: rows.length,
      ...(filter.action ? { action: filter.action } : {}),
      ...(filter.actor ? { actor: filter.actor } : {}),
    },
  });
  return toCsv(
    ['id', 'at', 'actor_role', 'actor_id', 'actor_person_id', 'action', 'subject_type', 'subject_id', 'details'],
    rows.map((r) => [
      r.id,
      new Date(r.at).toISOString(),
      r.actorRole,
      r.actorId,
      r.actorPersonId,
      r.action,
      r.subjectType,
      r.subjectId,
      JSON.stringify(r.details),
    ]),
  );
}
