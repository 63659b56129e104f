import { QUEUES, RETRY } from '../jobs.ts';
import type { Logger } from '../log.ts';
import type { JobQueue } from '../queue.ts';
import type { Database } from '../store/database.ts';
import { repeat } from '../repeat.ts';
import { requeueExpiredLeases } from '../store/photos.ts';

/**
 * Leases on photos in processing. A worker renews its photo's lease every HEARTBEAT_MS; a photo
 * whose lease is LEASE_SECONDS old belonged to a process that died, and the sweep (at worker
 * start, then every SWEEP_MS) queues it again. Without this such a photo waited for the queue's
 * job timeout (minutes) and `ingest --wait` with it. Worst case from crash to re-queue:
 * LEASE_SECONDS + SWEEP_MS, under a minute.
 */
export const HEARTBEAT_MS = 10_000;
export const LEASE_SECONDS = 30;
export const SWEEP_MS = 15_000;

/** Every attempt the queue would have made: a photo interrupted that often is failed, not retried again. */
const MAX_ATTEMPTS = RETRY[QUEUES.photoIngest].retryLimit + 1;

export interface SweepDeps {
  db: Database;
  queue: JobQueue;
  logger: Logger;
}

/** One sweep: photos whose lease expired are queued again, in one transaction with their jobs. */
export async function sweepExpiredLeases(
  deps: SweepDeps,
  opts: { leaseSeconds?: number } = {},
): Promise<{ requeued: string[]; failed: string[] }> {
  const r = await deps.db.transaction(async (tx) => {
    const found = await requeueExpiredLeases(tx, {
      leaseSeconds: opts.leaseSeconds ?? LEASE_SECONDS,
      maxAttempts: MAX_ATTEMPTS,
    });
    for (const photoId of found.requeued) await deps.queue.send(QUEUES.photoIngest, { photoId }, { tx });
    return found;
  });
  if (r.requeued.length > 0)
    deps.logger.warn({ photos: r.requeued.length }, 'photos left processing by a stopped worker queued again');
  if (r.failed.length > 0)
    deps.logger.error({ photos: r.failed.length }, 'photos interrupted on every attempt marked failed');
  return r;
}

/** Sweeps now and every SWEEP_MS until stopped; a failed sweep (database down) is logged and tried again. */
export function startLeaseSweeper(deps: SweepDeps, intervalMs = SWEEP_MS): { stop(): Promise<void> } {
  return repeat(() => sweepExpiredLeases(deps), intervalMs, {
    now: true,
    onError: (err) => deps.logger.warn({ err }, 'lease sweep failed; will retry'),
  });
}
