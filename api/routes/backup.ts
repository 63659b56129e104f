import { PassThrough, Readable } from 'node:stream';
import { z } from '@hono/zod-openapi';
import { authorize } from '../../src/access/policy.ts';
import { writeBackup } from '../../src/maintenance/backup.ts';
import { callerOf } from '../auth.ts';
import type { ApiDeps } from '../deps.ts';
import { apiRouter, declareRoute } from '../openapi.ts';

/**
 * GET /backup: the running embedded installation writes its own backup (the CLI's `backup`
 * asks for it while `serve` holds the database). Streamed: the files are never all in memory.
 */
export function backupRoutes(api: ApiDeps) {
  const app = apiRouter();
  app.openapi(
    declareRoute(
      {
        method: 'get',
        path: '/backup',
        tags: ['admin'],
        summary: 'A backup archive of the embedded database and the blob store (kinfinder backup)',
        responses: { 200: { description: 'tar archive', content: { 'application/x-tar': { schema: z.string() } } } },
      },
      { access: { action: 'backup.create' }, errors: ['invalid_config'] },
    ),
    async (c) => {
      const caller = callerOf(c);
      authorize(caller, 'backup.create');
      const out = new PassThrough();
      // A failure half-way breaks the stream, so the client never takes a cut archive for whole.
      writeBackup(api, caller, out).catch((err: unknown) => out.destroy(err instanceof Error ? err : new Error(String(err))));
      return new Response(Readable.toWeb(out) as ReadableStream, {
        status: 200,
        headers: { 'content-type': 'application/x-tar', 'content-disposition': 'attachment; filename="kinfinder-backup.tar"' },
      });
    },
  );
  return app;
}
