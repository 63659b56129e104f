import { describe, expect, it } from 'vitest';
import {
  CROCKFORD,
  formatCaseCode,
  generateCaseCode,
  hashCaseCode,
  normalizeCaseCode,
  normalizeCodeStart,
} from '../../src/access/case-code.ts';

describe('case codes', () => {
  it('are 12 Crockford base32 characters (60 bits), shown in three groups of four', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 2000; i++) {
      const code = generateCaseCode();
      expect(code).toMatch(/^[0-9A-HJKMNP-TV-Z]{12}$/);
      seen.add(code);
    }
    expect(seen.size).toBe(2000);
    expect(CROCKFORD).toHaveLength(32);
    expect(12 * Math.log2(CROCKFORD.length)).toBeGreaterThanOrEqual(60);
    expect(formatCaseCode('K7Q4M2X9PD3F')).toBe('K7Q4-M2X9-PD3F');
  });

  it('uses every character of the alphabet about equally (no modulo bias)', () => {
    const counts = new Map<string, number>();
    const n = 4000;
    for (let i = 0; i < n; i++) for (const ch of generateCaseCode()) counts.set(ch, (counts.get(ch) ?? 0) + 1);
    expect(counts.size).toBe(32);
    const expected = (n * 12) / 32;
    for (const [ch, c] of counts) expect(Math.abs(c - expected) / expected, ch).toBeLessThan(0.15);
  });

  it('reads what a person typed: case, hyphens and spaces ignored, I/L as 1 and O as 0', () => {
    expect(normalizeCaseCode('K7Q4-M2X9-PD3F')).toBe('K7Q4M2X9PD3F');
    expect(normalizeCaseCode('k7q4m2x9pd3f')).toBe('K7Q4M2X9PD3F');
    expect(normalizeCaseCode(' k7q4 m2x9  pd3f ')).toBe('K7Q4M2X9PD3F');
    expect(normalizeCaseCode('K7Q4\u2013M2X9\u2014PD3F')).toBe('K7Q4M2X9PD3F');
    expect(normalizeCaseCode('1LIo-0O00-1111')).toBe('11100000' + '1111');
    expect(normalizeCaseCode('il1o-OO00-ABCD')).toBe('11100000ABCD');
    // not a code: too short, too long, U (not in the alphabet), a staff token
    for (const v of [
      'K7Q4-M2X9-PD3',
      'K7Q4-M2X9-PD3FF',
      'K7Q4-M2X9-PD3U',
      'kf_54TN8bq0V8x3mPZ1w2Zf3hT9yQ3c2V1b0n9m8l7k6j5',
      '',
    ])
      expect(normalizeCaseCode(v), v).toBeUndefined();
  });

  it('reads the start of a code as a family reads it out: its first group at least, forgiven alike', () => {
    expect(normalizeCodeStart('k7q4')).toBe('K7Q4');
    expect(normalizeCodeStart(' k7q4-m2 ')).toBe('K7Q4M2');
    expect(normalizeCodeStart('il0o')).toBe('1100');
    expect(normalizeCodeStart('K7Q4-M2X9-PD3F')).toBe('K7Q4M2X9PD3F');
    for (const v of ['K7Q', 'K7QU', 'K7Q4-M2X9-PD3FF', 'Коваленко', ''])
      expect(normalizeCodeStart(v), v).toBeUndefined();
  });

  it('stores a slow, fixed-length hash that is the same for every spelling and never the code', async () => {
    const a = await hashCaseCode(normalizeCaseCode('k7q4m2x9pd3f')!);
    const b = await hashCaseCode(normalizeCaseCode('K7Q4-M2X9-PD3F')!);
    expect(a).toBe(b);
    expect(a).toMatch(/^[0-9a-f]{64}$/);
    expect(a).not.toBe(await hashCaseCode('K7Q4M2X9PD3E'));
  });
});
