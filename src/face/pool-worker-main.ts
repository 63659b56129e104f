import { parentPort, workerData } from 'node:worker_threads';
import { describeError } from '../errors.ts';
import { createFaceEngine, type FaceEngine } from './engine.ts';
import { ownThreadClock } from './thread-clock.ts';
import { CLOCK, STARTED, type PoolReply, type PoolTask, type PoolWorkerData, type WireError } from './pool.ts';
import {
  applyTestHooks,
  mergeTestHooks,
  parseTestHooks,
  TEST_HOOK_VARIABLE,
  type PoolTestHooks,
} from './pool-test-hooks.ts';

const data = workerData as PoolWorkerData;
const clock = ownThreadClock();

// TEST ONLY (pool-test-hooks.ts): this thread's entry is where the hook variable is read, so a
// test can make `kinfinder embed` misbehave on one photo without any command, config or engine
// knowing of it; hooks may also come from createFacePool's `testHooks`. A malformed value is
// answered to every task, like a failed engine load.
let hooks: PoolTestHooks | undefined;
let hookError: unknown;
try {
  hooks = mergeTestHooks(data.testHooks, parseTestHooks(process.env[TEST_HOOK_VARIABLE]));
} catch (err) {
  hookError = err;
}

// One engine per thread, loaded when piscina first imports this module. A failed load is kept and
// answered to every task rather than thrown at import: piscina would otherwise replace the thread
// and load again, forever; this way createFacePool receives the error and gives up.
const engine: Promise<FaceEngine> = createFaceEngine({
  limits: data.limits,
  backend: data.backend,
  manifestPath: data.manifestPath,
});
engine.catch(() => {
  /* answered to each task below */
});

function wire(err: unknown): WireError {
  const { code, message } = describeError(err);
  const details = (err as { details?: unknown } | null)?.details;
  return {
    code,
    message,
    ...(code !== 'internal' && details && typeof details === 'object'
      ? { details: details as Record<string, unknown> }
      : {}),
    // An unexpected error's own text is kept as detail for the log; it is never shown to users.
    ...(code === 'internal' && err instanceof Error ? { detail: err.message } : {}),
  };
}

export default async function run(task: PoolTask): Promise<PoolReply> {
  try {
    const e = await engine;
    // The task's bound runs from here (task-line.ts): a thread that has just replaced another
    // loads its engine first, and that must not count against the photo.
    parentPort?.postMessage({ [STARTED]: task.id, [CLOCK]: clock });
    if (hookError) throw hookError;
    if (task.kind !== 'info') applyTestHooks(hooks, task.kind === 'bytes' ? task.bytes : task.pixels);
    switch (task.kind) {
      case 'info':
        return { ok: true, info: { backend: e.backend, modelId: e.modelId } };
      case 'bytes': {
        const bytes = new Uint8Array(task.bytes);
        const results = task.recipes
          ? await e.analyseRecipes(bytes, task.recipes, task.options)
          : [await e.analyse(bytes, task.options)];
        return { ok: true, results };
      }
      case 'image': {
        const img = { data: Buffer.from(task.pixels), width: task.width, height: task.height, format: task.format };
        return { ok: true, results: [await e.analyseImage(img, task.options)] };
      }
    }
  } catch (err) {
    return { ok: false, error: wire(err) };
  }
}
