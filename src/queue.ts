import PgBoss from 'pg-boss';
import { isKinfinderError, KinfinderError } from './errors.ts';
import type { Logger } from './log.ts';
import { payloadSchemas, RETRY, type Payload, type QueueName } from './jobs.ts';
import type { Database, Queryable } from './store/database.ts';
import { unfinishedJobs } from './store/job-counts.ts';
import { backoffMs, isDatabaseUnavailable, whileUnavailable } from './store/unavailable.ts';

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
  work<Q extends QueueName>(
    name: Q,
    opts: { concurrency: number },
    fn: (payload: Payload<Q>, ctx: JobContext) => Promise<unknown>,
  ): Promise<void>;
  /** Jobs not yet finished (created, retry or active) per queue. */
  pending(): Promise<Record<string, number>>;
  stop(): Promise<void>;
}

const QUEUE_START_LOCK_KEY = 7_245_186_332;

const POLL_MS = 500;
const MAX_BACKOFF_MS = 10_000;
const STOP_TIMEOUT_MS = 30_000;

/** What pg-boss's fetch returns with includeMetadata. */
interface FetchedJob<T> {
  id: string;
  data: T;
  retryCount: number;
  retryLimit: number;
  expireInSeconds: number;
}

/** Like pg-boss's own worker: an attempt that outlives its expiry counts as failed (the handler runs on). */
function withinSeconds<T>(p: Promise<T>, seconds: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new KinfinderError('internal', `job attempt exceeded ${seconds} s`)),
      seconds * 1000,
    );
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

/**
 * Jobs are fetched, run and finished by our own loops, not pg-boss's `work()`: pg-boss 10 calls
 * complete()/fail() without awaiting them, so a database outage while a job runs became an
 * unhandled rejection that killed every process (issue 16). Here every call to the database is
 * awaited, failures are retried with back-off, and nothing escapes.
 */
export async function openQueue(db: Database, opts: QueueOptions): Promise<JobQueue> {
  const direct = executor(db);
  let unavailableSeen = 0;
  const boss = new PgBoss({
    db: {
      async executeSql(text: string, values?: unknown[]) {
        try {
          return await direct.executeSql(text, values);
        } catch (err) {
          if (isDatabaseUnavailable(err)) unavailableSeen++;
          throw err;
        }
      },
    } as unknown as PgBoss.Db,
    schema: opts.schema ?? 'pgboss',
    expireInSeconds: opts.expireInSeconds,
    maintenanceIntervalSeconds: opts.maintenanceIntervalSeconds ?? 60,
    // Nothing here uses cron schedules; skipping them saves a poller per process.
    schedule: false,
    // Finished jobs are history we keep in our own tables; pg-boss's copies can go after a week.
    deleteAfterDays: 7,
  });
  // pg-boss's maintenance and monitoring report their failures (an outage among them) here; an
  // EventEmitter's 'error' without a listener would throw.
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

  // Stopping wakes every waiting loop at once, and clears its timer: a pending timer would hold
  // a finished command's process open.
  let stopping = false;
  const waiting = new Set<() => void>();
  const pause = (ms: number) =>
    new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        waiting.delete(done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      waiting.add(done);
    });
  const wake = () => {
    for (const done of [...waiting]) done();
  };
  const loops: Promise<void>[] = [];

  /** One worker: fetch a job, run it, record its end; back off while the database is unreachable. */
  async function loop<Q extends QueueName>(
    name: Q,
    fn: (payload: Payload<Q>, ctx: JobContext) => Promise<unknown>,
  ): Promise<void> {
    let outage = 0;
    while (!stopping) {
      const before = unavailableSeen;
      // pg-boss's fetch swallows its SQL errors and answers "no jobs": the executor's count says
      // whether that was an empty queue or an unreachable database.
      const jobs = await boss.fetch<Payload<Q>>(name, { batchSize: 1, includeMetadata: true }).catch((err: unknown) => {
        opts.logger.error({ err, queue: name }, 'job fetch failed');
        return [];
      });
      if (stopping) break;
      if (unavailableSeen !== before) {
        if (outage === 0) opts.logger.warn({ queue: name }, 'database unreachable: worker waiting to reconnect');
        await pause(backoffMs(outage++, { initialMs: POLL_MS, maxMs: MAX_BACKOFF_MS }));
        continue;
      }
      if (outage > 0) {
        opts.logger.info({ queue: name, retries: outage }, 'database reachable again: worker resumed');
        outage = 0;
      }
      if (jobs.length === 0) {
        await pause(POLL_MS);
        continue;
      }
      for (const job of jobs) await runJob(name, job as unknown as FetchedJob<Payload<Q>>, fn);
    }
  }

  async function runJob<Q extends QueueName>(
    name: Q,
    job: FetchedJob<Payload<Q>>,
    fn: (payload: Payload<Q>, ctx: JobContext) => Promise<unknown>,
  ): Promise<void> {
    let settle: () => Promise<unknown>;
    const parsed = payloadSchemas[name].safeParse(job.data);
    if (!parsed.success) {
      // A malformed payload will never succeed: finish it rather than retry it.
      opts.logger.error({ queue: name, jobId: job.id }, 'malformed job payload');
      settle = () =>
        boss.complete(name, job.id, { status: 'failed', code: 'invalid_input', message: 'malformed job payload' });
    } else {
      try {
        const result = await withinSeconds(
          fn(parsed.data as Payload<Q>, {
            jobId: job.id,
            retryCount: job.retryCount,
            lastAttempt: job.retryCount >= job.retryLimit,
          }),
          job.expireInSeconds,
        );
        settle = () => boss.complete(name, job.id, result as object);
      } catch (err) {
        // Only the code and our own message are kept with the job: the queue's tables are read
        // by operators, and a driver's message can quote the data it choked on.
        const data = isKinfinderError(err)
          ? { code: err.code, message: err.message }
          : { code: 'internal', message: 'job attempt failed' };
        settle = () => boss.fail(name, job.id, data);
      }
    }
    // The database may be down right now (that is often why the job failed): record the end once
    // it is back. Given up only when stopping; the job then stays active until its expiry, when
    // the queue retries it and the handler finds the work done.
    await whileUnavailable(settle, {
      initialMs: POLL_MS,
      maxMs: MAX_BACKOFF_MS,
      signal: {
        get stopped() {
          return stopping;
        },
      },
      onWait: (_err, attempt) => {
        if (attempt === 0)
          opts.logger.warn(
            { queue: name, jobId: job.id },
            'database unreachable: job end will be recorded on reconnection',
          );
      },
    }).catch((err: unknown) =>
      opts.logger.error(
        { err, queue: name, jobId: job.id },
        'could not record the end of a job; it is retried after its timeout',
      ),
    );
  }

  return {
    async send(name, payload, sendOpts) {
      const data = payloadSchemas[name].parse(payload);
      return boss.send(name, data, sendOpts?.tx ? { db: executor(sendOpts.tx) as unknown as PgBoss.Db } : {});
    },
    async work(name, workOpts, fn) {
      // N loops of one job each give N in flight.
      for (let i = 0; i < workOpts.concurrency; i++) loops.push(loop(name, fn));
    },
    pending: () => unfinishedJobs(db, schema),
    async stop() {
      stopping = true;
      wake();
      // Jobs in flight finish (their handlers cannot be interrupted); pg-boss's expiry covers the rest.
      const drained = Promise.all(loops).then(wake);
      await Promise.race([drained, pause(STOP_TIMEOUT_MS)]);
      wake();
      await boss.stop({ graceful: true, wait: true, timeout: STOP_TIMEOUT_MS });
    },
  };
}
