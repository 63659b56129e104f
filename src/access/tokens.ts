import { KinfinderError } from '../errors.ts';
import { recordAudit } from '../store/audit.ts';
import type { Database } from '../store/database.ts';
import {
  ensurePerson,
  listTokens as listTokenRows,
  revokeToken as revokeTokenRow,
  type TokenListRow,
} from '../store/tokens.ts';
import type { StaffRole } from '../vocabulary.ts';
import { createToken } from './credentials.ts';
import { authorize } from './policy.ts';
import { auditActor, isPrincipal, type Caller } from './principal.ts';

export interface IssuedToken {
  id: string;
  /** The secret, shown once: only its hash is stored. */
  token: string;
  role: StaffRole;
  name: string;
  /** The person the token belongs to: new, or the existing one of that name and role. */
  personId: string;
}

/**
 * Issues a staff token (an admin through the API, or the command line) to a person: the person
 * of that name and role if there is one (a second token of theirs), else a new person. Family
 * tokens are never issued by hand: opening a case makes its one token.
 */
export async function issueToken(
  deps: { db: Database },
  caller: Caller,
  input: { role: StaffRole; name: string },
): Promise<IssuedToken> {
  authorize(caller, 'tokens.manage');
  const name = input.name.trim();
  if (!name) throw new KinfinderError('invalid_input', 'a token needs the name of the person or office holding it');
  return deps.db.transaction(async (tx) => {
    const person = await ensurePerson(tx, { role: input.role, name });
    const t = await createToken(tx, {
      role: input.role,
      name: person.name,
      personId: person.id,
      createdBy: isPrincipal(caller) ? caller.id : null,
    });
    await recordAudit(tx, auditActor(caller), {
      action: 'token.create',
      subjectType: 'token',
      subjectId: t.row.id,
      details: { role: input.role, personId: person.id, newPerson: person.created },
    });
    return { id: t.row.id, token: t.token, role: input.role, name: person.name, personId: person.id };
  });
}

/** Revokes a token at once; `not_found` for an id that names none. Revoking twice is harmless. */
export async function revokeToken(deps: { db: Database }, caller: Caller, id: string): Promise<void> {
  authorize(caller, 'tokens.manage');
  await deps.db.transaction(async (tx) => {
    const row = await revokeTokenRow(tx, id);
    if (!row) throw new KinfinderError('not_found', 'no such token');
    await recordAudit(tx, auditActor(caller), { action: 'token.revoke', subjectType: 'token', subjectId: id });
  });
}

/** Tokens for an admin (GET /tokens): name, role, person, created, last used, revoked; never a secret. */
export async function listTokens(
  deps: { db: Database },
  caller: Caller,
  opts: { includeFamily: boolean; includeRevoked: boolean },
): Promise<TokenListRow[]> {
  authorize(caller, 'tokens.manage');
  return listTokenRows(deps.db, opts);
}

/** A listed token as `GET /tokens` and `kinfinder token list --json` both print it: dates as ISO text. */
export interface TokenListItem {
  id: string;
  role: TokenListRow['role'];
  name: TokenListRow['name'];
  personId: TokenListRow['personId'];
  createdAt: string;
  lastUsedAt: string | null;
  revokedAt: string | null;
}

export function tokenListItem(t: TokenListRow): TokenListItem {
  const iso = (d: Date | null) => (d ? new Date(d).toISOString() : null);
  return {
    id: t.id,
    role: t.role,
    name: t.name,
    personId: t.personId,
    createdAt: iso(t.createdAt)!,
    lastUsedAt: iso(t.lastUsedAt),
    revokedAt: iso(t.revokedAt),
  };
}
