import { Worker } from 'node:worker_threads';
import { KinfinderError, type ErrorCode } from '../errors.ts';
import type { ImageLimits, NormalisedImage } from '../image/types.ts';
import type { Recipe } from './recipe.ts';
import type { AnalyseOptions, BackendChoice, FaceAnalyser, PhotoAnalysis } from './types.ts';

export interface PoolWorkerData { limits: ImageLimits; backend: BackendChoice; manifestPath: string | undefined }
export interface PoolImage { data: ArrayBuffer; width: number; height: number; format: NormalisedImage['format'] }
export interface PoolRequest { id: number; bytes?: ArrayBuffer; image?: PoolImage; recipes?: Recipe[]; options?: AnalyseOptions }
type WireError = { code: ErrorCode; message: string; detail?: string | undefined };
export type PoolResponse = { id: number; ok: true; results: PhotoAnalysis[] } | { id: number; ok: false; error: WireError };
type ReadyMessage = { ready: true; backend: string; modelId: string } | { ready: false; error: WireError };

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

interface Task { req: Omit<PoolRequest, 'id'>; resolve: (r: PhotoAnalysis[]) => void; reject: (e: unknown) => void }
interface Slot { worker: Worker; busy: { id: number; task: Task } | undefined }

const WORKER_URL = new URL('./pool-worker.mjs', import.meta.url);

function toError(e: WireError): KinfinderError {
  return new KinfinderError(e.code, e.message, e.detail ? { detail: e.detail } : undefined);
}

/** Start `size` worker threads, each loading its own engine; resolves when all are ready. */
export async function createFacePool(opts: FacePoolOptions): Promise<FacePool> {
  const size = Math.max(1, Math.floor(opts.size));
  const data: PoolWorkerData = { limits: opts.limits, backend: opts.backend ?? 'auto', manifestPath: opts.manifestPath };
  const spawn = () => new Promise<{ worker: Worker; backend: string; modelId: string }>((resolve, reject) => {
    const worker = new Worker(WORKER_URL, { workerData: data });
    const onMessage = (m: ReadyMessage) => {
      worker.off('error', onError);
      worker.off('message', onMessage);
      if (m.ready) resolve({ worker, backend: m.backend, modelId: m.modelId });
      else { void worker.terminate(); reject(toError(m.error)); }
    };
    const onError = (err: unknown) => { worker.off('message', onMessage); reject(err); };
    worker.on('message', onMessage);
    worker.once('error', onError);
  });
  const started = await Promise.allSettled(Array.from({ length: size }, spawn));
  const failed = started.find((s) => s.status === 'rejected');
  if (failed) {
    for (const s of started) if (s.status === 'fulfilled') await s.value.worker.terminate();
    throw failed.reason;
  }
  const first = (started[0] as PromiseFulfilledResult<{ backend: string; modelId: string }>).value;
  opts.log?.(`face pool: ${size} worker thread(s), backend ${first.backend}, model ${first.modelId}`);
  return new Pool(started.map((s) => (s as PromiseFulfilledResult<{ worker: Worker }>).value.worker), first.backend, first.modelId, spawn);
}

class Pool implements FacePool {
  private readonly slots: Slot[] = [];
  private readonly queue: Task[] = [];
  private nextId = 1;
  private closed = false;

  constructor(
    workers: Worker[],
    readonly backend: string,
    readonly modelId: string,
    private readonly spawn: () => Promise<{ worker: Worker }>,
  ) {
    for (const w of workers) this.attach(w);
  }

  get size(): number { return this.slots.length; }

  analyse(bytes: Uint8Array, options?: AnalyseOptions): Promise<PhotoAnalysis> {
    return this.submit({ bytes: copy(bytes), ...(options ? { options } : {}) }).then((r) => r[0]!);
  }

  analyseImage(img: NormalisedImage, options?: AnalyseOptions): Promise<PhotoAnalysis> {
    // A copy goes to the worker: the caller cuts the display copy and the crops from its own.
    const image: PoolImage = { data: copy(img.data), width: img.width, height: img.height, format: img.format };
    return this.submit({ image, ...(options ? { options } : {}) }).then((r) => r[0]!);
  }

  analyseRecipes(bytes: Uint8Array, recipes: Recipe[], options?: AnalyseOptions): Promise<PhotoAnalysis[]> {
    return this.submit({ bytes: copy(bytes), recipes, ...(options ? { options } : {}) });
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const t of this.queue.splice(0)) t.reject(new KinfinderError('internal', 'face pool closed'));
    await Promise.all(this.slots.map((s) => s.worker.terminate()));
    this.slots.length = 0;
  }

  private submit(req: Omit<PoolRequest, 'id'>): Promise<PhotoAnalysis[]> {
    if (this.closed) return Promise.reject(new KinfinderError('internal', 'face pool closed'));
    return new Promise((resolve, reject) => {
      this.queue.push({ req, resolve, reject });
      this.pump();
    });
  }

  private attach(worker: Worker): void {
    const slot: Slot = { worker, busy: undefined };
    this.slots.push(slot);
    worker.on('message', (m: PoolResponse) => {
      const busy = slot.busy;
      if (!busy || busy.id !== m.id) return;
      slot.busy = undefined;
      if (m.ok) busy.task.resolve(m.results);
      else busy.task.reject(toError(m.error));
      this.pump();
    });
    const lost = (why: string) => {
      const i = this.slots.indexOf(slot);
      if (i < 0) return;
      this.slots.splice(i, 1);
      slot.busy?.task.reject(new KinfinderError('internal', `face worker stopped (${why})`));
      slot.busy = undefined;
      if (!this.closed) {
        // keep the pool at strength
        this.spawn().then(({ worker: w }) => {
          if (this.closed) void w.terminate();
          else { this.attach(w); this.pump(); }
        }, () => { /* stays one worker short; remaining workers carry on */ });
      }
    };
    worker.on('error', (err) => lost(err.message));
    worker.on('exit', (code) => lost(`exit ${code}`));
  }

  private pump(): void {
    for (const slot of this.slots) {
      if (slot.busy) continue;
      const task = this.queue.shift();
      if (!task) return;
      const id = this.nextId++;
      slot.busy = { id, task };
      slot.worker.postMessage({ id, ...task.req } satisfies PoolRequest, [task.req.bytes ?? task.req.image!.data]);
    }
  }
}

function copy(bytes: Uint8Array): ArrayBuffer {
  const buf = new ArrayBuffer(bytes.byteLength);
  new Uint8Array(buf).set(bytes);
  return buf;
}
