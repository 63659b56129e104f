import { languagesWithoutContact } from '../../src/i18n/organisation.ts';
import { schemaVersion } from '../../src/store/migrate.ts';
import { countOnOlderModel } from '../../src/store/reembed.ts';
import type { AppDeps } from '../deps.ts';
import { apiRouter, declareRoute } from '../openapi.ts';
import { Health } from '../schemas.ts';

export function healthRoutes(deps: AppDeps) {
  const app = apiRouter();
  const health = { content: { 'application/json': { schema: Health } } };
  // What an operator should fix, though the service runs: no contact for families in some language.
  const warnings = deps.api && languagesWithoutContact(deps.api.organisation).length > 0 ? ['no_contact'] : [];
  app.openapi(
    declareRoute(
      {
        method: 'get',
        path: '/healthz',
        tags: ['service'],
        summary: 'Liveness and readiness: the database and the face engine in use',
        responses: {
          200: { description: 'ready', ...health },
          503: { description: 'the database cannot be reached', ...health },
        },
      },
      { access: 'public' },
    ),
    async (c) => {
      const face = deps.faceInfo?.() ?? null;
      try {
        const version = await schemaVersion(deps.db);
        // After a model change: how many photos `kinfinder reembed` still has to move (they match nothing until then).
        const archive =
          face && version !== null && version >= 7
            ? { photosOnOlderModel: await countOnOlderModel(deps.db, face.modelId) }
            : undefined;
        return c.json(
          {
            status: 'ok' as const,
            database: { kind: deps.db.kind, schemaVersion: version },
            face,
            ...(archive ? { archive } : {}),
            warnings,
          },
          200,
        );
      } catch (err) {
        deps.logger.error({ err }, 'health check: database unreachable');
        return c.json(
          { status: 'unavailable' as const, database: { kind: deps.db.kind, schemaVersion: null }, face, warnings },
          503,
        );
      }
    },
  );
  return app;
}
