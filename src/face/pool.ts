import type { Worker } from 'node:worker_threads';
import { Piscina } from 'piscina';
import { KinfinderError, type ErrorCode } from '../errors.ts';
import type { ImageFormat, ImageLimits, NormalisedImage } from '../image/types.ts';
import type { Recipe } from './recipe.ts';
import type { AnalyseOptions, BackendChoice, FaceAnalyser, PhotoAnalysis } from './types.ts';

export interface PoolWorkerData {
  limits: ImageLimits;
  backend: BackendChoice;
  manifestPath: string | undefined;
}

/** One task for a worker thread; pixel and byte buffers are transferred, never shared. */
export type PoolTask =
  | { kind: 'info' }
  | { kind: 'bytes'; bytes: ArrayBuffer; recipes?: Recipe[]; options?: AnalyseOptions }
  | {
      kind: 'image';
      pixels: ArrayBuffer;
      width: number;
      height: number;
      format: ImageFormat;
      options?: AnalyseOptions;
    };

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
}

/** A pool of engines, one per worker thread; `analyseRecipes` for evaluation as on the engine. */
export interface FacePool extends FaceAnalyser {
  readonly size: number;
  analyseRecipes(bytes: Uint8Array, recipes: Recipe[], options?: AnalyseOptions): Promise<PhotoAnalysis[]>;
}

const WORKER_URL = new URL('./pool-worker.mjs', import.meta.url);

function toError(e: WireError): KinfinderError {
  const details = e.details ?? (e.detail ? { detail: e.detail } : undefined);
  return new KinfinderError(e.code, e.message, details);
}

/**
 * Start `size` worker threads (piscina), each loading its own engine; resolves when every engine
 * is loaded, and fails (with the engine's own error, e.g. missing model files) if any cannot load.
 *
 * One task at a time per thread: the wasm backend is single-threaded, so a second task on the same
 * engine would only wait. A thread that dies is replaced by piscina; its task fails with
 * `internal`. Atomics are off: the engine's work is asynchronous (sharp runs on libuv's threads),
 * and piscina's Atomics.wait between tasks would block those callbacks; each task takes far longer
 * than a message round trip, so nothing is lost.
 */
export async function createFacePool(opts: FacePoolOptions): Promise<FacePool> {
  const size = Math.max(1, Math.floor(opts.size));
  const workerData: PoolWorkerData = {
    limits: opts.limits,
    backend: opts.backend ?? 'auto',
    manifestPath: opts.manifestPath,
  };
  const piscina = new Piscina<PoolTask, PoolReply>({
    filename: WORKER_URL.href,
    minThreads: size,
    maxThreads: size,
    concurrentTasksPerWorker: 1,
    atomics: 'disabled',
    workerData,
  });
  // A thread that fails while idle is reported here (and replaced); without a listener the
  // EventEmitter would throw it at the process.
  piscina.on('error', (err: unknown) =>
    opts.log?.(`face pool: a worker thread failed: ${err instanceof Error ? err.message : String(err)}`),
  );
  const pool = new Pool(piscina, size);
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
  return pool;
}

class Pool implements FacePool {
  backend = '';
  modelId = '';
  private closed = false;

  constructor(
    private readonly piscina: Piscina<PoolTask, PoolReply>,
    readonly size: number,
  ) {}

  /** The live worker threads (diagnostics and tests; not part of `FacePool`). */
  get threads(): readonly Worker[] {
    return this.piscina.threads;
  }

  identify(backend: string, modelId: string): void {
    this.backend = backend;
    this.modelId = modelId;
  }

  async info(): Promise<{ backend: string; modelId: string }> {
    const reply = await this.run({ kind: 'info' });
    if (!('info' in reply)) throw new KinfinderError('internal', 'face worker answered an info request without info');
    return reply.info;
  }

  analyse(bytes: Uint8Array, options?: AnalyseOptions): Promise<PhotoAnalysis> {
    const buf = copy(bytes);
    return this.results({ kind: 'bytes', bytes: buf, ...(options ? { options } : {}) }, buf).then((r) => r[0]!);
  }

  analyseRecipes(bytes: Uint8Array, recipes: Recipe[], options?: AnalyseOptions): Promise<PhotoAnalysis[]> {
    const buf = copy(bytes);
    return this.results({ kind: 'bytes', bytes: buf, recipes, ...(options ? { options } : {}) }, buf);
  }

  analyseImage(img: NormalisedImage, options?: AnalyseOptions): Promise<PhotoAnalysis> {
    // One copy into a buffer of our own, which is then moved (not cloned) to the worker: the
    // caller keeps its pixels to cut crops from.
    const pixels = copy(img.data);
    const task: PoolTask = {
      kind: 'image',
      pixels,
      width: img.width,
      height: img.height,
      format: img.format,
      ...(options ? { options } : {}),
    };
    return this.results(task, pixels).then((r) => r[0]!);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    // Terminates the threads; queued and running tasks are rejected (and turned into
    // KinfinderErrors by `run`).
    await this.piscina.destroy();
  }

  private async results(task: PoolTask, transfer: ArrayBuffer): Promise<PhotoAnalysis[]> {
    const reply = await this.run(task, transfer);
    if (!('results' in reply)) throw new KinfinderError('internal', 'face worker answered without results');
    return reply.results;
  }

  private async run(task: PoolTask, transfer?: ArrayBuffer): Promise<PoolReply & { ok: true }> {
    if (this.closed) throw new KinfinderError('internal', 'face pool closed');
    let reply: PoolReply;
    try {
      reply = await this.piscina.run(task, transfer ? { transferList: [transfer] } : {});
    } catch (err) {
      if (this.closed) throw new KinfinderError('internal', 'face pool closed', undefined, { cause: err });
      // Only the thread itself failing gets here (crash, out of memory): the engine's own errors
      // come back as replies.
      const why = err instanceof Error ? err.message : String(err);
      throw new KinfinderError('internal', `face worker stopped (${why})`, undefined, { cause: err });
    }
    if (!reply.ok) throw toError(reply.error);
    return reply;
  }
}

function copy(bytes: Uint8Array): ArrayBuffer {
  const buf = new ArrayBuffer(bytes.byteLength);
  new Uint8Array(buf).set(bytes);
  return buf;
}
