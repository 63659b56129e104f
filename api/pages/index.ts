import fs from 'node:fs';
import { Hono, type Context } from 'hono';
import { html } from 'hono/html';
import type { Env } from '../auth.ts';
import type { AppDeps } from '../deps.ts';
import { MAX_REFERENCE_PHOTOS } from '../../src/cases/reference-photos.ts';
import { organisationFor } from '../../src/i18n/organisation.ts';
import { uuid } from '../validate.ts';
import { adminPage } from './admin.ts';
import { casePage } from './case.ts';
import { familyPage } from './family.ts';
import { organisationBanner, type Organisation } from './family-frame.ts';
import { hotlinePage } from './hotline.ts';
import { ingestPage } from './ingest.ts';
import { languageOf, translate } from '../language.ts';
import { layout, type Markup, type PageContext } from './layout.ts';
import { reviewPage } from './review.ts';

/**
 * Strict: scripts, styles and images only from this server (images also as blob: URLs, which is
 * how the pages show photos fetched with a Bearer token); no inline script, no framing, no
 * external anything — the service may run offline.
 */
export const PAGE_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' blob: data:",
  "connect-src 'self'",
  "font-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

const ASSET_TYPES: Record<string, string> = {
  '.css': 'text/css; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
};

/** Read once at start: a fixed set, so no request can name another file. */
function loadAssets(): Map<string, { body: string; type: string }> {
  const dir = new URL('./assets/', import.meta.url);
  const assets = new Map<string, { body: string; type: string }>();
  for (const name of fs.readdirSync(dir)) {
    const type = ASSET_TYPES[name.slice(name.lastIndexOf('.'))];
    if (type) assets.set(name, { body: fs.readFileSync(new URL(name, dir), 'utf8'), type });
  }
  return assets;
}

function pageHeaders(c: Context) {
  c.header('content-security-policy', PAGE_CSP);
  c.header('referrer-policy', 'no-referrer');
  c.header('x-frame-options', 'DENY');
  c.header('cross-origin-opener-policy', 'same-origin');
  c.header('permissions-policy', 'camera=(self), microphone=(), geolocation=()');
}

/** The web pages of DESIGN §5: family `/` and `/case/:id`, verifier `/review`, operator `/ingest`, admin `/admin` (§18). */
export function pageRoutes(deps: AppDeps): Hono<Env> {
  const app = new Hono<Env>();
  const assets = loadAssets();
  const confirmations = deps.api?.confirmations ?? 2;
  const maxPhotoMb = Math.max(1, Math.round((deps.api?.limits.maxBytes ?? 20 * 1024 * 1024) / 1024 / 1024));

  const page = sendPage;

  // The organisation in the reader's language (KINFINDER_CONTACT_RU and the like override the plain one).
  const org = (c: Context) => organisationFor(deps.api?.organisation, languageOf(c));
  app.get('/', (c) =>
    page(
      c,
      familyPage({
        ui: pageContext(c),
        confirmations,
        maxPhotoMb,
        maxPhotos: MAX_REFERENCE_PHOTOS,
        organisation: org(c),
      }),
    ),
  );
  // The case code alone opens a case; `/case/<id>` links from before the code keep working (the
  // id is not needed: the code says which case it is).
  app.get('/case', (c) =>
    page(c, casePage({ ui: pageContext(c), maxPhotoMb, maxPhotos: MAX_REFERENCE_PHOTOS, organisation: org(c) })),
  );
  app.get('/case/:id', (c) => {
    const id = c.req.param('id');
    if (!uuid.safeParse(id).success) return page(c, notFoundPage(pageContext(c), org(c)), 404);
    return page(c, casePage({ ui: pageContext(c), maxPhotoMb, maxPhotos: MAX_REFERENCE_PHOTOS, organisation: org(c) }));
  });
  app.get('/review', (c) =>
    page(c, reviewPage({ ui: pageContext(c), confirmations, rejections: deps.api?.rejections ?? 2 })),
  );
  app.get('/ingest', (c) => page(c, ingestPage({ ui: pageContext(c), maxPhotoMb })));
  app.get('/hotline', (c) => page(c, hotlinePage({ ui: pageContext(c), maxPhotoMb, maxPhotos: MAX_REFERENCE_PHOTOS })));
  app.get('/admin', (c) => page(c, adminPage({ ui: pageContext(c) })));
  app.get('/assets/:name', (c) => {
    const asset = assets.get(c.req.param('name'));
    if (!asset) return c.text('not found', 404);
    c.header('content-type', asset.type);
    // Revalidated on every use: a redeploy never leaves a page with a stale script.
    c.header('cache-control', 'no-cache');
    return c.body(asset.body);
  });
  return app;
}

/** The reader's language and place, for the frame of every page. */
export function pageContext(c: Context): PageContext {
  return { lang: languageOf(c), t: translate(c), path: c.req.path };
}

/** Any address that is not a page: an HTML answer in the reader's language, never JSON. */
export function notFoundPage(ui: PageContext, organisation?: Organisation): Markup {
  const { t } = ui;
  return layout({
    ui,
    title: t('notFoundTitle'),
    script: 'common.js',
    // A family who mistyped an address still learns whom to ask (issue 12).
    banner: organisationBanner(ui, organisation ?? {}),
    body: html`<h1>${t('notFoundHeading')}</h1>
<p>${t('notFoundBody')}</p>
<p><a class="button primary" href="/">${t('notFoundHome')}</a></p>`,
  });
}

/** A page's answer with the pages' headers (CSP and the rest). */
export async function sendPage(c: Context, markup: Markup, status: 200 | 404 = 200) {
  pageHeaders(c);
  return c.html(await markup, status);
}
