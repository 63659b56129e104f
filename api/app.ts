import type { Context, Hono } from 'hono';
import { getConnInfo } from '@hono/node-server/conninfo';
import { secureHeaders } from 'hono/secure-headers';
import { authenticate, type Env } from './auth.ts';
import { clientAddress, trustedProxies } from '../src/access/client-address.ts';
import { sharedThrottles } from '../src/access/throttles.ts';
import { CODE_THROTTLE_DEFAULTS, codeThrottles } from '../src/access/code-sign-in.ts';
import { inFlightCap } from './in-flight.ts';
import { apiDocsRoutes } from './docs/routes.ts';
import type { AppDeps } from './deps.ts';
import { errorBody, handleError } from './errors.ts';
import { apiRouter, serveOpenApiDocument } from './openapi.ts';
import { languageOf, negotiateLanguage } from './language.ts';
import { languagesWithoutContact, organisationFor } from '../src/i18n/organisation.ts';
import { notFoundPage, pageContext, pageRoutes, sendPage } from './pages/index.ts';
import { adminRoutes } from './routes/admin.ts';
import { backupRoutes } from './routes/backup.ts';
import { batchRoutes } from './routes/batches.ts';
import { healthRoutes } from './routes/health.ts';
import { metricsRoutes } from './routes/metrics.ts';
import { photoRoutes } from './routes/photos.ts';
import { personRoutes } from './routes/persons.ts';
import { reviewRoutes } from './routes/review.ts';
import { caseRoutes } from './routes/case.ts';
import { DEFAULT_CASE_RATE, searchRoutes } from './routes/searches.ts';

export type { AppDeps } from './deps.ts';

function socketAddress(c: Context): string {
  try {
    return getConnInfo(c).remote.address ?? 'unknown';
  } catch {
    // app.request() in tests has no socket
    return 'local';
  }
}

// Wrong case codes are throttled alike here and in the bot (src/access/code-sign-in.ts).
export { CODE_THROTTLE_DEFAULTS };

/** Case codes one address may have checked at once (each is a scrypt on the shared thread pool). */
const CODES_IN_FLIGHT = 4;
/** Uploads one address may send at once without a staff token (each body is held in memory). */
export const UPLOADS_IN_FLIGHT = 3;

export function createApp(deps: AppDeps): Hono<Env> {
  // Routers declared with @hono/zod-openapi: each route's schemas validate its input and make
  // the document served at /api/v1/openapi.json.
  const app = apiRouter();
  // A family page with nobody to call leaves a frightened relative alone with the news (issue 27):
  // said once at start-up, and in /healthz for as long as it lasts.
  const uncontacted = deps.api ? languagesWithoutContact(deps.api.organisation) : [];
  if (uncontacted.length > 0)
    deps.logger.warn(
      { languages: uncontacted },
      'no contact for families: set KINFINDER_CONTACT (or KINFINDER_CONTACT_RU / _UK / _EN) so every family page names whom to call',
    );
  app.use('*', async (c, next) => {
    await next();
    // Pages and API answers concern the living and the dead: nothing is cached by intermediaries.
    if (!c.res.headers.get('cache-control')) c.header('cache-control', 'no-store');
  });
  // nosniff, no referrer, same-origin resource and opener policies and the rest of hono's set, on
  // every answer. A header a route set itself is kept (`overwrite: false`): the pages set their
  // strict CSP and Permissions-Policy; anything else (JSON, images, assets) gets a CSP that allows
  // nothing, so an answer opened on its own in a browser cannot run or load anything.
  app.use(
    '*',
    secureHeaders({
      overwrite: false,
      xFrameOptions: 'DENY', // nothing here is meant to be framed (the pages' CSP: frame-ancestors 'none')
      // TLS ends at the reverse proxy, which sets HSTS when the service is on HTTPS; on a plain-HTTP
      // LAN or offline install browsers ignore it, and on localhost it would stick to other apps.
      strictTransportSecurity: false,
      contentSecurityPolicy: {
        defaultSrc: ["'none'"],
        frameAncestors: ["'none'"],
        baseUri: ["'none'"],
        formAction: ["'none'"],
      },
    }),
  );
  app.use('*', negotiateLanguage(deps.defaultLanguage ?? 'en'));
  app.route('/', healthRoutes(deps));
  app.route('/', metricsRoutes(deps));
  if (deps.api) {
    const api = deps.api;
    const v1 = apiRouter();
    const proxies = trustedProxies(api.trustedProxies ?? []);
    const address =
      api.clientAddress ??
      ((c: Context) => clientAddress(socketAddress(c), [c.req.header('x-forwarded-for') ?? ''], proxies));
    // In the database: every process of this installation counts the same attempts (issue 28).
    const throttles = sharedThrottles(api.db);
    const codes = codeThrottles(throttles, api.codeThrottle);
    v1.use(
      '*',
      authenticate(api.db, api.adminToken, {
        signIns: throttles.window('sign-in', api.authThrottle ?? { max: 20, windowMs: 60_000 }),
        codesByAddress: codes.byClient,
        codesByPrefix: codes.byPrefix,
        codesInFlight: inFlightCap(CODES_IN_FLIGHT),
        address,
        counters: api.counters,
      }),
    );
    const uploads = {
      throttle: throttles.window('uploads', api.rateLimit ?? DEFAULT_CASE_RATE),
      ...(api.rateLimit ?? DEFAULT_CASE_RATE),
      key: address,
      inFlight: inFlightCap(UPLOADS_IN_FLIGHT),
    };
    v1.route('/', photoRoutes(api));
    v1.route('/', batchRoutes(api));
    v1.route('/', personRoutes(api));
    v1.route('/', searchRoutes(api, address, uploads));
    v1.route('/', caseRoutes(api, address, uploads));
    v1.route('/', reviewRoutes(api));
    v1.route('/', adminRoutes(api));
    v1.route('/', backupRoutes(api, deps.logger));
    app.route('/api/v1', v1);
  }
  serveOpenApiDocument(app);
  app.route('/', apiDocsRoutes());
  app.route('/', pageRoutes(deps));
  // A program asking the API gets JSON; a person who mistyped an address gets a page they can read.
  app.notFound((c) =>
    c.req.path.startsWith('/api/') || c.req.method !== 'GET'
      ? c.json(errorBody('not_found', `no route for ${c.req.method} ${c.req.path}`), 404)
      : sendPage(c, notFoundPage(pageContext(c), organisationFor(deps.api?.organisation, languageOf(c))), 404),
  );
  app.onError(handleError(deps.logger));
  return app;
}
