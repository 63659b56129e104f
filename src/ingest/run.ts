import { authorize } from '../access/policy.ts';
import type { Caller } from '../access/principal.ts';
import { describeError, isKinfinderError } from '../errors.ts';
import { getPhotosByIds, statusCounts } from '../store/photos.ts';
import { whileUnavailable } from '../store/unavailable.ts';
import type { Category } from '../vocabulary.ts';
import { createBatch, recordRefusal } from './batches.ts';
import { collectInputs } from './collect.ts';
import { enqueuePhoto, type EnqueueDeps } from './enqueue.ts';
import { MetadataMatcher, type PhotoMetadata } from './metadata-csv.ts';
import type { IngestSummary } from './summary.ts';

export interface IngestRunInput {
  paths: string[];
  source?: string | undefined;
  /** Rows of `--metadata file.csv`, matched to the inputs by path (metadata-csv.ts). */
  metadata?: Map<string, PhotoMetadata> | undefined;
  /** `--category`: every file's, unless its metadata CSV row names another. */
  category?: Category | undefined;
  /** Wait until every new photo is processed (and those an interrupted run left unfinished). */
  wait: boolean;
}

/** What a run reports while it goes; the command line decides how often to show it. */
export interface IngestRunEvents {
  reading?(counts: { files: number; new: number; duplicates: number; refused: number }): void;
  /** While waiting: `finished` is true once, at the end. */
  progress?(counts: {
    total: number;
    done: number;
    failed: number;
    faces: number;
    elapsedSeconds: number;
    finished: boolean;
  }): void;
  /** Nothing finished after a while: is anyone processing? (Only asked when others do the work.) */
  idle?(): void;
  /** The database is unreachable: the run waits (backing off) and resumes when it is back. */
  unavailable?(err: unknown, attempt: number): void;
}

export interface IngestRunDeps extends EnqueueDeps {
  /** True when other processes (workers) do the processing, false when this one does. */
  remoteWorkers: boolean;
  pollMs?: number;
  now?: () => number;
}

const IDLE_WARNING_MS = 10_000;
const MAX_BACKOFF_MS = 5_000;

/**
 * A whole ingest run (the command line's `ingest`): reads files, folders and zip archives,
 * queues every acceptable photo (each with its audit row), and with `wait` follows them until
 * processed. The summary counts every input and lists each refusal with its code, and what in
 * the metadata CSV matched no file or more than one.
 */
export async function runIngest(
  deps: IngestRunDeps,
  caller: Caller,
  input: IngestRunInput,
  events: IngestRunEvents = {},
): Promise<Required<Omit<IngestSummary, 'metadata'>> & Pick<IngestSummary, 'metadata'>> {
  authorize(caller, 'photos.upload');
  // The whole run is one batch: `GET /batches/:id` answers for it later, failures included.
  const batch = await whileUnavailable(
    () => createBatch(deps, caller, { channel: 'cli', source: input.source, category: input.category }),
    { maxMs: MAX_BACKOFF_MS, onWait: events.unavailable },
  );
  const now = deps.now ?? Date.now;
  // Workers start on the first photo queued, while inputs are still being read: the rate counts
  // from here, or the photos done during reading would look done in no time.
  const startedAt = now();
  const summary = {
    batchId: batch.id,
    photos: 0,
    done: 0,
    failed: 0,
    duplicates: 0,
    faces: 0,
    queued: 0,
    errors: [] as IngestSummary['errors'],
    files: [] as IngestSummary['files'],
  };
  const matcher = input.metadata ? new MetadataMatcher(input.metadata) : undefined;
  const newIds: string[] = [];
  // Known photos still unfinished (a crash, a stopped server) are waited for too, so re-running
  // an interrupted `ingest --wait` finishes the job.
  const unfinished: string[] = [];
  const limits = { maxFileBytes: deps.limits.maxBytes, maxZipEntries: 100_000, maxZipTotalBytes: 50 * 1024 ** 3 };
  for await (const item of collectInputs(input.paths, limits)) {
    summary.photos++;
    events.reading?.({
      files: summary.photos,
      new: newIds.length,
      duplicates: summary.duplicates,
      refused: summary.failed,
    });
    if ('error' in item) {
      await refuse(item.name, item.error);
      continue;
    }
    try {
      const { category, personRef, event, ...metadata } = matcher?.match(item.name) ?? {};
      // A database outage pauses the run (each photo is one transaction: a failed one left nothing).
      const p = await whileUnavailable(
        () =>
          enqueuePhoto(deps, caller, {
            name: item.name,
            bytes: item.bytes,
            source: input.source,
            metadata: metadata as Record<string, unknown>,
            category: category ?? input.category,
            batchId: batch.id,
            personRef,
            event,
          }),
        { maxMs: MAX_BACKOFF_MS, onWait: events.unavailable },
      );
      if (!p.duplicateOf) newIds.push(p.id);
      else {
        summary.duplicates++;
        summary.files.push({ file: item.name, status: 'duplicate', photoId: p.id });
        if (p.status === 'queued' || p.status === 'processing') unfinished.push(p.id);
      }
    } catch (err) {
      if (!isKinfinderError(err)) throw err;
      await refuse(item.name, describeError(err));
    }
  }

  async function refuse(file: string, error: { code: string; message: string }): Promise<void> {
    summary.failed++;
    summary.errors.push({ file, ...error });
    summary.files.push({ file, status: 'failed', code: error.code });
    await whileUnavailable(() => recordRefusal(deps.db, batch.id, file, error), {
      maxMs: MAX_BACKOFF_MS,
      onWait: events.unavailable,
    });
  }

  if (input.wait && newIds.length + unfinished.length > 0) {
    await waitFor(deps, [...new Set([...newIds, ...unfinished])], startedAt, events);
    for (const c of await whileUnavailable(() => statusCounts(deps.db, newIds), {
      maxMs: MAX_BACKOFF_MS,
      onWait: events.unavailable,
    })) {
      if (c.status === 'done') summary.done += c.n;
      if (c.status === 'failed') summary.failed += c.n;
      summary.faces += c.faces;
    }
    // Failures found by the workers (damaged files that looked like images) join the list.
    for (const p of await whileUnavailable(() => getPhotosByIds(deps.db, newIds), {
      maxMs: MAX_BACKOFF_MS,
      onWait: events.unavailable,
    })) {
      if (p.status === 'failed' && p.error) {
        summary.errors.push({ file: p.originalName ?? p.id, ...p.error });
        summary.files.push({ file: p.originalName ?? p.id, status: 'failed', code: p.error.code });
      }
    }
  } else if (!input.wait) {
    summary.queued = newIds.length;
  }
  const metadata = matcher && { unmatched: matcher.unmatched(), ambiguous: matcher.ambiguous() };
  return { ...summary, ...(metadata && (metadata.unmatched.length || metadata.ambiguous.length) ? { metadata } : {}) };
}

async function waitFor(deps: IngestRunDeps, ids: string[], startedAt: number, events: IngestRunEvents): Promise<void> {
  const now = deps.now ?? Date.now;
  const waitStarted = now();
  let warned = false;
  for (;;) {
    // Waiting survives an outage: the photos are processed once the database is back.
    const counts = await whileUnavailable(() => statusCounts(deps.db, ids), {
      maxMs: MAX_BACKOFF_MS,
      onWait: events.unavailable,
    });
    const by = (s: string) => counts.filter((c) => c.status === s).reduce((a, c) => a + c.n, 0);
    const done = by('done');
    const failed = by('failed');
    const finished = done + failed >= ids.length;
    events.progress?.({
      total: ids.length,
      done,
      failed,
      faces: counts.reduce((a, c) => a + c.faces, 0),
      elapsedSeconds: (now() - startedAt) / 1000,
      finished,
    });
    if (finished) return;
    if (deps.remoteWorkers && !warned && now() - waitStarted > IDLE_WARNING_MS && done + failed === 0) {
      events.idle?.();
      warned = true;
    }
    await new Promise((r) => setTimeout(r, deps.pollMs ?? 500));
  }
}
