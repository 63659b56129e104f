import { parseArgs } from 'node:util';
import { serve } from '@hono/node-server';
import { createApp } from '../../api/app.ts';
import { createLogger } from '../../src/log.ts';
import { migrate } from '../../src/store/migrate.ts';
import { openDatabase } from '../../src/store/open.ts';
import { EXIT, type CommandContext } from '../context.ts';

export async function run(args: string[], ctx: CommandContext): Promise<number> {
  const { values } = parseArgs({ args, options: { port: { type: 'string' }, host: { type: 'string' } } });
  const port = values.port === undefined ? ctx.config.port : Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    ctx.stderr.write(`kinfinder serve: --port must be a whole number from 0 to 65535\n`);
    return EXIT.usage;
  }
  const host = values.host ?? ctx.config.host;
  const logger = createLogger(ctx.config.logLevel);
  const db = await openDatabase(ctx.config);
  let closing = false;
  try {
    const { version } = await migrate(db);
    const app = createApp({ db, logger });
    const server = serve({ fetch: app.fetch, port, hostname: host });
    await new Promise<void>((resolve, reject) => {
      server.once('listening', resolve);
      server.once('error', reject);
    });
    logger.info({ port, host, database: db.kind, schemaVersion: version }, 'kinfinder listening');
    ctx.stderr.write(`kinfinder serving on http://${host}:${port} (${db.kind} database)\n`);

    await new Promise<void>((resolve) => {
      const stop = (signal: NodeJS.Signals) => {
        if (closing) {
          // A second Ctrl-C means "now": the embedded store may need recovery on next open.
          process.exit(130);
        }
        closing = true;
        logger.info({ signal }, 'shutting down');
        server.close(() => resolve());
        // Idle keep-alive sockets would hold close() open indefinitely.
        (server as unknown as { closeIdleConnections?: () => void }).closeIdleConnections?.();
      };
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });
    return EXIT.ok;
  } finally {
    await db.close();
    logger.info('database closed');
  }
}
