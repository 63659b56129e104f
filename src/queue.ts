import PgBoss from 'pg-boss';
import type { Logger } from './log.ts';
import { payloadSchemas, RETRY, type Payload, type QueueName } from './jobs.ts';
import type { Database, Queryable } from './store/database.ts';
import { unfinishedJobs } from './store/job-counts.ts';

/** pg-boss's executor over our Queryable: parameterless calls may hold several statements. */
function executor(q: Queryable) {
  return {
    executeSql(text: string, values?: unknown[]) {
      return values && values.length > 0 ? q.query(text, values) : q.exec(text);
    },
  };
}

export interface QueueOptions {
  /** Postgres schema pg-boss keeps its tables in (tests give each run its own). */
  schema?: string;
  /** How long one attempt may run before pg-boss counts it as failed and retries it. */
  expireInSeconds: number;
  /** How often expired attempts (a worker that died) are found and retried. */
  maintenanceIntervalSeconds?: number;
  logger: Logger;
}

export interface JobContext {
  jobId: string;
  /** 0 on the first attempt. */
  retryCount: number;
  /** True when a thrown error will not be retried: the handler must record the failure. */
  lastAttempt: boolean;
}

export interface JobQueue {
  /** Enqueues a job; given `tx`, the job exists exactly when that transaction commits. */
  send<Q extends QueueName>(name: Q, payload: Payload<Q>, opts?: { tx?: Queryable }): Promise<string | null>;
  work<Q extends QueueName>(name: Q, opts: { concurrency: number }, fn: (payload: Payload<Q>, ctx: JobContext) => Promise<unknown>): Promise<void>;
  /** Jobs not yet finished (created, retry or active) per queue. */
  pending(): Promise<Record<string, number>>;
  stop(): Promise<void>;
}

const QUEUE_START_LOCK_KEY = 7_245_186_332;

export async function openQueue(db: Database, opts: QueueOptions): Promise<JobQueue> {
  const boss = new PgBoss({
    db: executor(db) as unknown as PgBoss.Db,
    schema: opts.schema ?? 'pgboss',
    expireInSeconds: opts.expireInSeconds,
    maintenanceIntervalSeconds: opts.maintenanceIntervalSeconds ?? 60,
    // Nothing here uses cron schedules; skipping them saves a poller per process.
    schedule: false,
    // Finished jobs are history we keep in our own tables; pg-boss's copies can go after a week.
    deleteAfterDays: 7,
  });
  boss.on('error', (err: Error) => opts.logger.error({ err }, 'job queue error'));
  // pg-boss installs its schema on first start; concurrent first starts race on it (its own
  // lock is taken inside the installing transaction, see Database.exclusively), so starting is
  // serialised across processes.
  try {
    await db.exclusively(QUEUE_START_LOCK_KEY, async () => {
      await boss.start();
      for (const name of Object.keys(RETRY) as QueueName[]) {
        if (!(await boss.getQueue(name))) await boss.createQueue(name, { name, ...RETRY[name] });
      }
    });
  } catch (err) {
    // A half-started boss keeps timers (and the process) alive.
    await boss.stop({ graceful: false, wait: true }).catch(() => undefined);
    throw err;
  }
  const schema = opts.schema ?? 'pgboss';

  return {
    async send(name, payload, sendOpts) {
      const data = payloadSchemas[name].parse(payload);
      return boss.send(name, data, sendOpts?.tx ? { db: executor(sendOpts.tx) as unknown as PgBoss.Db } : {});
    },
    async work(name, workOpts, fn) {
      // pg-boss 10 runs one batch at a time per worker: N single-job workers give N in flight.
      for (let i = 0; i < workOpts.concurrency; i++) {
        await boss.work<Payload<typeof name>>(
          name,
          { batchSize: 1, pollingIntervalSeconds: 0.5, includeMetadata: true },
          async (jobs) => {
            const results = [];
            for (const job of jobs) {
              const parsed = payloadSchemas[name].safeParse(job.data);
              if (!parsed.success) {
                // A malformed payload will never succeed: finish it rather than retry it.
                opts.logger.error({ queue: name, jobId: job.id }, 'malformed job payload');
                results.push({ status: 'failed', code: 'invalid_input', message: 'malformed job payload' });
                continue;
              }
              results.push(
                await fn(parsed.data as Payload<typeof name>, {
                  jobId: job.id,
                  retryCount: job.retryCount,
                  lastAttempt: job.retryCount >= job.retryLimit,
                }),
              );
            }
            return results.length === 1 ? results[0] : results;
          },
        );
      }
    },
    pending: () => unfinishedJobs(db, schema),
    async stop() {
      await boss.stop({ graceful: true, wait: true, timeout: 30_000 });
    },
  };
}
