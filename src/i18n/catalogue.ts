import fs from 'node:fs';
import i18next, { type i18n, type Resource, type ResourceLanguage } from 'i18next';
import { LANGUAGES, type Language } from './languages.ts';

/**
 * One message catalogue per language, one JSON file per namespace (`common`, `errors`, and one
 * per page or area), all under ./locales/<language>/. Read once, synchronously, at start-up: the
 * set is fixed, so a request can never name a file, and a missing file is a start-up error.
 *
 * i18next does the lookups, `{{name}}` interpolation and plurals; plurals go through
 * Intl.PluralRules, so Russian and Ukrainian keys have `_one`, `_few`, `_many` and `_other`
 * forms (1 совпадение, 3 совпадения, 5 совпадений) and English `_one` and `_other`.
 */
const LOCALES = new URL('./locales/', import.meta.url);

export function loadResources(): Resource {
  const resources: Resource = {};
  for (const lang of LANGUAGES) {
    const namespaces: ResourceLanguage = {};
    for (const file of fs.readdirSync(new URL(`${lang}/`, LOCALES)).sort()) {
      if (!file.endsWith('.json')) continue;
      namespaces[file.slice(0, -'.json'.length)] = JSON.parse(
        fs.readFileSync(new URL(`${lang}/${file}`, LOCALES), 'utf8'),
      );
    }
    resources[lang] = namespaces;
  }
  return resources;
}

const resources = loadResources();

const instance: i18n = i18next.createInstance();
// Not awaited: with initAsync false and the resources in memory, init has finished when it
// returns (translator() works at once); its promise carries nothing more, and awaiting it here
// would make every importer wait on a top-level await for nothing.
void instance.init({
  resources,
  lng: 'en',
  supportedLngs: [...LANGUAGES],
  // A key missing in one language shows the English text rather than a bare key; the
  // catalogue test fails the build long before that could reach a reader.
  fallbackLng: 'en',
  ns: Object.keys(resources.en ?? {}),
  defaultNS: 'common',
  initAsync: false,
  // Pages are rendered through hono/html, which escapes every interpolated value itself;
  // JSON answers are not HTML. Escaping here too would show "&amp;" to families.
  interpolation: { escapeValue: false },
  returnNull: false,
});

/** `t('family:start', {count: 3})`: a message in one language; the namespace defaults to `common`. */
export type Translate = (key: string, vars?: Record<string, unknown>) => string;

export function translator(lang: Language): Translate {
  const fixed = instance.getFixedT(lang);
  return (key, vars) => fixed(key, vars ?? {}) as string;
}

/** Whether a key exists (in English, the reference language), e.g. an error code's message. */
export function hasMessage(key: string): boolean {
  return instance.exists(key, { lng: 'en', fallbackLng: false });
}

/**
 * A namespace's messages in one language, for a page's script: the browser formats them itself
 * (common.js: `{{name}}` and the same plural suffixes, through the browser's Intl.PluralRules).
 */
export function messagesFor(lang: Language, namespaces: readonly string[]): Record<string, Record<string, unknown>> {
  const out: Record<string, Record<string, unknown>> = {};
  for (const ns of namespaces) {
    const own = resources[lang]?.[ns];
    const english = resources.en?.[ns];
    if (!english) throw new Error(`no message namespace "${ns}"`);
    out[ns] = { ...(english as Record<string, unknown>), ...(own as Record<string, unknown> | undefined) };
  }
  return out;
}

/** Plural categories a language needs, so the catalogue test can demand every form. */
export function pluralCategories(lang: Language): string[] {
  return new Intl.PluralRules(lang).resolvedOptions().pluralCategories;
}
