import { authorize } from '../access/policy.ts';
import type { Caller } from '../access/principal.ts';
import { listAudit, type AuditRow } from '../store/audit.ts';
import type { Queryable } from '../store/database.ts';

/** One page of the audit log, newest first; `next` continues it. Admins only. */
export async function readAuditLog(deps: { db: Queryable }, caller: Caller, page: { limit: number; before?: string | undefined }): Promise<{ events: AuditRow[]; next?: string }> {
  authorize(caller, 'audit.read');
  const rows = await listAudit(deps.db, { limit: page.limit + 1, ...(page.before ? { before: page.before } : {}) });
  const events = rows.slice(0, page.limit);
  const last = events[events.length - 1];
  return { events, ...(rows.length > page.limit && last ? { next: last.id } : {}) };
}
