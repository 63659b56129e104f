import { Hono } from 'hono';
import type { AppDeps } from './deps.ts';
import { errorBody, handleError } from './errors.ts';
import { healthRoutes } from './routes/health.ts';

export type { AppDeps } from './deps.ts';

export function createApp(deps: AppDeps): Hono {
  const app = new Hono();
  app.route('/', healthRoutes(deps));
  app.notFound((c) => c.json(errorBody('not_found', `no route for ${c.req.method} ${c.req.path}`), 404));
  app.onError(handleError(deps.logger));
  return app;
}
