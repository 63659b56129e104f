import { describe, expect, it } from 'vitest';
import type { FamilyMatch } from '../../src/access/visibility.ts';
import { familyWordKeys } from '../../src/cases/family-words.ts';
import { translator } from '../../src/i18n/catalogue.ts';
import { LANGUAGES } from '../../src/i18n/languages.ts';

// Issue 27 point 3: the words fit how a result was reached and what it is; every key they name
// exists in ru, uk and en.

const at = new Date('2026-12-01T10:00:00Z');
const match = (category: FamilyMatch['category'], reachedBy: FamilyMatch['reachedBy']): FamilyMatch => ({
  id: `${category}-${reachedBy}`,
  category,
  reachedBy,
  status: null,
  history: [],
  familyMessage: null,
  confirmedAt: at,
});
const head = (status: 'open' | 'answered') => ({ id: 'c', status, createdAt: at });

describe('the words a family reads', () => {
  it('says "we are looking" while open, whatever the archive holds, and a notice first when a result was taken back', () => {
    const keys = familyWordKeys({ case: head('open'), notices: [{ kind: 'result_rechecked', at }], confirmed: [] });
    expect(keys.status).toEqual({ title: 'case:openTitle', text: 'case:openText' });
    expect(keys.notices).toEqual([{ title: 'case:noticeTitle', text: 'case:noticeText' }]);
  });

  it('gives the prisoner and the dead each their own lead-in; only the dead "with someone close to you"', () => {
    const lead = (...m: FamilyMatch[]) =>
      familyWordKeys({ case: head('answered'), notices: [], confirmed: m }).status.text;
    expect(lead(match('prisoner', 'photo'))).toBe('case:leadPrisoner');
    expect(lead(match('deceased', 'photo'))).toBe('case:leadDeceased');
    expect(lead(match('unknown', 'record'))).toBe('case:leadUnknown');
    expect(lead(match('prisoner', 'photo'), match('deceased', 'both'))).toBe('case:leadDeceased');
    expect(translator('en')('case:leadPrisoner')).not.toMatch(/someone close/);
    expect(translator('en')('case:leadDeceased')).toMatch(/someone close/);
  });

  it('never says "compared your photos" of a result found by the record alone', () => {
    for (const category of ['prisoner', 'deceased', 'unknown'] as const) {
      const [byRecord, byPhoto] = familyWordKeys({
        case: head('answered'),
        notices: [],
        confirmed: [match(category, 'record'), match(category, 'photo')],
      }).confirmed;
      expect(translator('en')(byRecord!.text)).not.toMatch(/photo/);
      expect(translator('en')(byPhoto!.text)).toMatch(/your photos/);
    }
  });

  it('names only keys that exist in every language', () => {
    const all = familyWordKeys({
      case: head('answered'),
      notices: [{ kind: 'result_rechecked', at }],
      confirmed: (['prisoner', 'deceased', 'unknown'] as const).flatMap((c) =>
        (['photo', 'record', 'both'] as const).map((r) => match(c, r)),
      ),
    });
    const keys = [
      all.status.title,
      all.status.text,
      ...all.notices.flatMap((n) => [n.title, n.text]),
      ...all.confirmed.flatMap((c) => [c.title, c.text, c.photoWarning]),
      'case:openTitle',
      'case:openText',
    ];
    for (const lang of LANGUAGES) for (const k of keys) expect(translator(lang)(k), `${lang} ${k}`).toMatch(/\s/); // a sentence, not a bare key
  });
});
