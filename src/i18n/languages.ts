/**
 * The languages every page and family-facing message exists in (DESIGN §9): Russian for the
 * families this is built for, Ukrainian for the staff who run it, English for partners.
 */
export const LANGUAGES = ['ru', 'uk', 'en'] as const;
export type Language = (typeof LANGUAGES)[number];

export function isLanguage(value: unknown): value is Language {
  return typeof value === 'string' && (LANGUAGES as readonly string[]).includes(value);
}

/** Each language named in itself, for the switcher (a reader finds their own language's name). */
export const LANGUAGE_NAMES: Record<Language, string> = { ru: 'Русский', uk: 'Українська', en: 'English' };
