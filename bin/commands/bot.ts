import { createLogger } from '../../src/log.ts';
import { readCommandLine, type CommandSpec } from '../args.ts';
import { EXIT, type CommandContext } from '../context.ts';
import { openRuntime } from '../runtime.ts';
import { untilSignal } from '../signals.ts';
import { requireTelegram, startTelegramBot } from '../telegram.ts';

const BOT = {
  name: 'bot',
  description:
    'Runs the Telegram bot (DESIGN §20): families open a case, ask how it stands (/status), delete it\n' +
    'and ask to be told here when there is news. KINFINDER_TELEGRAM_TOKEN is the token BotFather gave;\n' +
    "KINFINDER_TELEGRAM_API_ROOT another Bot API server's address (a local one). Long polling: no\n" +
    'public address is needed. On PostgreSQL it runs beside serve; on the embedded database, which one\n' +
    'process holds, use `serve --bot` instead. Notices are sent by the workers (serve or worker).',
  options: {},
  exits: {
    ok: 'stopped by SIGINT or SIGTERM',
    failed: 'could not start (no token, configuration, database, face engine) or broke while running',
  },
} as const satisfies CommandSpec;

export async function run(args: string[], ctx: CommandContext): Promise<number> {
  const cli = readCommandLine(BOT, args, ctx, () => ({}));
  if (cli.exit !== undefined) return cli.exit;
  const config = ctx.config;
  requireTelegram(config);
  const logger = createLogger(config.logLevel);
  // The face engine runs here: a family's photos are looked at while they wait, as on the page.
  const rt = await openRuntime(config, logger, { workers: false, faces: true });
  try {
    const bot = await startTelegramBot(config, rt, logger);
    ctx.stderr.write(`kinfinder bot: @${bot.username} on the ${rt.db.kind} database\n`);
    await Promise.race([untilSignal(logger), bot.stopped]);
    await bot.stop();
  } finally {
    await rt.close();
  }
  return EXIT.ok;
}
