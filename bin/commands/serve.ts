import { parseArgs } from 'node:util';
import { serve } from '@hono/node-server';
import { createApp } from '../../api/app.ts';
import { createLogger } from '../../src/log.ts';
import { schemaVersion } from '../../src/store/migrate.ts';
import { EXIT, type CommandContext } from '../context.ts';
import { openRuntime } from '../runtime.ts';
import { untilSignal } from '../signals.ts';

export async function run(args: string[], ctx: CommandContext): Promise<number> {
  const { values } = parseArgs({
    args,
    options: { port: { type: 'string' }, host: { type: 'string' }, concurrency: { type: 'string' } },
  });
  const port = values.port === undefined ? ctx.config.port : Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    ctx.stderr.write('kinfinder serve: --port must be a whole number from 0 to 65535\n');
    return EXIT.usage;
  }
  const concurrency = values.concurrency === undefined ? ctx.config.concurrency : Number(values.concurrency);
  if (!Number.isInteger(concurrency) || concurrency < 1) {
    ctx.stderr.write('kinfinder serve: --concurrency must be a whole number ≥ 1\n');
    return EXIT.usage;
  }
  const host = values.host ?? ctx.config.host;
  const logger = createLogger(ctx.config.logLevel);
  const rt = await openRuntime(ctx.config, logger, { workers: true, concurrency });
  try {
    const faces = rt.faces;
    if (!faces) throw new Error('serve needs the face engine');
    const app = createApp({
      db: rt.db,
      logger,
      faceInfo: () => ({ backend: faces.backend, modelId: faces.modelId }),
      metrics: { token: ctx.config.metricsToken, open: isLoopback(host) },
      api: {
        db: rt.db,
        blobs: rt.blobs,
        faces,
        manifest: rt.manifest,
        limits: rt.limits,
        queue: rt.queue,
        confirmations: ctx.config.confirmations,
        counters: rt.counters,
        adminToken: ctx.config.adminToken,
      },
    });
    const server = serve({ fetch: app.fetch, port, hostname: host });
    await new Promise<void>((resolve, reject) => {
      server.once('listening', resolve);
      server.once('error', reject);
    });
    // With --port 0 the system picks the port: report the one actually bound.
    const bound = (server.address() as { port?: number } | null)?.port ?? port;
    logger.info({ port: bound, host, database: rt.db.kind, schemaVersion: await schemaVersion(rt.db) }, 'kinfinder listening');
    ctx.stderr.write(`kinfinder serving on http://${host}:${bound} (${rt.db.kind} database, ${faces.backend} face backend)\n`);
    await untilSignal(logger);
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      // Idle keep-alive sockets would otherwise hold close() open.
      (server as unknown as { closeIdleConnections?: () => void }).closeIdleConnections?.();
    });
    return EXIT.ok;
  } finally {
    await rt.close();
    logger.info('stopped');
  }
}

/** A listening address only this machine can reach. */
function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\./.test(host);
}
