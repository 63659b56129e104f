import { Hono } from 'hono';
import { schemaVersion } from '../../src/store/migrate.ts';
import type { AppDeps } from '../deps.ts';

export function healthRoutes(deps: AppDeps): Hono {
  const app = new Hono();
  app.get('/healthz', async (c) => {
    const face = deps.faceInfo?.() ?? null;
    try {
      const version = await schemaVersion(deps.db);
      return c.json({ status: 'ok', database: { kind: deps.db.kind, schemaVersion: version }, face });
    } catch (err) {
      deps.logger.error({ err }, 'health check: database unreachable');
      return c.json({ status: 'unavailable', database: { kind: deps.db.kind, schemaVersion: null }, face }, 503);
    }
  });
  return app;
}
