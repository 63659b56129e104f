import type { Translate } from './catalogue.ts';
import { LANGUAGES, type Language } from './languages.ts';

/**
 * Who runs the service and how a family reaches a person (DESIGN §9, §14): the plain settings
 * (KINFINDER_ORG_NAME, KINFINDER_CONTACT) and, per language, KINFINDER_ORG_NAME_RU / _UK / _EN
 * and KINFINDER_CONTACT_RU / _UK / _EN, which override them for readers of that language (a
 * hotline's Russian-speaking line is not its English one).
 */
export interface OrganisationSettings {
  name?: string | undefined;
  contact?: string | undefined;
  byLanguage?: Partial<Record<Language, { name?: string | undefined; contact?: string | undefined }>> | undefined;
}

/** The organisation as one reader sees it, in their language. */
export interface Organisation {
  name?: string | undefined;
  contact?: string | undefined;
}

export function organisationFor(o: OrganisationSettings | undefined, lang: Language): Organisation {
  const own = o?.byLanguage?.[lang];
  return { name: own?.name ?? o?.name, contact: own?.contact ?? o?.contact };
}

/** The languages whose readers would be given nobody to call (warned at start-up and in /healthz). */
export function languagesWithoutContact(o: OrganisationSettings | undefined): Language[] {
  return LANGUAGES.filter((lang) => !organisationFor(o, lang).contact);
}

/** Quotation marks of any script: a name that carries its own gets none added. */
const QUOTES = /["'«»„“”‘’‚‹›]/;

/**
 * The organisation's name as it sits in a sentence: in the language's quotation marks
 * (`family:orgQuoted`: «…» in Russian and Ukrainian, none in English), unless the name already
 * has quotes of its own ("Горячая линия «Ищем своих»" must not become «Горячая линия «Ищем своих»»).
 */
export function organisationInSentence(name: string, t: Translate): string {
  return QUOTES.test(name) ? name : t('family:orgQuoted', { org: name });
}
