import { KinfinderError } from '../errors.ts';
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
 * whoever holds the machine, and so the database) and the job workers. Told apart, so the policy
 * can keep jobs (processing a queued photo, its standing search) to the job runner.
 */
export const SYSTEM_ACTORS = ['cli', 'jobs'] as const;
export type SystemActorName = (typeof SYSTEM_ACTORS)[number];

export interface SystemActor {
  system: SystemActorName;
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

/**
 * Who signs a decision, a reopen or a hold on a candidate: a person, through their own staff
 * token (several tokens may be one person's). The bootstrap admin (no token row, no person) and
 * a family's code sign nothing. Throws `forbidden` with `refusal` otherwise.
 */
export function signingPerson(p: Principal, refusal: string): { tokenId: string; personId: string } {
  if (!p.id || !p.personId) throw new KinfinderError('forbidden', refusal);
  return { tokenId: p.id, personId: p.personId };
}

/** How the audit log names a caller: the token id and role, `cli`/`jobs`, or anonymous. */
export function auditActor(c: Caller): AuditActor | null {
  if (c === null) return null;
  if (isSystem(c)) return { id: null, role: c.system };
  return { id: c.id, role: c.role, personId: c.personId ?? null };
}
