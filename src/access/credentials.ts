import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { KinfinderError } from '../errors.ts';
import type { Queryable } from '../store/database.ts';
import { installationSecret } from '../store/secrets.ts';
import { findActiveToken, insertToken, touchToken, type TokenRow } from '../store/tokens.ts';
import {
  CASE_CODE_PREFIX_LENGTH,
  formatCaseCode,
  generateCaseCode,
  hashCaseCode,
  normalizeCaseCode,
} from './case-code.ts';
import type { Role } from '../vocabulary.ts';
import type { Principal } from './principal.ts';

const PREFIX = 'kf_';

function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/** 256 random bits, URL-safe, with a prefix so a leaked token is recognisable in a scan. */
function generateToken(): string {
  return `${PREFIX}${randomBytes(32).toString('base64url')}`;
}

export async function createToken(
  q: Queryable,
  opts: { role: Role; name: string; caseId?: string | null; personId?: string | null; createdBy?: string | null },
): Promise<{ token: string; row: TokenRow }> {
  if (opts.role === 'family' && !opts.caseId)
    throw new KinfinderError('invalid_input', 'a family token must belong to a case');
  if (opts.role !== 'family' && opts.caseId)
    throw new KinfinderError('invalid_input', 'only a family token belongs to a case');
  const token = generateToken();
  if ((opts.role === 'family') !== !opts.personId)
    throw new KinfinderError('invalid_input', 'a staff token belongs to a person, a family token to a case');
  const row = await insertToken(q, {
    role: opts.role,
    name: opts.name,
    caseId: opts.caseId ?? null,
    personId: opts.personId ?? null,
    createdBy: opts.createdBy ?? null,
    tokenHash: hashToken(token),
  });
  return { token, row };
}

/**
 * A case's code (src/access/case-code.ts): the family token of a case, stored as a hash like
 * every other token. Returned formatted (`XXXX-XXXX-XXXX`), shown once.
 */
export async function createCaseCode(
  q: Queryable,
  opts: { caseId: string; createdBy?: string | null },
): Promise<{ caseCode: string; row: TokenRow }> {
  const code = generateCaseCode();
  const row = await insertToken(q, {
    role: 'family',
    name: 'case code',
    caseId: opts.caseId,
    personId: null,
    createdBy: opts.createdBy ?? null,
    tokenHash: await hashCaseCode(code),
    codePrefixKey: await caseCodePrefixKey(q, code.slice(0, CASE_CODE_PREFIX_LENGTH)),
  });
  return { caseCode: formatCaseCode(code), row };
}

/**
 * What is stored of a code's first group (normalised, 4 characters), so that staff can find a
 * case by what a family still has of a lost code (src/cases/find.ts): a keyed hash with the
 * installation's secret, as the throttles keep code prefixes, never the characters themselves.
 */
export async function caseCodePrefixKey(q: Queryable, prefix: string): Promise<string> {
  const secret = await installationSecret(q, 'case-code-prefix');
  return createHmac('sha256', Buffer.from(secret, 'hex')).update(prefix).digest('hex').slice(0, 32);
}

function sameHash(a: string, b: string): boolean {
  const x = Buffer.from(a, 'hex');
  const y = Buffer.from(b, 'hex');
  return x.length === y.length && timingSafeEqual(x, y);
}

/**
 * Resolves a presented token. The lookup is by hash (an index probe whose timing reveals
 * nothing about the secret); the bootstrap admin token is compared in constant time.
 */
export async function resolveToken(
  q: Queryable,
  presented: string,
  bootstrapAdminToken?: string,
): Promise<Principal | undefined> {
  if (!presented || presented.length > 512) return undefined;
  // A value that reads as a case code is one (staff tokens and the admin token never do).
  const code = normalizeCaseCode(presented);
  const hash = code ? await hashCaseCode(code) : hashToken(presented);
  if (!code && bootstrapAdminToken && sameHash(hash, hashToken(bootstrapAdminToken))) {
    return { id: null, role: 'admin', name: 'bootstrap admin', caseId: null };
  }
  const row = await findActiveToken(q, hash);
  if (!row || !sameHash(row.tokenHash, hash)) return undefined;
  if (code && row.role !== 'family') return undefined;
  // "Last used" for the admin's token list (GET /tokens); at most one write a minute per token.
  await touchToken(q, row.id);
  return { id: row.id, role: row.role, name: row.name, caseId: row.caseId, personId: row.personId };
}
