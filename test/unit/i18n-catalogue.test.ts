import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadResources, pluralCategories, translator } from '../../src/i18n/catalogue.ts';
import { LANGUAGES } from '../../src/i18n/languages.ts';

// Pure: reads the catalogue files the service ships. Every key must exist in every language,
// with every plural form the language needs and the same placeholders: a family must never
// read a bare key, an English sentence on a Russian page, or a "{{count}}" left unfilled.
const resources = loadResources();
type Table = Record<string, unknown>;

const PLURAL = /_(zero|one|two|few|many|other)$/;
const baseKeys = (table: Table) => new Set(Object.keys(table).map((k) => k.replace(PLURAL, '')));
const placeholders = (text: string) => [...text.matchAll(/\{\{\s*(\w+)\s*\}\}/g)].map((m) => m[1]).sort();

describe('message catalogues', () => {
  const english = resources.en as Record<string, Table>;

  it('every language has every namespace file, and nothing besides', () => {
    for (const lang of LANGUAGES) {
      expect(Object.keys(resources[lang] ?? {}).sort()).toEqual(Object.keys(english).sort());
    }
  });

  for (const ns of Object.keys(english)) {
    it(`namespace "${ns}": every key in ru, uk and en, each plural form present, the same placeholders`, () => {
      const missing: string[] = [];
      for (const lang of LANGUAGES) {
        const table = (resources[lang] as Record<string, Table>)[ns] ?? {};
        const forms = pluralCategories(lang);
        const plurals = new Set(
          Object.keys(english[ns] ?? {})
            .filter((k) => PLURAL.test(k))
            .map((k) => k.replace(PLURAL, '')),
        );
        for (const key of baseKeys(english[ns] ?? {})) {
          if (plurals.has(key)) {
            for (const form of forms)
              if (typeof table[`${key}_${form}`] !== 'string') missing.push(`${lang}:${ns}:${key}_${form}`);
          } else if (typeof table[key] !== 'string' || (table[key] as string).trim() === '') {
            missing.push(`${lang}:${ns}:${key}`);
          }
        }
        for (const key of baseKeys(table))
          if (!baseKeys(english[ns] ?? {}).has(key)) missing.push(`${lang}:${ns}:${key} (not in en)`);
        for (const [key, text] of Object.entries(table)) {
          const reference = english[ns]?.[key] ?? english[ns]?.[key.replace(PLURAL, '_other')];
          if (typeof text === 'string' && typeof reference === 'string') {
            expect(placeholders(text), `${lang}:${ns}:${key}`).toEqual(placeholders(reference));
          }
        }
      }
      expect(missing).toEqual([]);
    });
  }

  it('Russian and Ukrainian plurals follow Intl.PluralRules (1 / 3 / 5 seconds)', () => {
    const ru = translator('ru');
    expect(ru('errors:rate_limited', { count: 1 })).toContain('1 секунду');
    expect(ru('errors:rate_limited', { count: 3 })).toContain('3 секунды');
    expect(ru('errors:rate_limited', { count: 5 })).toContain('5 секунд ');
    expect(ru('errors:rate_limited', { count: 21 })).toContain('21 секунду');
    const uk = translator('uk');
    expect(uk('errors:rate_limited', { count: 2 })).toContain('2 секунди');
    expect(uk('errors:rate_limited', { count: 11 })).toContain('11 секунд ');
    expect(translator('en')('errors:rate_limited', { count: 1 })).toContain('1 second ');
  });

  it('no catalogue file is left outside a language folder', () => {
    const dir = new URL('../../src/i18n/locales/', import.meta.url);
    expect(fs.readdirSync(dir).sort()).toEqual([...LANGUAGES].sort());
  });
});
