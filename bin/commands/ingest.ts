import fs from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { CLI } from '../../src/access/principal.ts';
import { isKinfinderError } from '../../src/errors.ts';
import { parseMetadataCsv, type PhotoMetadata } from '../../src/ingest/metadata-csv.ts';
import { formatProgress } from '../../src/ingest/progress.ts';
import { runIngest } from '../../src/ingest/run.ts';
import { createLogger } from '../../src/log.ts';
import { EXIT, type CommandContext } from '../context.ts';
import { openRuntime } from '../runtime.ts';

const USAGE = 'usage: kinfinder ingest <path…> [--source NAME] [--metadata file.csv] [--wait] [--json]';

export async function run(args: string[], ctx: CommandContext): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      source: { type: 'string' },
      metadata: { type: 'string' },
      wait: { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
      concurrency: { type: 'string' },
    },
  });
  if (positionals.length === 0) {
    ctx.stderr.write(`${USAGE}\n`);
    return EXIT.usage;
  }
  const concurrency = values.concurrency === undefined ? ctx.config.concurrency : Number(values.concurrency);
  if (!Number.isInteger(concurrency) || concurrency < 1) {
    ctx.stderr.write('kinfinder ingest: --concurrency must be a whole number ≥ 1\n');
    return EXIT.usage;
  }
  let metadata: Map<string, PhotoMetadata> | undefined;
  if (values.metadata) {
    try {
      metadata = parseMetadataCsv(await fs.readFile(values.metadata, 'utf8'));
    } catch (err) {
      ctx.stderr.write(`kinfinder ingest: ${values.metadata}: ${isKinfinderError(err) ? err.message : (err as Error).message}\n`);
      return EXIT.usage;
    }
  }

  const logger = createLogger(ctx.config.logLevel === 'info' ? 'warn' : ctx.config.logLevel);
  // Embedded database + --wait: nobody else can be processing (the store is locked to us), so
  // this process does the work itself, on every core.
  const inProcess = values.wait && !ctx.config.databaseUrl;
  const rt = await openRuntime(ctx.config, logger, { workers: inProcess, concurrency });
  const tty = Boolean((ctx.stderr as NodeJS.WriteStream).isTTY);
  const say = throttled(tty ? 250 : 5000);
  let summary;
  try {
    summary = await runIngest(
      { ...rt, remoteWorkers: Boolean(ctx.config.databaseUrl) },
      CLI,
      { paths: positionals, source: values.source, metadata, wait: values.wait },
      values.wait
        ? {
            // Reading and hashing a big folder takes a while before the first photo is done: say so.
            reading: (n) => say(() => line(`reading inputs: ${n.files} files, ${n.new} new, ${n.duplicates} duplicates, ${n.refused} refused`)),
            progress: (p) => (p.finished ? line(formatProgress(p), true) : say(() => line(formatProgress(p)))),
            idle: () => ctx.stderr.write('no photo finished yet: is a `kinfinder worker` (or `serve`) running against this database?\n'),
            unavailable: (_err, attempt) => void (attempt === 0 && ctx.stderr.write('database unreachable: waiting for it to come back\n')),
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
      `${summary.photos} files: ${summary.done} done, ${summary.failed} failed, ${summary.duplicates} duplicates, ${summary.faces} faces` +
        (summary.queued ? `, ${summary.queued} queued (processed by \`kinfinder serve\` or \`kinfinder worker\`)` : '') +
        '\n',
    );
    for (const e of summary.errors) ctx.stdout.write(`  ${e.file}: ${e.message} (${e.code})\n`);
    for (const u of summary.metadata?.unmatched ?? []) ctx.stdout.write(`  metadata row ${u}: matched no file\n`);
    for (const a of summary.metadata?.ambiguous ?? []) ctx.stdout.write(`  metadata row ${a.file}: matched ${a.items.length} files (give a longer path in the CSV)\n`);
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
