import { describe, expect, it } from 'vitest';
import { ERROR_CODES, isRetryable, KinfinderError, type ErrorCode } from '../../src/errors.ts';
import { statusOf } from '../../api/error-status.ts';

describe('error codes', () => {
  const codes = Object.keys(ERROR_CODES) as ErrorCode[];
  it('map every code to one HTTP status, 4xx for what the caller can fix', () => {
    for (const code of codes) {
      const s = statusOf(code);
      expect(s, code).toBeGreaterThanOrEqual(400);
      expect(s, code).toBeLessThan(600);
    }
    expect(statusOf('no_face')).toBe(422);
    expect(statusOf('unauthorized')).toBe(401);
    expect(statusOf('internal')).toBe(500);
  });
  it('never retry a job for what the input itself caused, and retry the unknown', () => {
    for (const code of [
      'corrupt_image',
      'unsupported_format',
      'too_many_pixels',
      'file_too_large',
      'empty_file',
      'bad_landmarks',
      'invalid_input',
    ] as const) {
      expect(isRetryable(new KinfinderError(code, 'x')), code).toBe(false);
    }
    expect(isRetryable(new KinfinderError('store_locked', 'x'))).toBe(true);
    expect(isRetryable(new Error('connection reset'))).toBe(true);
    // every input error is a 4xx: a client error is never one a retry could fix
    for (const code of codes)
      if (statusOf(code) < 500 && code !== 'rate_limited') expect(ERROR_CODES[code].retry, code).toBe(false);
  });
});
