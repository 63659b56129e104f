import { Hono, type Context } from 'hono';
import { getConnInfo } from '@hono/node-server/conninfo';
import { authenticate, type Env } from './auth.ts';
import { authThrottle } from './auth-throttle.ts';
import type { AppDeps } from './deps.ts';
import { errorBody, handleError } from './errors.ts';
import { openApiDocument } from './openapi.ts';
import { pageRoutes } from './pages/index.ts';
import { adminRoutes } from './routes/admin.ts';
import { healthRoutes } from './routes/health.ts';
import { metricsRoutes } from './routes/metrics.ts';
import { photoRoutes } from './routes/photos.ts';
import { reviewRoutes } from './routes/review.ts';
import { searchRoutes } from './routes/searches.ts';

export type { AppDeps } from './deps.ts';

function socketAddress(c: Context): string {
  try {
    return getConnInfo(c).remote.address ?? 'unknown';
  } catch {
    // app.request() in tests has no socket
    return 'local';
  }
}

export function createApp(deps: AppDeps): Hono<Env> {
  const app = new Hono<Env>();
  app.use('*', async (c, next) => {
    await next();
    // Pages and API answers concern the living and the dead: nothing is cached by intermediaries.
    c.header('x-content-type-options', 'nosniff');
    if (!c.res.headers.get('cache-control')) c.header('cache-control', 'no-store');
  });
  app.route('/', healthRoutes(deps));
  app.route('/', metricsRoutes(deps));
  app.get('/api/v1/openapi.json', (c) => c.json(openApiDocument()));
  if (deps.api) {
    const api = deps.api;
    const v1 = new Hono<Env>();
    const address = api.clientAddress ?? socketAddress;
    v1.use('*', authenticate(api.db, api.adminToken, { throttle: authThrottle(api.authThrottle ?? { max: 20, windowMs: 60_000 }), address, counters: api.counters }));
    v1.route('/', photoRoutes(api));
    v1.route('/', searchRoutes(api, address));
    v1.route('/', reviewRoutes(api));
    v1.route('/', adminRoutes(api));
    app.route('/api/v1', v1);
  }
  app.route('/', pageRoutes(deps));
  app.notFound((c) => c.json(errorBody('not_found', `no route for ${c.req.method} ${c.req.path}`), 404));
  app.onError(handleError(deps.logger));
  return app;
}
