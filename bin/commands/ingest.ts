import fs from 'node:fs/promises';
import { CLI } from '../../src/access/principal.ts';
import { displaySafe } from '../../src/display.ts';
import { isKinfinderError } from '../../src/errors.ts';
import { parseMetadataCsv, type PhotoMetadata } from '../../src/ingest/metadata-csv.ts';
import { checkCsvSize } from '../../src/ingest/metadata-csv-thread.ts';
import { formatProgress } from '../../src/ingest/progress.ts';
import { runIngest } from '../../src/ingest/run.ts';
import { createLogger } from '../../src/log.ts';
import { CATEGORIES } from '../../src/vocabulary.ts';
import { CONCURRENCY, pathProblem, readCommandLine, runFailed, unreachablePaths, type CommandSpec } from '../args.ts';
import { EXIT, type CommandContext } from '../context.ts';
import { openRuntime } from '../runtime.ts';

const INGEST = {
  name: 'ingest',
  description:
    'Queues photos for the gallery: files, folders (walked recursively) and .zip archives.\n' +
    'Duplicates (the same bytes under any name) are reported and not processed again; files that are\n' +
    'not usable photos are listed in the summary with a code. With --wait on the embedded database,\n' +
    'this process does the work itself (while `serve` holds it, the server does); on PostgreSQL,\n' +
    '`kinfinder worker` or `serve` does.',
  args: { label: '<path…>', help: 'photo files, folders and .zip archives (at least one)', min: 1 },
  options: {
    source: { type: 'string', value: 'NAME', help: 'where the photos come from, stored with each photo' },
    metadata: {
      type: 'string',
      value: 'FILE',
      help: 'CSV: file, captured_at, location, notes, names, category (README.md)',
    },
    category: {
      type: 'string',
      value: CATEGORIES.join('|'),
      help: "what the photos show (a CSV row's category wins for its file)",
      default: 'unknown',
    },
    wait: { type: 'boolean', help: 'show progress until every photo is processed, then the summary' },
    json: { type: 'boolean', help: 'print the summary as one JSON line' },
    concurrency: { ...CONCURRENCY, help: 'photos processed at once (--wait, embedded database)' },
  },
  exits: {
    ok: 'the run finished, even if some files were refused (they are listed in the summary)',
    failed: 'none of the paths given exists, the --metadata file cannot be read, or the run broke',
  },
} as const satisfies CommandSpec;

export async function run(args: string[], ctx: CommandContext): Promise<number> {
  const cli = readCommandLine(INGEST, args, ctx, (c) => ({
    concurrency: c.wholeNumber('concurrency'),
    category: c.oneOf('category', CATEGORIES),
  }));
  if (cli.exit !== undefined) return cli.exit;
  const { values, positionals } = cli;
  const concurrency = cli.concurrency ?? ctx.config.concurrency;
  const missing = await unreachablePaths(positionals);
  if (missing.length === positionals.length) return runFailed(INGEST, ctx, ...missing);
  let metadata: Map<string, PhotoMetadata> | undefined;
  if (values.metadata) {
    try {
      checkCsvSize((await fs.stat(values.metadata)).size, ctx.config.maxCsvBytes);
      metadata = parseMetadataCsv(await fs.readFile(values.metadata, 'utf8'));
    } catch (err) {
      return runFailed(INGEST, ctx, `${values.metadata}: ${isKinfinderError(err) ? err.message : pathProblem(err)}`);
    }
  }

  const logger = createLogger(ctx.config.logLevel === 'info' ? 'warn' : ctx.config.logLevel);
  // Embedded database + --wait: nobody else can be processing (the store is locked to us), so
  // this process does the work itself, on every core. While `serve` holds it, the server's
  // workers do, and this run waits for them as it would for a PostgreSQL installation's.
  const inProcess = values.wait && !ctx.config.databaseUrl;
  const rt = await openRuntime(ctx.config, logger, { workers: inProcess ? 'unless-served' : false, concurrency });
  const tty = Boolean((ctx.stderr as NodeJS.WriteStream).isTTY);
  const say = throttled(tty ? 250 : 5000);
  let summary;
  try {
    summary = await runIngest(
      { ...rt, remoteWorkers: Boolean(ctx.config.databaseUrl) || rt.served },
      CLI,
      { paths: positionals, source: values.source, metadata, category: cli.category, wait: values.wait },
      values.wait
        ? {
            // Reading and hashing a big folder takes a while before the first photo is done: say so.
            reading: (n) =>
              say(() =>
                line(
                  `reading inputs: ${n.files} files, ${n.new} new, ${n.duplicates} duplicates, ${n.refused} refused`,
                ),
              ),
            progress: (p) => (p.finished ? line(formatProgress(p), true) : say(() => line(formatProgress(p)))),
            idle: () =>
              ctx.stderr.write(
                'no photo finished yet: is a `kinfinder worker` (or `serve`) running against this database?\n',
              ),
            unavailable: (_err, attempt) =>
              void (attempt === 0 && ctx.stderr.write('database unreachable: waiting for it to come back\n')),
          }
        : {},
    );
  } finally {
    await rt.close();
  }

  if (values.json) {
    const { queued, ...rest } = summary;
    ctx.stdout.write(`${JSON.stringify(values.wait ? rest : { ...rest, queued })}\n`);
  } else {
    ctx.stdout.write(
      `batch ${summary.batchId}: ${summary.photos} files: ${summary.done} done, ${summary.failed} failed, ` +
        `${summary.duplicates} duplicates, ${summary.faces} faces` +
        (summary.queued
          ? `, ${summary.queued} queued (processed by \`kinfinder serve\` or \`kinfinder worker\`)`
          : '') +
        '\n',
    );
    for (const e of summary.errors) ctx.stdout.write(`  ${displaySafe(e.file)}: ${e.message} (${e.code})\n`);
    for (const u of summary.metadata?.unmatched ?? [])
      ctx.stdout.write(`  metadata row ${displaySafe(u)}: matched no file\n`);
    for (const a of summary.metadata?.ambiguous ?? [])
      ctx.stdout.write(
        `  metadata row ${displaySafe(a.file)}: matched ${a.items.length} files (give a longer path in the CSV)\n`,
      );
  }
  return EXIT.ok;

  /** A progress line: overwritten in place on a terminal, one per line in a log. */
  function line(text: string, last = false): void {
    ctx.stderr.write(tty ? `\r${text}${last ? '\n' : ''}` : `${text}\n`);
  }
}

/** Runs `show` at most once per `ms`. */
function throttled(ms: number): (show: () => void) => void {
  let last = Date.now();
  return (show) => {
    if (Date.now() - last < ms) return;
    last = Date.now();
    show();
  };
}
