import type { Role } from '../vocabulary.ts';
import type { AuditActor } from '../store/audit.ts';

/** A person calling through a token: a stored token, or the bootstrap admin from the environment. */
export interface Principal {
  /** The token's id; null for the bootstrap admin. */
  id: string | null;
  role: Role;
  name: string;
  /** For a family token: the one case it opens. */
  caseId: string | null;
  /** For a staff token: the person holding it (several tokens may be one person's). */
  personId?: string | null;
}

/**
 * Work started by the installation itself rather than by a token holder: the command line (run by
 * whoever holds the machine, and so the database) and the job workers.
 */
export interface SystemActor {
  system: 'cli' | 'jobs';
}

/** Who a use case runs for. `null` is an anonymous caller (a family opening a case). */
export type Caller = Principal | SystemActor | null;

export const CLI: SystemActor = { system: 'cli' };
export const JOBS: SystemActor = { system: 'jobs' };

export function isSystem(c: Caller): c is SystemActor {
  return c !== null && 'system' in c;
}

export function isPrincipal(c: Caller): c is Principal {
  return c !== null && !('system' in c);
}

/** How the audit log names a caller: the token id and role, `cli`/`jobs`, or anonymous. */
export function auditActor(c: Caller): AuditActor | null {
  if (c === null) return null;
  if (isSystem(c)) return { id: null, role: c.system };
  return { id: c.id, role: c.role, personId: c.personId ?? null };
}
