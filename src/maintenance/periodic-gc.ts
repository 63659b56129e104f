import { JOBS } from '../access/principal.ts';
import type { Logger } from '../log.ts';
import type { BlobStore } from '../store/blobs.ts';
import type { Database } from '../store/database.ts';
import { repeat } from '../repeat.ts';
import { collectGarbage } from './gc.ts';

/** How often a worker collects unreferenced blobs, and how old a blob must be to go. */
export const GC_INTERVAL_MS = 6 * 3600_000;
/**
 * When a worker first collects after it starts: soon (issue 28, finding 3: a worker restarted
 * more often than every 6 hours never collected at all), yet after its engines have loaded and
 * its first jobs have started, and not once per start in a crash loop of a few seconds.
 */
export const GC_FIRST_RUN_MS = 60_000;
/** Twice the longest job timeout config allows (1 h): a running job's blobs are never taken. */
export const GC_GRACE_MS = 2 * 3600_000;

/**
 * `kinfinder gc` on a timer in every worker process (issue 16: files left by a crash between a
 * blob and its row, or by a family's deleted case, must not stay for ever). Several workers may
 * collect at once: deleting what nothing references is the same whoever does it. The first run
 * comes GC_FIRST_RUN_MS after the start, then one every interval.
 */
export function startPeriodicGc(
  deps: { db: Database; blobs: BlobStore; logger: Logger },
  opts: { intervalMs?: number; firstRunMs?: number; graceMs?: number } = {},
): { stop(): Promise<void> } {
  return repeat(
    async () => {
      const r = await collectGarbage(deps, JOBS, { dryRun: false, graceMs: opts.graceMs ?? GC_GRACE_MS });
      if (r.deleted > 0) deps.logger.info({ deleted: r.deleted, bytes: r.bytes }, 'unreferenced blobs collected');
    },
    opts.intervalMs ?? GC_INTERVAL_MS,
    {
      firstAfterMs: opts.firstRunMs ?? GC_FIRST_RUN_MS,
      onError: (err) => deps.logger.warn({ err }, 'blob collection failed; will try again'),
    },
  );
}
