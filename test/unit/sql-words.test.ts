import { describe, expect, it } from 'vitest';
import { sqlWords } from '../../src/store/sql-words.ts';
import { CONFIRMING_DECISION_KINDS } from '../../src/vocabulary.ts';

describe('sqlWords', () => {
  it('writes vocabulary words as an SQL list', () => {
    expect(sqlWords(CONFIRMING_DECISION_KINDS)).toBe("'confirm', 'admin_confirm'");
  });

  it('refuses anything that is not a plain lower-case word, rather than quoting it', () => {
    for (const bad of ["x'; DROP TABLE decisions; --", 'Confirm', 'a b', ''])
      expect(() => sqlWords([bad])).toThrow(/not a vocabulary word/);
  });
});
