import { randomInt, scrypt } from 'node:crypto';

/**
 * The case code a family keeps (DESIGN §9): 12 characters of Crockford base32 (60 random bits),
 * shown as `K7Q4-M2X9-PD3F`. It is read out over a hotline and copied by hand, so what people
 * type is forgiven: case, hyphens and spaces do not matter, and the letters Crockford leaves out
 * because they look like digits (I, L, O) are read as the digits (1, 1, 0).
 */

/** Crockford's alphabet: digits and letters without I, L, O, U. */
export const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
export const CASE_CODE_LENGTH = 12;
/** The part of a code that failed attempts are counted by (api/auth.ts): the first group. */
export const CASE_CODE_PREFIX_LENGTH = 4;

const CODE = new RegExp(`^[${CROCKFORD}]{${CASE_CODE_LENGTH}}$`);

export function generateCaseCode(): string {
  let out = '';
  for (let i = 0; i < CASE_CODE_LENGTH; i++) out += CROCKFORD[randomInt(CROCKFORD.length)];
  return out;
}

/** `K7Q4M2X9PD3F` → `K7Q4-M2X9-PD3F`. */
export function formatCaseCode(code: string): string {
  return code.match(/.{1,4}/g)!.join('-');
}

/**
 * What a person typed, as a code: upper case, without hyphens (any dash) and spaces (any kind),
 * I/L → 1 and O → 0. Undefined when the result is not a code (a staff token, a typo that left a
 * character out): such a value is then not hashed as a code at all.
 */
export function normalizeCaseCode(typed: string): string | undefined {
  if (typed.length > 64) return undefined;
  const s = foldTyped(typed);
  return CODE.test(s) ? s : undefined;
}

function foldTyped(typed: string): string {
  return typed
    .toUpperCase()
    .replace(/[\s\u00a0\u2000-\u200b\u202f\u205f\u3000\-\u2010-\u2015\u2212_.]/g, '')
    .replace(/[IL]/g, '1')
    .replace(/O/g, '0');
}

const START = new RegExp(`^[${CROCKFORD}]{${CASE_CODE_PREFIX_LENGTH},${CASE_CODE_LENGTH}}$`);

/**
 * The start of a code as a family reads it out (at least its first group), forgiven as a whole
 * code is; undefined when it is not one. Staff find a case by it (src/cases/find.ts).
 */
export function normalizeCodeStart(typed: string): string | undefined {
  if (typed.length > 64) return undefined;
  const s = foldTyped(typed);
  return START.test(s) ? s : undefined;
}

// A code has 60 bits, fewer than a staff token's 256: a plain SHA-256 of it could be searched
// offline by anyone holding a copy of the database. scrypt makes each guess cost ~16 MB and tens
// of milliseconds. The salt is fixed because the stored hash is looked up (an index probe), not
// compared row by row; the throttle in api/auth.ts bounds how often a server computes it.
const SALT = 'kinfinder case code v1';
const PARAMS = { N: 1 << 14, r: 8, p: 1, maxmem: 64 * 1024 * 1024 };

/** The stored form of a normalized code: 64 hex characters, like every token hash. */
export function hashCaseCode(code: string): Promise<string> {
  return new Promise((resolve, reject) => {
    scrypt(code, SALT, 32, PARAMS, (err, key) => (err ? reject(err) : resolve(key.toString('hex'))));
  });
}
