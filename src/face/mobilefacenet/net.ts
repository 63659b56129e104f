import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { KinfinderError } from '../../errors.ts';
import type { RgbImage } from '../align.ts';
import { correctMobileFaceNet, type GraphModelJson } from './correct.ts';

/** The few tfjs-converter functions the net needs (face-api bundles tfjs 4.22 with its converter). */
interface Tensor {
  dispose(): void;
  data(): Promise<Float32Array | Int32Array | Uint8Array>;
}
interface GraphModel {
  execute(input: Tensor, output: string): Tensor;
  dispose(): void;
}
export interface TfConverter {
  tensor4d(values: Float32Array, shape: [number, number, number, number], dtype: 'float32'): Tensor;
  loadGraphModel(handler: { load(): Promise<unknown> }): Promise<GraphModel>;
}

export const MOBILEFACENET_DIMS = 192;
export const MOBILEFACENET_FILES = { model: 'mobilefacenet.json', weights: 'mobilefacenet.bin' } as const;

/** One MobileFaceNet, corrected at load (correct.ts); `describe` takes an aligned 112 × 112 RGB crop. */
export interface MobileFaceNet {
  describe(crop: RgbImage): Promise<Float32Array>;
  dispose(): void;
}

/** Loads `mobilefacenet.json` and `.bin` from `dir` (verified by the caller), corrects them and hands them to tfjs. */
export async function loadMobileFaceNet(tf: TfConverter, dir: string): Promise<MobileFaceNet> {
  let json: GraphModelJson, bin: Buffer;
  try {
    json = JSON.parse(await readFile(path.join(dir, MOBILEFACENET_FILES.model), 'utf8')) as GraphModelJson;
    bin = await readFile(path.join(dir, MOBILEFACENET_FILES.weights));
  } catch (err) {
    throw new KinfinderError(
      'model_mismatch',
      'MobileFaceNet weights not readable: run `kinfinder models fetch`',
      undefined,
      { cause: err },
    );
  }
  const { model, weights } = correctMobileFaceNet(
    json,
    bin.buffer.slice(bin.byteOffset, bin.byteOffset + bin.byteLength) as ArrayBuffer,
  );
  const net = await tf.loadGraphModel({
    load: async () => ({
      modelTopology: model.modelTopology,
      weightSpecs: model.weightsManifest.flatMap((g) => g.weights),
      weightData: weights,
      format: model.format,
      generatedBy: model.generatedBy,
      convertedBy: model.convertedBy,
      userDefinedMetadata: model.userDefinedMetadata,
    }),
  });
  return {
    async describe(crop: RgbImage): Promise<Float32Array> {
      const n = crop.width * crop.height;
      const input = new Float32Array(n * 3);
      // RGB, (x − 127.5) / 128, as the net was trained
      for (let i = 0; i < n * 3; i++) input[i] = (crop.data[i]! - 127.5) / 128;
      const t = tf.tensor4d(input, [1, crop.height, crop.width, 3], 'float32');
      try {
        const out = net.execute(t, 'embeddings');
        try {
          return Float32Array.from(await out.data());
        } finally {
          out.dispose();
        }
      } finally {
        t.dispose();
      }
    },
    dispose: () => net.dispose(),
  };
}
