import { loadConfig, type Config } from '../src/config.ts';
import { describeError, isKinfinderError } from '../src/errors.ts';
import { EXIT, type Command } from './context.ts';

const USAGE = `usage: kinfinder <command> [options]

commands:
  serve [--port N]             API, web pages and in-process workers
  worker [--concurrency N]     job workers only (PostgreSQL deployments)
  ingest <path…> [--source S] [--metadata file.csv] [--wait] [--json]
                               queue photos: files, folders, .zip archives
  search <photo…> [--top 20] [--face N] [--json]
                               match one person's reference photo(s) against the gallery
  token create --role R --name N | token revoke ID
                               access tokens (printed once)
  migrate                      apply database migrations
  gc [--dry-run] [--grace-minutes 60] [--json]
                               delete stored photos and crops that nothing references
  embed <photo…> [--json]      faces and embeddings of photos
  eval pairs --images DIR --pairs FILE [--json]
                               verification accuracy on an LFW-style pairs file

configuration comes from the environment (DATABASE_URL, KINFINDER_DATA_DIR, PORT, …); see README.md`;

const COMMANDS: Record<string, () => Promise<Command>> = {
  serve: async () => (await import('./commands/serve.ts')).run,
  migrate: async () => (await import('./commands/migrate.ts')).run,
  gc: async () => (await import('./commands/gc.ts')).run,
  worker: async () => (await import('./commands/worker.ts')).run,
  ingest: async () => (await import('./commands/ingest.ts')).run,
  search: async () => (await import('./commands/search.ts')).run,
  token: async () => (await import('./commands/token.ts')).run,
  embed: async () => (await import('./commands/embed.ts')).run,
  eval: async () => {
    const { run } = await import('./commands/eval.ts');
    return async (args, ctx) => {
      if (args[0] !== 'pairs') {
        ctx.stderr.write('usage: kinfinder eval pairs --images DIR --pairs FILE [--json]\n');
        return EXIT.usage;
      }
      return run(args.slice(1), ctx);
    };
  },
};

export async function main(argv: string[]): Promise<number> {
  const [name, ...args] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(`${USAGE}\n`);
    return name ? EXIT.ok : EXIT.usage;
  }
  const load = COMMANDS[name];
  if (!load) {
    process.stderr.write(`kinfinder: unknown command '${name}'\n\n${USAGE}\n`);
    return EXIT.usage;
  }
  let config: Config;
  try {
    config = loadConfig(process.env);
  } catch (err) {
    process.stderr.write(`kinfinder: ${describeError(err).message}\n`);
    return EXIT.failed;
  }
  try {
    const command = await load();
    return await command(args, { config, stdout: process.stdout, stderr: process.stderr });
  } catch (err) {
    if (isKinfinderError(err)) {
      process.stderr.write(`kinfinder ${name}: ${err.message} (${err.code})\n`);
    } else if ((err as { code?: string }).code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' || (err as { code?: string }).code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') {
      process.stderr.write(`kinfinder ${name}: ${(err as Error).message}\n`);
      return EXIT.usage;
    } else {
      process.stderr.write(`kinfinder ${name}: unexpected failure: ${(err as Error).stack ?? String(err)}\n`);
    }
    return EXIT.failed;
  }
}
