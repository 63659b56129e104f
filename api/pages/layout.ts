import { html, raw } from 'hono/html';
import type { HtmlEscapedString } from 'hono/utils/html';
import { messagesFor, type Translate } from '../../src/i18n/catalogue.ts';
import { LANGUAGE_NAMES, LANGUAGES, type Language } from '../../src/i18n/languages.ts';

export type Markup = HtmlEscapedString | Promise<HtmlEscapedString>;

/** What every page knows about its reader: their language, and where they are (for the switcher). */
export interface PageContext {
  lang: Language;
  t: Translate;
  /** The request path, so the language switcher links back to the same page. */
  path: string;
}

export interface PageOptions {
  ui: PageContext;
  title: string;
  /** The page's client module under /assets/ (loaded as an ES module: deferred, no inline script). */
  script: string;
  /** Message namespaces the page's script formats itself (common.js `t`); `common` and `errors` always. */
  messages?: readonly string[];
  /** Staff pages get a small navigation bar; the family pages do not point at staff tools. */
  staff?: boolean;
  /** Shown under the header on every page of its kind (the family pages: who runs the service). */
  banner?: Markup;
  body: Markup;
}

/**
 * The page's messages for its script, as a JSON data block: not executed, so the strict CSP
 * (no inline script) allows it; `<` is escaped so no message can close the element.
 */
function messageBlock(lang: Language, namespaces: readonly string[]): Markup {
  const json = JSON.stringify(messagesFor(lang, ['common', 'errors', ...namespaces])).replace(/</g, '\\u003c');
  return html`<script type="application/json" id="kf-messages">${raw(json)}</script>`;
}

/** Links to the same page in each language; `?lang=` sets the cookie that keeps the choice. */
function languageSwitcher(ui: PageContext): Markup {
  const links = LANGUAGES.map((l) =>
    l === ui.lang
      ? html`<a href="${ui.path}?lang=${l}" lang="${l}" hreflang="${l}" aria-current="true">${LANGUAGE_NAMES[l]}</a>`
      : html`<a href="${ui.path}?lang=${l}" lang="${l}" hreflang="${l}">${LANGUAGE_NAMES[l]}</a>`,
  );
  return html`<nav class="languages" aria-label="${ui.t('language')}">${links}</nav>`;
}

/** The frame every page shares: language, viewport, one stylesheet, one module script. */
export function layout(p: PageOptions): Markup {
  const { t } = p.ui;
  return html`<!doctype html>
<html lang="${p.ui.lang}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<meta name="robots" content="noindex, nofollow">
<title>${p.title} · ${t('titleSuffix')}</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="/assets/style.css">
${messageBlock(p.ui.lang, p.messages ?? [])}
<script type="module" src="/assets/${p.script}"></script>
</head>
<body${p.staff ? html` class="staff"` : ''}>
<noscript><p class="wrap warning noscript">${t('noscript')}</p></noscript>
<a class="skip" href="#main">${t('skip')}</a>
<header class="site">
  <div class="wrap">
    <span class="brand">${t('brand')}</span>
    ${
      p.staff
        ? html`<nav aria-label="${t('staffNav')}"><a href="/review">${t('navReview')}</a> <a href="/ingest">${t('navIngest')}</a>
            <a href="/admin">${t('navAdmin')}</a> <a href="/hotline">${t('navHotline')}</a></nav>`
        : html`<span class="tagline">${t('tagline')}</span>`
    }
    ${languageSwitcher(p.ui)}
  </div>
</header>
${p.banner ?? ''}
<main id="main" class="wrap" tabindex="-1">
${p.body}
</main>
</body>
</html>`;
}
