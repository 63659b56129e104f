import { announceCommands, createBot } from '../bot/app.ts';
import type { Config } from '../src/config.ts';
import { KinfinderError } from '../src/errors.ts';
import type { Logger } from '../src/log.ts';
import type { Runtime } from './runtime.ts';

/**
 * Starts the Telegram bot over an open runtime (its database, blobs and face engine), polling
 * Telegram until stopped: for `kinfinder bot`, and for `serve --bot` on the embedded database,
 * which only one process may hold.
 */
export async function startTelegramBot(
  config: Config,
  rt: Runtime,
  logger: Logger,
): Promise<{ username: string; stop(): Promise<void>; stopped: Promise<void> }> {
  const telegram = requireTelegram(config);
  if (!rt.faces) throw new Error('the bot needs the face engine');
  const bot = createBot(
    {
      db: rt.db,
      blobs: rt.blobs,
      faces: rt.faces,
      manifest: rt.manifest,
      limits: rt.limits,
      logger,
      defaultLanguage: config.defaultLanguage,
      caseRate: { max: config.casesPerHour, windowMs: 60 * 60 * 1000 },
      organisation: config.organisation,
    },
    telegram,
  );
  await bot.init();
  await announceCommands(bot);
  const stopped = bot.start();
  logger.info({ bot: bot.botInfo.username }, 'telegram bot polling');
  return {
    username: bot.botInfo.username,
    stopped,
    async stop() {
      await bot.stop();
      await stopped.catch(() => undefined);
    },
  };
}

/** The bot's settings, or the configuration error that names the missing one (asked before anything starts). */
export function requireTelegram(config: Config): NonNullable<Config['telegram']> {
  if (!config.telegram)
    throw new KinfinderError('invalid_config', 'invalid configuration: KINFINDER_TELEGRAM_TOKEN: needed by the bot', {
      problems: ['KINFINDER_TELEGRAM_TOKEN: missing'],
    });
  return config.telegram;
}
