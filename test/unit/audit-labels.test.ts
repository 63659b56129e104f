import { describe, expect, it } from 'vitest';
import { auditActionKey } from '../../src/i18n/audit-actions.ts';
import { loadResources, translator } from '../../src/i18n/catalogue.ts';
import { LANGUAGES } from '../../src/i18n/languages.ts';
import { AUDIT_ACTIONS } from '../../src/vocabulary.ts';

// Pure: the admin's audit table and its action filter show each action in words (issue 29).
// A new action in AUDIT_ACTIONS without a label in every language fails here, not on the page,
// where the reader would see its raw code. Read from the files themselves: the translator falls
// back to English, which would hide a missing Ukrainian label.
const resources = loadResources();
const adminTable = (lang: string) => (resources[lang] as Record<string, Record<string, unknown>>).admin ?? {};
const keyName = (action: string) => auditActionKey(action).replace(/^admin:/, '');

describe('audit action labels', () => {
  it('every action has a non-empty label in ru, uk and en', () => {
    const missing: string[] = [];
    for (const lang of LANGUAGES)
      for (const action of AUDIT_ACTIONS) {
        const label = adminTable(lang)[keyName(action)];
        if (typeof label !== 'string' || label.trim() === '') missing.push(`${lang}: ${action}`);
      }
    expect(missing).toEqual([]);
  });

  it('no two actions share a key or, in one language, a label (the filter could not tell them apart)', () => {
    expect(new Set(AUDIT_ACTIONS.map(keyName)).size).toBe(AUDIT_ACTIONS.length);
    for (const lang of LANGUAGES) {
      const labels = AUDIT_ACTIONS.map((a) => adminTable(lang)[keyName(a)]);
      expect(new Set(labels).size, lang).toBe(AUDIT_ACTIONS.length);
    }
  });

  it('no label is left over from an action that is gone', () => {
    for (const lang of LANGUAGES) {
      const extra = Object.keys(adminTable(lang)).filter(
        (k) => k.startsWith('action_') && !AUDIT_ACTIONS.some((a) => keyName(a) === k),
      );
      expect(extra, lang).toEqual([]);
    }
  });

  it('the key reaches the label through i18next (dots in a code would be read as nesting)', () => {
    expect(translator('uk')(auditActionKey('search.code.reissue'))).toBe('Код справи видано заново');
    expect(translator('ru')(auditActionKey('candidate.settle_confirm'))).toBe('Спор разрешён: подтверждено');
  });
});
