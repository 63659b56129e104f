import { announceServer } from '../server-address.ts';
import { serve } from '@hono/node-server';
import { createApp } from '../../api/app.ts';
import { JOBS } from '../../src/access/principal.ts';
import { createLogger } from '../../src/log.ts';
import { reembed } from '../../src/maintenance/reembed.ts';
import { serveChannel } from '../../src/store/channel-server.ts';
import { schemaVersion } from '../../src/store/migrate.ts';
import { CONCURRENCY, readCommandLine, type CommandSpec } from '../args.ts';
import { EXIT, type CommandContext } from '../context.ts';
import { openRuntime } from '../runtime.ts';
import { untilSignal } from '../signals.ts';
import { requireTelegram, startTelegramBot } from '../telegram.ts';

const SERVE = {
  name: 'serve',
  description:
    'Serves the HTTP API and the web pages, and runs the photo workers in the same process\n(on the embedded database unless DATABASE_URL is set).',
  options: {
    port: {
      type: 'string',
      value: 'N',
      help: 'TCP port to listen on, 0 = any free port',
      defaultText: 'PORT, else 3000',
    },
    host: {
      type: 'string',
      value: 'HOST',
      help: 'address to listen on',
      defaultText: 'KINFINDER_HOST, else 127.0.0.1',
    },
    concurrency: CONCURRENCY,
    reembed: {
      type: 'boolean',
      help: 'after start-up, move photos embedded with an older model to the current one (kinfinder reembed)',
    },
    bot: {
      type: 'boolean',
      help: 'run the Telegram bot in this process too (KINFINDER_TELEGRAM_TOKEN; as kinfinder bot)',
    },
  },
  exits: {
    ok: 'stopped by SIGINT or SIGTERM',
    failed: 'could not start (configuration, database, port in use) or broke while running',
  },
} as const satisfies CommandSpec;

export async function run(args: string[], ctx: CommandContext): Promise<number> {
  const cli = readCommandLine(SERVE, args, ctx, (c) => ({
    port: c.wholeNumber('port', { min: 0, max: 65535 }),
    concurrency: c.wholeNumber('concurrency'),
  }));
  if (cli.exit !== undefined) return cli.exit;
  const port = cli.port ?? ctx.config.port;
  const concurrency = cli.concurrency ?? ctx.config.concurrency;
  const host = cli.values.host ?? ctx.config.host;
  if (cli.values.bot) requireTelegram(ctx.config);
  const logger = createLogger(ctx.config.logLevel);
  const rt = await openRuntime(ctx.config, logger, {
    workers: true,
    concurrency,
    alone: 'stop it first, or serve another KINFINDER_DATA_DIR',
  });
  try {
    const faces = rt.faces;
    if (!faces) throw new Error('serve needs the face engine');
    const app = createApp({
      db: rt.db,
      logger,
      faceInfo: () => ({ backend: faces.backend, modelId: faces.modelId, recogniser: ctx.config.recogniser }),
      ...(rt.faceTasks ? { faceTasks: rt.faceTasks } : {}),
      metrics: { token: ctx.config.metricsToken, open: isLoopback(host) },
      defaultLanguage: ctx.config.defaultLanguage,
      api: {
        db: rt.db,
        blobs: rt.blobs,
        faces,
        manifest: rt.manifest,
        limits: rt.limits,
        queue: rt.queue,
        confirmations: ctx.config.confirmations,
        maxCsvBytes: ctx.config.maxCsvBytes,
        rejections: ctx.config.rejections,
        queueFpir: ctx.config.queueFpir,
        maxLeases: ctx.config.maxLeases,
        counters: rt.counters,
        adminToken: ctx.config.adminToken,
        rateLimit: { max: ctx.config.casesPerHour, windowMs: 60 * 60 * 1000 },
        maxAnonUploadBytes: ctx.config.maxAnonUploadBytes,
        trustedProxies: ctx.config.trustedProxies,
        organisation: ctx.config.organisation,
      },
    });
    const server = serve({ fetch: app.fetch, port, hostname: host });
    await new Promise<void>((resolve, reject) => {
      server.once('listening', resolve);
      server.once('error', reject);
    });
    // With --port 0 the system picks the port: report the one actually bound.
    const bound = (server.address() as { port?: number } | null)?.port ?? port;
    logger.info(
      { port: bound, host, database: rt.db.kind, schemaVersion: await schemaVersion(rt.db) },
      'kinfinder listening',
    );
    ctx.stderr.write(
      `kinfinder serving on http://${host}:${bound} (${rt.db.kind} database, ${faces.backend} face backend)\n`,
    );
    // Re-embedding beside the service: the engines are shared fairly with uploads and searches.
    const stopReembed = new AbortController();
    const reembedding = cli.values.reembed
      ? reembed({ ...rt, faces, logger }, JOBS, {
          concurrency,
          signal: stopReembed.signal,
          onProgress: (p) => void ((p.done + p.failed) % 100 === 0 && logger.info(p, 're-embedding')),
        })
          .then((r) => logger.info(r, 're-embedding finished'))
          .catch((err: unknown) => logger.error({ err }, 're-embedding stopped'))
      : Promise.resolve();
    // The embedded database is this process's alone: other commands on this machine use it
    // through the local channel (DESIGN §18). On PostgreSQL they use the database directly.
    // Without it (no loopback to listen on) the service runs on, and commands say the database is held.
    const channel = ctx.config.databaseUrl
      ? undefined
      : await serveChannel(rt.db, {
          onError: (err) => logger.error({ err }, 'local channel transaction failed'),
        }).catch((err: unknown) => {
          logger.warn({ err }, 'local channel not opened: commands cannot use the database while this server runs');
          return undefined;
        });
    const unannounce = ctx.config.databaseUrl
      ? () => undefined
      : announceServer(ctx.config.dataDir, host, bound, channel && { ...channel, schema: ctx.config.dbSchema });
    // The bot in this process (`--bot`): on the embedded database, one process for everything.
    const bot = cli.values.bot ? await startTelegramBot(ctx.config, rt, logger) : undefined;
    if (bot) ctx.stderr.write(`kinfinder bot: @${bot.username}\n`);
    try {
      await untilSignal(logger);
    } finally {
      unannounce();
      await bot?.stop();
      await channel?.close();
      stopReembed.abort();
      await reembedding;
    }
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
