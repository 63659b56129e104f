import { KinfinderError } from './errors.ts';

/**
 * Text the database cannot store faithfully: NUL (PostgreSQL text and jsonb refuse it, so it
 * surfaced as a 500 after the photos' blobs were written) and lone UTF-16 surrogates (not
 * Unicode: they turn into U+FFFD or an encoding error on the way in). Refused as `invalid_input`
 * before anything is written. The message names the field, never the text.
 */
// Without the u flag the regex sees UTF-16 code units: a high surrogate not followed by a low
// one, or a low one not preceded by a high one.
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

export function invalidTextReason(s: string): string | undefined {
  if (s.includes('\u0000')) return 'contains a NUL character';
  if (LONE_SURROGATE.test(s)) return 'contains an unpaired UTF-16 surrogate (not valid Unicode)';
  return undefined;
}

/** Checks a string, or every key and string inside a JSON-like value, as `field`. */
export function assertValidText(value: unknown, field: string): void {
  const reason = findInvalid(value, 0);
  if (reason) throw new KinfinderError('invalid_input', `the "${field}" field ${reason}`);
}

function findInvalid(value: unknown, depth: number): string | undefined {
  if (typeof value === 'string') return invalidTextReason(value);
  // Parsed JSON of 16 KB cannot nest deeper than this; deeper is not data we store.
  if (depth > 64 || value === null || typeof value !== 'object') return undefined;
  if (Array.isArray(value)) {
    for (const v of value) {
      const r = findInvalid(v, depth + 1);
      if (r) return r;
    }
    return undefined;
  }
  for (const [k, v] of Object.entries(value)) {
    const r = invalidTextReason(k) ?? findInvalid(v, depth + 1);
    if (r) return r;
  }
  return undefined;
}
