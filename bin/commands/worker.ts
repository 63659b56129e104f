import { createLogger } from '../../src/log.ts';
import { CONCURRENCY, readCommandLine, type CommandSpec } from '../args.ts';
import { EXIT, type CommandContext } from '../context.ts';
import { openRuntime } from '../runtime.ts';
import { untilSignal } from '../signals.ts';

const WORKER = {
  name: 'worker',
  description:
    'Runs the photo workers only, no HTTP: start any number of them, on any machines, against one\nPostgreSQL database (DATABASE_URL).',
  options: { concurrency: CONCURRENCY },
  exits: {
    ok: 'stopped by SIGINT or SIGTERM',
    failed: 'could not start (configuration, database, face engine) or broke while running',
  },
} as const satisfies CommandSpec;

export async function run(args: string[], ctx: CommandContext): Promise<number> {
  const cli = readCommandLine(WORKER, args, ctx, (c) => ({ concurrency: c.wholeNumber('concurrency') }));
  if (cli.exit !== undefined) return cli.exit;
  const concurrency = cli.concurrency ?? ctx.config.concurrency;
  const logger = createLogger(ctx.config.logLevel);
  const rt = await openRuntime(ctx.config, logger, {
    workers: true,
    concurrency,
    alone: 'its workers already process this database (`kinfinder worker` is for PostgreSQL deployments)',
  });
  ctx.stderr.write(
    `kinfinder worker: ${concurrency} at a time on the ${rt.db.kind} database (${rt.faces?.backend} backend)\n`,
  );
  try {
    await untilSignal(logger);
  } finally {
    await rt.close();
  }
  return EXIT.ok;
}
