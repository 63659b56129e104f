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
  execute(input: Tensor, outputs: string[]): Tensor[];
  dispose(): void;
}
export interface TfConverter {
  tensor4d(values: Float32Array, shape: [number, number, number, number], dtype: 'float32'): Tensor;
  loadGraphModel(handler: { load(): Promise<unknown> }): Promise<GraphModel>;
}

export const MOBILEFACENET_DIMS = 192;
/** The feature before the graph's own L2 normalisation. */
const FEATURE = 'MobileFaceNet/Logits/SpatialSqueeze';
export const MOBILEFACENET_FILES = { model: 'mobilefacenet.json', weights: 'mobilefacenet.bin' } as const;

/**
 * One MobileFaceNet, corrected at load (correct.ts); `describe` takes an aligned 112 × 112 RGB
 * crop and gives its unit descriptor and the length of the feature before the net normalises it.
 * That length is how face-like the net finds the crop (ArcFace-trained features grow with it):
 * measured here, upright faces 57-84, the same crops sideways or upside down 30-50.
 */
export interface MobileFaceNet {
  describe(crop: RgbImage): Promise<Float32Array>;
  describeWithNorm(crop: RgbImage): Promise<{ embedding: Float32Array; norm: number }>;
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
  const describeWithNorm = async (crop: RgbImage): Promise<{ embedding: Float32Array; norm: number }> => {
    const n = crop.width * crop.height;
    const input = new Float32Array(n * 3);
    // RGB, (x − 127.5) / 128, as the net was trained
    for (let i = 0; i < n * 3; i++) input[i] = (crop.data[i]! - 127.5) / 128;
    const t = tf.tensor4d(input, [1, crop.height, crop.width, 3], 'float32');
    try {
      const outs = net.execute(t, ['embeddings', FEATURE]);
      try {
        const embedding = Float32Array.from(await outs[0]!.data());
        let s = 0;
        for (const x of await outs[1]!.data()) s += x * x;
        return { embedding, norm: Math.sqrt(s) };
      } finally {
        for (const o of outs) o.dispose();
      }
    } finally {
      t.dispose();
    }
  };
  return {
    describe: async (crop) => (await describeWithNorm(crop)).embedding,
    describeWithNorm,
    dispose: () => net.dispose(),
  };
}
