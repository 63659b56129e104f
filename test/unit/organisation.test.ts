import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.ts';
import { translator } from '../../src/i18n/catalogue.ts';
import { languagesWithoutContact, organisationFor, organisationInSentence } from '../../src/i18n/organisation.ts';

// Issue 27 point 7: whom a family calls, per language, and the organisation's name without
// doubled quotes.

describe('the organisation per language', () => {
  it('lets KINFINDER_CONTACT_RU / _UK / _EN and KINFINDER_ORG_NAME_… override the plain settings', () => {
    const { organisation } = loadConfig({
      KINFINDER_ORG_NAME: 'Coordination HQ',
      KINFINDER_CONTACT: '+380 800 300 555',
      KINFINDER_ORG_NAME_RU: 'Горячая линия «Ищем своих»',
      KINFINDER_CONTACT_RU: '8 800 100 00 00 (по-русски)',
    });
    expect(organisationFor(organisation, 'ru')).toEqual({
      name: 'Горячая линия «Ищем своих»',
      contact: '8 800 100 00 00 (по-русски)',
    });
    expect(organisationFor(organisation, 'uk')).toEqual({ name: 'Coordination HQ', contact: '+380 800 300 555' });
    expect(languagesWithoutContact(organisation)).toEqual([]);
  });

  it('names the languages whose families would have nobody to call', () => {
    expect(languagesWithoutContact(loadConfig({}).organisation)).toEqual(['ru', 'uk', 'en']);
    expect(languagesWithoutContact(loadConfig({ KINFINDER_CONTACT_UK: '0 800 1' }).organisation)).toEqual(['ru', 'en']);
  });

  it('puts the name in the language’s quotes unless it has its own: never «Горячая линия «Ищем своих»»', () => {
    const ru = translator('ru');
    expect(ru('family:orgRunBy', { org: organisationInSentence('Ищем своих', ru) })).toBe(
      'Этот сервис ведёт организация «Ищем своих».',
    );
    const quoted = ru('family:orgRunBy', { org: organisationInSentence('Горячая линия «Ищем своих»', ru) });
    expect(quoted).toBe('Этот сервис ведёт организация Горячая линия «Ищем своих».');
    expect(quoted).not.toMatch(/««|»»/);
    expect(organisationInSentence('"Hope" hotline', translator('uk'))).toBe('"Hope" hotline');
    expect(organisationInSentence('Coordination HQ', translator('en'))).toBe('Coordination HQ');
  });
});
