import type { Worker } from 'node:worker_threads';
import { Piscina } from 'piscina';
import { KinfinderError, type ErrorCode } from '../errors.ts';
import { probe } from '../image/index.ts';
import type { ImageFormat, ImageLimits, NormalisedImage } from '../image/types.ts';
import type { PoolTestHooks } from './pool-test-hooks.ts';
import type { Recipe } from './recipe.ts';
import { DEFAULT_TASK_BUDGET, taskBoundMs, type TaskBudget } from './task-budget.ts';
import { TaskLine, type FaceTaskStats } from './task-line.ts';
import { threadCpuMs } from './thread-clock.ts';
import type { AnalyseOptions, BackendChoice, FaceAnalyser, PhotoAnalysis } from './types.ts';

export interface PoolWorkerData {
  limits: ImageLimits;
  backend: BackendChoice;
  manifestPath: string | undefined;
  testHooks?: PoolTestHooks | undefined;
}

/** One task for a worker thread; pixel and byte buffers are transferred, never shared. */
export type PoolTask = { id: number } & (
  | { kind: 'info' }
  | { kind: 'bytes'; bytes: ArrayBuffer; recipes?: Recipe[]; options?: AnalyseOptions }
  | { kind: 'image'; pixels: ArrayBuffer; width: number; height: number; format: ImageFormat; options?: AnalyseOptions }
);
type TaskBody = PoolTask extends infer T ? (T extends PoolTask ? Omit<T, 'id'> : never) : never;

/**
 * The keys of the message a worker thread posts when it begins task `id`:
 * `{ [STARTED]: id, [CLOCK]: where its CPU time is read (thread-clock.ts), if anywhere }`.
 */
export const STARTED = 'kinfinderTaskStarted';
export const CLOCK = 'kinfinderThreadClock';

export type WireError = {
  code: ErrorCode;
  message: string;
  details?: Record<string, unknown> | undefined;
  detail?: string | undefined;
};

/**
 * A worker's answer. Errors travel as data, not as thrown errors: structured cloning keeps an
 * Error's message but drops `code` and `details`, which callers act on.
 */
export type PoolReply =
  | { ok: true; info: { backend: string; modelId: string } }
  | { ok: true; results: PhotoAnalysis[] }
  | { ok: false; error: WireError };

export interface FacePoolOptions {
  size: number;
  limits: ImageLimits;
  backend?: BackendChoice;
  manifestPath?: string;
  log?: (line: string) => void;
  /** What went wrong with a thread or a task (a timeout, a thread failed or replaced); default `log`. */
  warn?: (line: string) => void;
  /** How long a task may hold a thread (task-budget.ts); tests shorten it. */
  budget?: Partial<TaskBudget>;
  /** Log the pool's accounting (`stats()`) this often while tasks are in flight; off when unset. */
  statsEveryMs?: number;
  /** TEST ONLY: make a thread hang or die on a named input (pool-test-hooks.ts). */
  testHooks?: PoolTestHooks;
}

/** A pool of engines, one per worker thread; `analyseRecipes` for evaluation as on the engine. */
export interface FacePool extends FaceAnalyser {
  readonly size: number;
  analyseRecipes(bytes: Uint8Array, recipes: Recipe[], options?: AnalyseOptions): Promise<PhotoAnalysis[]>;
  /** Tasks waiting and running, the age of the oldest, and what has happened since the start. */
  stats(): FaceTaskStats;
}

const WORKER_URL = new URL('./pool-worker.mjs', import.meta.url);

function toError(e: WireError): KinfinderError {
  const details = e.details ?? (e.detail ? { detail: e.detail } : undefined);
  return new KinfinderError(e.code, e.message, details);
}

/** One line of the pool's accounting, for logs. */
export function formatStats(s: FaceTaskStats): string {
  const age = (ms: number | null) => (ms === null ? '-' : `${(ms / 1000).toFixed(1)} s`);
  return (
    `face pool: submitted ${s.submitted}, started ${s.started}, settled ${s.ok + s.failed + s.timedOut} ` +
    `(ok ${s.ok}, failed ${s.failed}, timed out ${s.timedOut}); waiting ${s.waiting}, running ${s.running}, ` +
    `oldest in flight ${age(s.oldestMs)}, oldest running ${age(s.oldestRunningMs)}; threads replaced ${s.threadsReplaced}`
  );
}

/**
 * Start `size` worker threads (piscina), each loading its own engine; resolves when every engine
 * is loaded, and fails (with the engine's own error, e.g. missing model files) if any cannot load.
 *
 * One task at a time per thread: the wasm backend is single-threaded, so a second task on the same
 * engine would only wait. Tasks wait in the pool's own line (task-line.ts), first come first
 * served, never in piscina's queue, which reorders a backlog (issue 32). Each task settles within
 * its bound (task-budget.ts): past it the task fails with `face_engine_timeout` and its thread is
 * stopped; a thread that dies fails its task with `internal`. piscina replaces either thread.
 * Atomics are off: the engine's work is asynchronous (sharp runs on libuv's threads), and
 * piscina's Atomics.wait between tasks would block those callbacks; each task takes far longer
 * than a message round trip, so nothing is lost.
 */
export async function createFacePool(opts: FacePoolOptions): Promise<FacePool> {
  const size = Math.max(1, Math.floor(opts.size));
  const workerData: PoolWorkerData = {
    limits: opts.limits,
    backend: opts.backend ?? 'auto',
    manifestPath: opts.manifestPath,
    testHooks: opts.testHooks,
  };
  const piscina = new Piscina<PoolTask, PoolReply>({
    filename: WORKER_URL.href,
    minThreads: size,
    maxThreads: size,
    concurrentTasksPerWorker: 1,
    atomics: 'disabled',
    // The line keeps piscina's queue empty but while a replaced thread loads; then, too, first in
    // is first out.
    stricterFIFO: true,
    workerData,
  });
  // A thread that fails while idle is reported here (and replaced); without a listener the
  // EventEmitter would throw it at the process.
  const warn = opts.warn ?? opts.log;
  piscina.on('error', (err: unknown) =>
    warn?.(`face pool: a worker thread failed: ${err instanceof Error ? err.message : String(err)}`),
  );
  const pool = new Pool(piscina, size, opts.limits, { ...DEFAULT_TASK_BUDGET, ...opts.budget }, warn);
  // With one task per thread, `size` concurrent tasks occupy every thread, and each answers only
  // once its engine has loaded: so this waits for all of them.
  const started = await Promise.allSettled(Array.from({ length: size }, () => pool.info()));
  const failed = started.find((s) => s.status === 'rejected');
  if (failed) {
    await pool.close();
    throw failed.reason;
  }
  const first = (started[0] as PromiseFulfilledResult<{ backend: string; modelId: string }>).value;
  pool.identify(first.backend, first.modelId);
  opts.log?.(`face pool: ${size} worker thread(s), backend ${first.backend}, model ${first.modelId}`);
  if (opts.statsEveryMs && opts.log) pool.logStatsEvery(opts.statsEveryMs, opts.log);
  return pool;
}

class Pool implements FacePool {
  backend = '';
  modelId = '';
  private closed = false;
  private readonly line: TaskLine;
  private threadsCreated = 0;
  private statsTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly piscina: Piscina<PoolTask, PoolReply>,
    readonly size: number,
    private readonly limits: ImageLimits,
    private readonly budget: TaskBudget,
    warn?: (line: string) => void,
  ) {
    this.line = new TaskLine(size, budget.startupMs, warn, budget.wallFactor);
    piscina.on('message', (m: unknown) => {
      const id = (m as Record<string, unknown> | null)?.[STARTED];
      const clock = (m as Record<string, unknown> | null)?.[CLOCK];
      if (typeof id === 'number')
        this.line.started(id, typeof clock === 'string' ? () => threadCpuMs(clock) : undefined);
    });
    piscina.on('workerCreate', () => {
      // piscina may still start a thread while it is destroyed (a stopped thread's late exit): not a replacement.
      if (this.closed) return;
      if (++this.threadsCreated > size)
        warn?.(`face pool: a worker thread was replaced (${this.threadsCreated - size} so far)`);
    });
  }

  /** The live worker threads (diagnostics and tests; not part of `FacePool`). */
  get threads(): readonly Worker[] {
    return this.piscina.threads;
  }

  identify(backend: string, modelId: string): void {
    this.backend = backend;
    this.modelId = modelId;
  }

  stats(): FaceTaskStats {
    return this.line.stats(Math.max(0, this.threadsCreated - this.size));
  }

  logStatsEvery(ms: number, log: (line: string) => void): void {
    this.statsTimer = setInterval(() => {
      const s = this.stats();
      if (s.waiting + s.running > 0) log(formatStats(s));
    }, ms);
    this.statsTimer.unref();
  }

  async info(): Promise<{ backend: string; modelId: string }> {
    const reply = await this.run({ kind: 'info' }, this.budget.startupMs);
    if (!('info' in reply)) throw new KinfinderError('internal', 'face worker answered an info request without info');
    return reply.info;
  }

  analyse(bytes: Uint8Array, options?: AnalyseOptions): Promise<PhotoAnalysis> {
    const buf = copy(bytes);
    return this.results(
      { kind: 'bytes', bytes: buf, ...(options ? { options } : {}) },
      this.boundOfBytes(buf, 1),
      buf,
    ).then((r) => r[0]!);
  }

  analyseRecipes(bytes: Uint8Array, recipes: Recipe[], options?: AnalyseOptions): Promise<PhotoAnalysis[]> {
    const buf = copy(bytes);
    return this.results(
      { kind: 'bytes', bytes: buf, recipes, ...(options ? { options } : {}) },
      this.boundOfBytes(buf, recipes.length),
      buf,
    );
  }

  analyseImage(img: NormalisedImage, options?: AnalyseOptions): Promise<PhotoAnalysis> {
    // One copy into a buffer of our own, which is then moved (not cloned) to the worker: the
    // caller keeps its pixels to cut crops from.
    const pixels = copy(img.data);
    const task: TaskBody = {
      kind: 'image',
      pixels,
      width: img.width,
      height: img.height,
      format: img.format,
      ...(options ? { options } : {}),
    };
    return this.results(task, taskBoundMs(this.budget, img.width * img.height), pixels).then((r) => r[0]!);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.statsTimer);
    this.line.close(() => new KinfinderError('internal', 'face pool closed'));
    // Terminates the threads; running tasks are rejected (and turned into KinfinderErrors by `run`).
    await this.piscina.destroy();
  }

  /**
   * The bound for a photo's bytes: its size is read from the header only (a photo that cannot be
   * read gets the floor, and its error from the engine). The line awaits it before the buffer is
   * moved to a thread.
   */
  private boundOfBytes(buf: ArrayBuffer, passes: number): Promise<number> {
    return probe(new Uint8Array(buf), this.limits)
      .then(
        (p) => p.width * p.height,
        () => undefined,
      )
      .then((px) => taskBoundMs(this.budget, px, passes));
  }

  private async results(
    task: TaskBody,
    boundMs: number | Promise<number>,
    transfer: ArrayBuffer,
  ): Promise<PhotoAnalysis[]> {
    const reply = await this.run(task, boundMs, transfer);
    if (!('results' in reply)) throw new KinfinderError('internal', 'face worker answered without results');
    return reply.results;
  }

  private async run(
    body: TaskBody,
    boundMs: number | Promise<number>,
    transfer?: ArrayBuffer,
  ): Promise<PoolReply & { ok: true }> {
    if (this.closed) throw new KinfinderError('internal', 'face pool closed');
    const px =
      body.kind === 'image'
        ? `${body.width}×${body.height} px`
        : body.kind === 'bytes'
          ? `${body.bytes.byteLength} bytes`
          : 'engine start';
    const reply = await this.line.submit({
      boundMs,
      describe: px,
      // piscina stops the thread of a task whose signal aborts, and starts another in its place.
      run: (id, signal) =>
        this.piscina
          .run({ ...body, id } as PoolTask, { ...(transfer ? { transferList: [transfer] } : {}), signal })
          .catch((err: unknown) => {
            if (this.closed) throw new KinfinderError('internal', 'face pool closed', undefined, { cause: err });
            // Only the thread itself failing gets here (crash, out of memory): the engine's own
            // errors come back as replies. (A timed-out task has been answered by the line already.)
            const why = err instanceof Error ? err.message : String(err);
            throw new KinfinderError('internal', `face worker stopped (${why})`, undefined, { cause: err });
          }),
    });
    if (!reply.ok) throw toError(reply.error);
    return reply;
  }
}

function copy(bytes: Uint8Array): ArrayBuffer {
  const buf = new ArrayBuffer(bytes.byteLength);
  new Uint8Array(buf).set(bytes);
  return buf;
}
