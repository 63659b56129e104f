import type { Queryable } from './database.ts';

import type { Role } from '../vocabulary.ts';

export interface TokenRow {
  id: string;
  role: Role;
  name: string;
  /** The person holding a staff token; null for a family token (it belongs to a case). */
  personId: string | null;
  caseId: string | null;
  createdAt: Date;
  revokedAt: Date | null;
}

export async function insertToken(
  q: Queryable,
  t: {
    role: Role;
    name: string;
    tokenHash: string;
    caseId?: string | null;
    personId?: string | null;
    createdBy?: string | null;
    /** A case code's first group, as a keyed hash (migration 0013): how staff find the case by it. */
    codePrefixKey?: string | null;
  },
): Promise<TokenRow> {
  const r = await q.query<TokenRow>(
    `INSERT INTO tokens (role, name, token_hash, search_id, person_id, created_by, code_prefix_key) VALUES ($1, $2, $3, $4, $5, $6, $7)
     RETURNING id, role, name, search_id AS "caseId", person_id AS "personId", created_at AS "createdAt", revoked_at AS "revokedAt"`,
    [t.role, t.name, t.tokenHash, t.caseId ?? null, t.personId ?? null, t.createdBy ?? null, t.codePrefixKey ?? null],
  );
  return r.rows[0]!;
}

/** The live token with this hash; revoked tokens and tokens of deleted cases do not authenticate. */
export async function findActiveToken(
  q: Queryable,
  tokenHash: string,
): Promise<(TokenRow & { tokenHash: string }) | undefined> {
  const r = await q.query<TokenRow & { tokenHash: string }>(
    `SELECT t.id, t.role, t.name, t.search_id AS "caseId", t.person_id AS "personId", t.created_at AS "createdAt", t.revoked_at AS "revokedAt",
            t.token_hash AS "tokenHash"
     FROM tokens t LEFT JOIN searches s ON s.id = t.search_id
     WHERE t.token_hash = $1 AND t.revoked_at IS NULL AND (t.search_id IS NULL OR s.deleted_at IS NULL)`,
    [tokenHash],
  );
  return r.rows[0];
}

export async function revokeToken(q: Queryable, id: string): Promise<TokenRow | undefined> {
  const r = await q.query<TokenRow>(
    `UPDATE tokens SET revoked_at = coalesce(revoked_at, now()) WHERE id = $1
     RETURNING id, role, name, search_id AS "caseId", person_id AS "personId", created_at AS "createdAt", revoked_at AS "revokedAt"`,
    [id],
  );
  return r.rows[0];
}

export async function revokeTokensOfCase(q: Queryable, caseId: string): Promise<void> {
  await q.query(`UPDATE tokens SET revoked_at = now() WHERE search_id = $1 AND revoked_at IS NULL`, [caseId]);
}

/**
 * The person of this name and role, made if new (DESIGN §13): a second token for "Alice" the
 * verifier is Alice's, so she still counts once. Names match without regard to case or
 * surrounding spaces; the first spelling is kept.
 */
export async function ensurePerson(
  q: Queryable,
  p: { role: Exclude<Role, 'family'>; name: string },
): Promise<{ id: string; name: string; created: boolean }> {
  // One statement for both cases: the no-op update makes RETURNING yield the existing row, and
  // xmax = 0 tells a new row from it (also when two admins add the same person at once).
  const r = await q.query<{ id: string; name: string; created: boolean }>(
    `INSERT INTO people (role, name) VALUES ($1, btrim($2))
     ON CONFLICT (role, lower(btrim(name))) DO UPDATE SET name = people.name
     RETURNING id, name, (xmax = 0) AS created`,
    [p.role, p.name],
  );
  return r.rows[0]!;
}

export interface TokenListRow extends TokenRow {
  lastUsedAt: Date | null;
}

/** Every token for an admin, newest first: never the hash. Family tokens only with `family`. */
export async function listTokens(
  q: Queryable,
  opts: { includeFamily: boolean; includeRevoked: boolean },
): Promise<TokenListRow[]> {
  const r = await q.query<TokenListRow>(
    `SELECT id, role, name, search_id AS "caseId", person_id AS "personId", created_at AS "createdAt", revoked_at AS "revokedAt",
            last_used_at AS "lastUsedAt"
     FROM tokens
     WHERE ($1::boolean OR role <> 'family') AND ($2::boolean OR revoked_at IS NULL)
     ORDER BY created_at DESC, id DESC`,
    [opts.includeFamily, opts.includeRevoked],
  );
  return r.rows;
}

/**
 * Notes that a token was used. At most once a minute per token, so a busy verifier's requests do
 * not each write a row update; "last used" is for spotting tokens nobody uses any more.
 */
export async function touchToken(q: Queryable, id: string): Promise<void> {
  await q.query(
    `UPDATE tokens SET last_used_at = now() WHERE id = $1 AND (last_used_at IS NULL OR last_used_at < now() - interval '1 minute')`,
    [id],
  );
}
