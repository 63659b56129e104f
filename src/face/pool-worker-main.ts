import { parentPort, workerData } from 'node:worker_threads';
import { describeError } from '../errors.ts';
import { createFaceEngine } from './engine.ts';
import type { PoolRequest, PoolResponse, PoolWorkerData } from './pool.ts';

const port = parentPort;
if (!port) throw new Error('pool-worker-main must run in a worker thread');
const data = workerData as PoolWorkerData;

try {
  const engine = await createFaceEngine({ limits: data.limits, backend: data.backend, manifestPath: data.manifestPath });
  port.on('message', (msg: PoolRequest) => {
    const job = msg.image
      ? engine.analyseImage({ ...msg.image, data: Buffer.from(msg.image.data) }, msg.options).then((r) => [r])
      : msg.recipes
        ? engine.analyseRecipes(new Uint8Array(msg.bytes!), msg.recipes, msg.options)
        : engine.analyse(new Uint8Array(msg.bytes!), msg.options).then((r) => [r]);
    job.then(
      (results) => port.postMessage({ id: msg.id, ok: true, results } satisfies PoolResponse),
      (err: unknown) => port.postMessage({ id: msg.id, ok: false, error: { ...describeError(err), detail: err instanceof Error && describeError(err).code === 'internal' ? err.message : undefined } } satisfies PoolResponse),
    );
  });
  port.postMessage({ ready: true, backend: engine.backend, modelId: engine.modelId });
} catch (err) {
  port.postMessage({ ready: false, error: { ...describeError(err), detail: err instanceof Error ? err.message : String(err) } });
}
