import { PassThrough, Readable } from 'node:stream';
import { startBackup } from '../../src/maintenance/backup.ts';
import type { Logger } from '../../src/log.ts';
import { callerOf } from '../auth.ts';
import type { ApiDeps } from '../deps.ts';
import { apiRouter, declareRoute } from '../openapi.ts';

/**
 * `GET /api/v1/backup`: the archive of `kinfinder backup`, made by the running server — the
 * only process that may open its embedded database — and streamed as it is written.
 */
export function backupRoutes(api: ApiDeps, logger: Logger) {
  const app = apiRouter();
  app.openapi(
    declareRoute(
      {
        method: 'get',
        path: '/backup',
        tags: ['admin'],
        summary: 'A backup of the embedded database and every stored photo, as one tar archive',
        responses: {
          200: {
            description: 'the archive (kinfinder restore FILE reads it)',
            content: { 'application/x-tar': { schema: { type: 'string', format: 'binary' } } },
          },
        },
      },
      {
        access: { action: 'backup.create', note: 'Embedded database only; on PostgreSQL use pg_dump.' },
        errors: ['invalid_input'],
      },
    ),
    async (c) => {
      // Refusals happen here, as ordinary error answers; a failure once bytes flow aborts the
      // download, which `kinfinder backup` reports (keeping nothing half-written).
      const backup = await startBackup({ db: api.db, blobs: api.blobs }, callerOf(c));
      const out = new PassThrough();
      backup.write(out).catch((err: unknown) => {
        logger.error({ err }, 'backup failed mid-stream');
        out.destroy(err as Error);
      });
      return c.body(Readable.toWeb(out) as ReadableStream, 200, {
        'content-type': 'application/x-tar',
        'content-disposition': 'attachment; filename="kinfinder-backup.tar"',
      });
    },
  );
  return app;
}
