import type { Context, MiddlewareHandler } from 'hono';
import { setCookie } from 'hono/cookie';
import { languageDetector } from 'hono/language';
import { translator, type Translate } from '../src/i18n/catalogue.ts';
import { isLanguage, LANGUAGES, type Language } from '../src/i18n/languages.ts';

export const LANGUAGE_COOKIE = 'kf_lang';

/**
 * The language of this request (DESIGN §9): `?lang=`, then the cookie the pages' switcher sets,
 * then Accept-Language, then the organisation's default. Hono's detector does the negotiation;
 * the cookie is written here, and only when `?lang=` chose the language: a browser's
 * Accept-Language must not stick after the reader changes it, and a switcher click must.
 */
export function negotiateLanguage(defaultLanguage: Language): MiddlewareHandler {
  const detect = languageDetector({
    supportedLanguages: [...LANGUAGES],
    fallbackLanguage: defaultLanguage,
    order: ['querystring', 'cookie', 'header'],
    lookupQueryString: 'lang',
    lookupCookie: LANGUAGE_COOKIE,
    caches: false,
  });
  return async (c, next) =>
    detect(c, async () => {
      const language = languageOf(c);
      c.set('t', translator(language));
      const asked = c.req.query('lang');
      if (asked && isLanguage(asked.toLowerCase())) {
        // Not a secret and read by no script: lax, so a link from elsewhere keeps the choice;
        // not `secure`, because many installs are reached over plain HTTP on a local network.
        setCookie(c, LANGUAGE_COOKIE, language, {
          path: '/',
          sameSite: 'Lax',
          httpOnly: true,
          maxAge: 365 * 24 * 3600,
        });
      }
      await next();
    });
}

/** The negotiated language; the default of an app wired without the middleware is English. */
export function languageOf(c: Context): Language {
  const lang: unknown = c.get('language');
  return isLanguage(lang) ? lang : 'en';
}

export function translate(c: Context): Translate {
  const t: unknown = c.get('t');
  return typeof t === 'function' ? (t as Translate) : translator(languageOf(c));
}
