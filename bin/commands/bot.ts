import { announceCommands, createBot } from '../../bot/app.ts';
import { KinfinderError } from '../../src/errors.ts';
import { createLogger } from '../../src/log.ts';
import { readCommandLine, type CommandSpec } from '../args.ts';
import { EXIT, type CommandContext } from '../context.ts';
import { limitsOf, openRuntime } from '../runtime.ts';
import { untilSignal } from '../signals.ts';

const BOT = {
  name: 'bot',
  description:
    'Runs the Telegram bot (DESIGN §20): families open a case, ask how it stands (/status), delete it\n' +
    'and ask to be told here when there is news. KINFINDER_TELEGRAM_TOKEN is the token BotFather gave;\n' +
    "KINFINDER_TELEGRAM_API_ROOT another Bot API server's address (a local one). Long polling: no\n" +
    'public address is needed. Notices are sent by the workers (serve or worker), not by this command.',
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
  if (!config.telegram)
    throw new KinfinderError(
      'invalid_config',
      'invalid configuration: KINFINDER_TELEGRAM_TOKEN: required by `kinfinder bot`',
      { problems: ['KINFINDER_TELEGRAM_TOKEN: missing'] },
    );
  const logger = createLogger(config.logLevel);
  // The face engine runs here: a family's photos are looked at while they wait, as on the page.
  const rt = await openRuntime(config, logger, { workers: false, faces: true });
  try {
    const bot = createBot(
      {
        db: rt.db,
        blobs: rt.blobs,
        faces: rt.faces!,
        manifest: rt.manifest,
        limits: limitsOf(config),
        logger,
        defaultLanguage: config.defaultLanguage,
        caseRate: { max: config.casesPerHour, windowMs: 60 * 60 * 1000 },
        organisation: { name: config.orgName, contact: config.contact },
      },
      config.telegram,
    );
    await bot.init();
    await announceCommands(bot);
    ctx.stderr.write(`kinfinder bot: @${bot.botInfo.username} on the ${rt.db.kind} database\n`);
    const polling = bot.start({ drop_pending_updates: false });
    await Promise.race([untilSignal(logger), polling]);
    await bot.stop();
  } finally {
    await rt.close();
  }
  return EXIT.ok;
}
