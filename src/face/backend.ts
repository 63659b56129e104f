import { createRequire } from 'node:module';
import path from 'node:path';
import type * as FaceApi from '@vladmandic/face-api/dist/face-api.node-wasm.js';
import type { BackendChoice, BackendName } from './types.ts';

const require = createRequire(import.meta.url);

export type FaceApiModule = typeof FaceApi;

/** The few tfjs functions the engine uses (face-api bundles tfjs; its typings do not expose them). */
export interface TensorLike {
  readonly shape: number[];
  dispose(): void;
}
export interface TfLike {
  tensor3d(values: Int32Array | Float32Array, shape: [number, number, number], dtype?: 'int32' | 'float32'): TensorLike;
  setWasmPaths(prefix: string): void;
  setBackend(name: string): Promise<boolean>;
  ready(): Promise<void>;
  getBackend(): string;
  env(): { getBool(flag: string): boolean };
  memory(): { numTensors: number; numBytes: number };
}

export function tfOf(faceapi: FaceApiModule): TfLike {
  return faceapi.tf as unknown as TfLike;
}

export interface LoadedBackend {
  faceapi: FaceApiModule;
  backend: BackendName;
  detail: string;
}

/** Directory holding the face-api weight files that ship inside the installed package. */
export function modelDir(): string {
  return path.join(path.dirname(require.resolve('@vladmandic/face-api/package.json')), 'model');
}

let loaded: Promise<LoadedBackend> | undefined;
let loadedChoice: BackendChoice | undefined;

/**
 * Load face-api with the best backend available: `tfjs-node` (native) when it loads, else
 * `wasm` (SIMD, one thread under Node), else pure-JS `cpu`. One backend per process/thread:
 * tfjs is a process-wide singleton.
 */
export function loadBackend(choice: BackendChoice = 'auto'): Promise<LoadedBackend> {
  if (loaded) {
    if (loadedChoice !== choice && choice !== 'auto') {
      return loaded.then((l) => {
        if (l.backend !== choice)
          throw new Error(`face engine already running on ${l.backend} in this thread; cannot switch to ${choice}`);
        return l;
      });
    }
    return loaded;
  }
  loadedChoice = choice;
  loaded = doLoad(choice);
  loaded.catch(() => {
    loaded = undefined;
  });
  return loaded;
}

async function doLoad(choice: BackendChoice): Promise<LoadedBackend> {
  const errors: string[] = [];
  if (choice === 'auto' || choice === 'tfjs-node') {
    try {
      require('@tensorflow/tfjs-node');
      const faceapi = require('@vladmandic/face-api') as FaceApiModule;
      await tfOf(faceapi).setBackend('tensorflow');
      await tfOf(faceapi).ready();
      return { faceapi, backend: 'tfjs-node', detail: 'native TensorFlow' };
    } catch (err) {
      errors.push(`tfjs-node: ${(err as Error).message.split('\n')[0]}`);
      if (choice === 'tfjs-node')
        throw new Error(`tfjs-node backend unavailable (${errors.join('; ')})`, { cause: err });
    }
  }
  const faceapi = require('@vladmandic/face-api/dist/face-api.node-wasm.js') as FaceApiModule;
  const tf = tfOf(faceapi);
  if (choice === 'auto' || choice === 'wasm') {
    try {
      const wasmDir =
        path.join(path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'dist') + path.sep;
      tf.setWasmPaths(wasmDir);
      const ok = await tf.setBackend('wasm');
      await tf.ready();
      if (!ok || tf.getBackend() !== 'wasm') throw new Error('setBackend(wasm) failed');
      const simd = tf.env().getBool('WASM_HAS_SIMD_SUPPORT');
      return { faceapi, backend: 'wasm', detail: simd ? 'wasm simd, 1 thread' : 'wasm (no simd), 1 thread' };
    } catch (err) {
      errors.push(`wasm: ${(err as Error).message.split('\n')[0]}`);
      if (choice === 'wasm') throw new Error(`wasm backend unavailable (${errors.join('; ')})`, { cause: err });
    }
  }
  await tf.setBackend('cpu');
  await tf.ready();
  return { faceapi, backend: 'cpu', detail: `pure JS${errors.length ? ` (${errors.join('; ')})` : ''}` };
}
