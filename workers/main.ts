import { QUEUES, type JobOutcome, type QueueName } from '../src/jobs.ts';
import { startLeaseSweeper } from '../src/ingest/lease.ts';
import { startPeriodicGc } from '../src/maintenance/periodic-gc.ts';
import type { JobContext } from '../src/queue.ts';
import { handleFacesMatch, type FacesMatchDeps } from './faces-match.ts';
import { handleNoticeSend, type NoticeSendDeps } from './notice-send.ts';
import { handlePhotoIngest, type PhotoIngestDeps } from './photo-ingest.ts';

export type WorkerDeps = PhotoIngestDeps & FacesMatchDeps & NoticeSendDeps;

type Runner = (payload: never, deps: WorkerDeps, ctx: JobContext) => Promise<JobOutcome>;

/** Every queue's handler. Start-up refuses a queue without one: its jobs would pile up unseen. */
const HANDLERS: Record<QueueName, Runner> = {
  [QUEUES.photoIngest]: (payload, deps, ctx) => handlePhotoIngest(payload, deps, ctx),
  [QUEUES.facesMatch]: (payload, deps) => handleFacesMatch(payload, deps),
  [QUEUES.noticeSend]: (payload, deps) => handleNoticeSend(payload, deps),
};

function assertEveryQueueHandled(handlers: Partial<Record<QueueName, Runner>> = HANDLERS): void {
  const missing = Object.values(QUEUES).filter((q) => !handlers[q]);
  if (missing.length > 0) throw new Error(`no handler for queue(s): ${missing.join(', ')}`);
}

/**
 * Registers the handlers on the queue and starts the sweep of expired photo leases and the
 * periodic blob collection (stop them before the queue). `concurrency` photos are processed at once; the face
 * engine pool behind `deps.faces` should have as many threads.
 */
export async function startWorkers(
  deps: WorkerDeps,
  opts: { concurrency: number },
): Promise<{ stop(): Promise<void> }> {
  assertEveryQueueHandled();
  for (const name of Object.values(QUEUES)) {
    const run = HANDLERS[name];
    await deps.queue.work(
      name,
      { concurrency: name === QUEUES.photoIngest ? opts.concurrency : 1 },
      async (payload, ctx) => {
        const outcome = await run(payload as never, deps, ctx);
        deps.logger.debug({ queue: name, jobId: ctx.jobId, outcome: outcome.status }, 'job finished');
        return outcome;
      },
    );
  }
  // Photos a dead worker left in processing are queued again (src/ingest/lease.ts), and blobs
  // nothing refers to are collected now and then (src/maintenance/periodic-gc.ts).
  const timers = [startLeaseSweeper(deps), startPeriodicGc(deps)];
  return { stop: async () => void (await Promise.all(timers.map((t) => t.stop()))) };
}
