import fs from 'node:fs/promises';
import { describeError, isKinfinderError } from '../../src/errors.ts';
import { collectInputs } from '../../src/ingest/collect.ts';
import { metadataFor, parseMetadataCsv, type PhotoMetadata } from '../../src/ingest/metadata-csv.ts';
import { formatProgress } from '../../src/ingest/progress.ts';
import { enqueuePhoto } from '../../src/ingest/service.ts';
import { createLogger } from '../../src/log.ts';
import { getPhotosByIds, statusCounts } from '../../src/store/photos.ts';
import type { IngestSummary } from '../../src/ingest/summary.ts';
import { CONCURRENCY, pathProblem, readCommandLine, runFailed, unreachablePaths, type CommandSpec } from '../args.ts';
import { EXIT, type CommandContext } from '../context.ts';
import { openRuntime } from '../runtime.ts';

const INGEST = {
  name: 'ingest',
  description: 'Queues photos for the gallery: files, folders (walked recursively) and .zip archives.\nDuplicates (the same bytes under any name) are reported and not processed again; files that are\nnot usable photos are listed in the summary with a code. With --wait on the embedded database,\nthis process does the work itself; on PostgreSQL, `kinfinder worker` or `serve` does.',
  args: { label: '<path…>', help: 'photo files, folders and .zip archives (at least one)', min: 1 },
  options: {
    source: { type: 'string', value: 'NAME', help: 'where the photos come from, stored with each photo' },
    metadata: { type: 'string', value: 'FILE', help: 'CSV: file, captured_at, location, notes, names (README.md)' },
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
  const cli = readCommandLine(INGEST, args, ctx, (c) => ({ concurrency: c.wholeNumber('concurrency') }));
  if (cli.exit !== undefined) return cli.exit;
  const { values, positionals } = cli;
  const concurrency = cli.concurrency ?? ctx.config.concurrency;
  const missing = await unreachablePaths(positionals);
  if (missing.length === positionals.length) return runFailed(INGEST, ctx, ...missing);
  let metadata: Map<string, PhotoMetadata> | undefined;
  if (values.metadata) {
    try {
      metadata = parseMetadataCsv(await fs.readFile(values.metadata, 'utf8'));
    } catch (err) {
      return runFailed(INGEST, ctx, `${values.metadata}: ${isKinfinderError(err) ? err.message : pathProblem(err)}`);
    }
  }

  const logger = createLogger(ctx.config.logLevel === 'info' ? 'warn' : ctx.config.logLevel);
  // Embedded database + --wait: nobody else can be processing (the store is locked to us), so
  // this process does the work itself, on every core.
  const inProcess = values.wait && !ctx.config.databaseUrl;
  const rt = await openRuntime(ctx.config, logger, { workers: inProcess, concurrency });
  // Workers start on the first photo queued, while inputs are still being read: the rate counts
  // from here, or the photos done during reading would look done in no time.
  const startedAt = Date.now();
  const summary: Required<IngestSummary> = { photos: 0, done: 0, failed: 0, duplicates: 0, faces: 0, queued: 0, errors: [] };
  const newIds: string[] = [];
  // Known photos still unfinished (a crash, a stopped server) are waited for too, so re-running
  // an interrupted `ingest --wait` finishes the job.
  const unfinishedDuplicates: string[] = [];
  try {
    const limits = { maxFileBytes: rt.limits.maxBytes, maxZipEntries: 100_000, maxZipTotalBytes: 50 * 1024 ** 3 };
    const tty = Boolean((ctx.stderr as NodeJS.WriteStream).isTTY);
    let lastReport = Date.now();
    for await (const item of collectInputs(positionals, limits)) {
      summary.photos++;
      // Reading and hashing a big folder takes a while before the first photo is done: say so.
      if (values.wait && Date.now() - lastReport > (tty ? 250 : 5000)) {
        const line = `reading inputs: ${summary.photos} files, ${newIds.length} new, ${summary.duplicates} duplicates, ${summary.failed} refused`;
        ctx.stderr.write(tty ? `\r${line}` : `${line}\n`);
        lastReport = Date.now();
      }
      if ('error' in item) {
        summary.failed++;
        summary.errors.push({ file: item.name, ...item.error });
        continue;
      }
      try {
        const p = await enqueuePhoto(rt, { name: item.name, bytes: item.bytes, source: values.source, metadata: metadata ? (metadataFor(metadata, item.name) as Record<string, unknown> | undefined) : undefined });
        if (!p.duplicateOf) newIds.push(p.id);
        else {
          summary.duplicates++;
          if (p.status === 'queued' || p.status === 'processing') unfinishedDuplicates.push(p.id);
        }
      } catch (err) {
        if (!isKinfinderError(err)) throw err;
        summary.failed++;
        summary.errors.push({ file: item.name, ...describeError(err) });
      }
    }

    if (values.wait && tty) ctx.stderr.write('\n');
    if (values.wait && newIds.length + unfinishedDuplicates.length > 0) {
      await waitForPhotos(rt.db, [...new Set([...newIds, ...unfinishedDuplicates])], ctx, Boolean(ctx.config.databaseUrl), startedAt);
      const counts = await statusCounts(rt.db, newIds);
      for (const c of counts) {
        if (c.status === 'done') summary.done += c.n;
        if (c.status === 'failed') summary.failed += c.n;
        summary.faces += c.faces;
      }
    } else {
      summary.queued = newIds.length;
    }
    // Failures found by the workers (damaged files that looked like images) join the list.
    if (values.wait) {
      for (const p of await getPhotosByIds(rt.db, newIds)) {
        if (p.status === 'failed' && p.error) summary.errors.push({ file: p.originalName ?? p.id, ...p.error });
      }
    }
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
  }
  return EXIT.ok;
}

async function waitForPhotos(db: Parameters<typeof statusCounts>[0], ids: string[], ctx: CommandContext, remote: boolean, started: number): Promise<void> {
  const waitStarted = Date.now();
  const tty = Boolean((ctx.stderr as NodeJS.WriteStream).isTTY);
  let lastLine = 0;
  let announcedWaiting = false;
  for (;;) {
    const counts = await statusCounts(db, ids);
    const by = (s: string) => counts.filter((c) => c.status === s).reduce((a, c) => a + c.n, 0);
    const done = by('done');
    const failed = by('failed');
    const faces = counts.reduce((a, c) => a + c.faces, 0);
    const elapsedSeconds = (Date.now() - started) / 1000;
    const line = formatProgress({ total: ids.length, done, failed, faces, elapsedSeconds });
    const finished = done + failed >= ids.length;
    if (tty) ctx.stderr.write(`\r${line}${finished ? '\n' : ''}`);
    else if (finished || Date.now() - lastLine > 5000) {
      ctx.stderr.write(`${line}\n`);
      lastLine = Date.now();
    }
    if (remote && !announcedWaiting && Date.now() - waitStarted > 10_000 && done + failed === 0) {
      ctx.stderr.write('no photo finished yet: is a `kinfinder worker` (or `serve`) running against this database?\n');
      announcedWaiting = true;
    }
    if (finished) return;
    await new Promise((r) => setTimeout(r, 500));
  }
}
