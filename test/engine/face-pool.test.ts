import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Worker } from 'node:worker_threads';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isKinfinderError } from '../../src/errors.ts';
import { lfwImagePath } from '../../src/eval/pairs.ts';
import {
  createFaceEngine,
  createFacePool,
  type FaceEngine,
  type FacePool,
  type PhotoAnalysis,
} from '../../src/face/index.ts';
import { normalise } from '../../src/image/index.ts';

const IMAGES = path.join(import.meta.dirname, '..', 'fixtures', 'lfw', 'images');
const limits = { maxPixels: 50e6, maxBytes: 20 * 1024 * 1024 };
const photos = [
  ['Colin_Powell', 74],
  ['Laura_Bush', 4],
  ['Juanes', 1],
  ['Nadia_Petrova', 5],
] as const;
const bytes = photos.map(([name, n]) => readFileSync(lfwImagePath(IMAGES, { name, n })));

let engine: FaceEngine;
let pool: FacePool;

async function errorOf(p: Promise<unknown>): Promise<unknown> {
  return p.then(
    () => undefined,
    (e: unknown) => e,
  );
}

/** Same faces in the same order; boxes, landmarks and embeddings equal within 1e-6. */
function expectSameAnalysis(got: PhotoAnalysis, want: PhotoAnalysis, label: string): void {
  expect([got.width, got.height, got.format], label).toEqual([want.width, want.height, want.format]);
  expect(got.faces.length, label).toBe(want.faces.length);
  const close = (a: number[], b: number[], what: string) => {
    expect(a.length, `${label} ${what}`).toBe(b.length);
    const worst = Math.max(0, ...a.map((x, i) => Math.abs(x - b[i]!)));
    expect(worst, `${label} ${what}`).toBeLessThanOrEqual(1e-6);
  };
  got.faces.forEach((f, i) => {
    const w = want.faces[i]!;
    close(
      [f.box.x, f.box.y, f.box.width, f.box.height],
      [w.box.x, w.box.y, w.box.width, w.box.height],
      `face ${i} box`,
    );
    close(f.landmarks.flat(), w.landmarks.flat(), `face ${i} landmarks`);
    close(f.embedding, w.embedding, `face ${i} embedding`);
    expect(f.quality, `${label} face ${i} quality`).toEqual(w.quality);
  });
}

beforeAll(async () => {
  [engine, pool] = await Promise.all([createFaceEngine({ limits }), createFacePool({ size: 2, limits })]);
}, 180_000);
afterAll(async () => {
  await pool?.close();
  await engine?.close();
});

describe('face pool (worker_threads)', () => {
  it('runs one engine per thread on the same backend and model', () => {
    expect(pool.size).toBe(2);
    expect(pool.backend).toBe(engine.backend);
    expect(pool.modelId).toBe(engine.modelId);
  });

  it('gives exactly the same results as one in-process engine, in parallel', async () => {
    const t0 = performance.now();
    const fromPool = await Promise.all(bytes.map((b) => pool.analyse(b)));
    const poolMs = performance.now() - t0;
    const t1 = performance.now();
    const single = [];
    for (const b of bytes) single.push(await engine.analyse(b));
    const singleMs = performance.now() - t1;
    expect(fromPool).toEqual(single);
    expect(fromPool.every((a) => a.faces.length >= 1)).toBe(true);
    console.info(
      `per photo: single thread ${Math.round(singleMs / bytes.length)} ms, pool of 2 ${Math.round(poolMs / bytes.length)} ms`,
    );
  });

  it('passes typed errors back from the workers and keeps serving', async () => {
    const err = await pool.analyse(Buffer.from('plain text, not a photo')).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(isKinfinderError(err) && err.code).toBe('unsupported_format');
    const err2 = await pool.analyse(bytes[0]!.subarray(0, 2000)).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(isKinfinderError(err2) && err2.code).toBe('corrupt_image');
    expect((await pool.analyse(bytes[1]!)).faces.length).toBeGreaterThanOrEqual(1);
  });

  it('does not detach or modify the caller’s buffer', async () => {
    const b = Uint8Array.from(bytes[2]!);
    await pool.analyse(b);
    expect(b.byteLength).toBe(bytes[2]!.byteLength);
    expect(Buffer.from(b).equals(bytes[2]!)).toBe(true);
  });
});

describe('analyseImage (pixels already decoded by normalise)', () => {
  // LFW photos plus one that is EXIF-rotated and not square, so that "the image's pixel
  // coordinates" means the upright photo's, not the stored one's.
  let inputs: Array<{ label: string; bytes: Buffer }>;
  beforeAll(async () => {
    const upright = await sharp(bytes[1]!).extend({ bottom: 120, background: '#777' }).jpeg({ quality: 95 }).toBuffer();
    const rotated = await sharp(upright).rotate(270).withMetadata({ orientation: 6 }).jpeg({ quality: 95 }).toBuffer();
    inputs = [
      ...photos.map(([name, n], i) => ({ label: `${name}_${n}`, bytes: bytes[i]! })),
      { label: 'exif-rotated', bytes: rotated },
    ];
  });

  it('equals analyse(bytes) on the engine and on the pool', async () => {
    for (const { label, bytes: b } of inputs) {
      const img = await normalise(b, limits);
      const want = await engine.analyse(b);
      expect(want.faces.length, label).toBeGreaterThanOrEqual(1);
      expectSameAnalysis(await engine.analyseImage(img), want, `engine ${label}`);
      expectSameAnalysis(await pool.analyseImage(img), await pool.analyse(b), `pool ${label}`);
      expectSameAnalysis(await pool.analyseImage(img), want, `pool vs engine ${label}`);
    }
    const rotated = await pool.analyseImage(await normalise(inputs.at(-1)!.bytes, limits));
    expect([rotated.width, rotated.height]).toEqual([250, 370]);
  });

  it('leaves the caller’s pixels in place and unchanged, in parallel', async () => {
    const imgs = await Promise.all(bytes.map((b) => normalise(b, limits)));
    const before = imgs.map((img) => Buffer.from(img.data));
    const results = await Promise.all(imgs.map((img) => pool.analyseImage(img)));
    expect(results.every((r) => r.faces.length >= 1)).toBe(true);
    imgs.forEach((img, i) => {
      expect(img.data.byteLength).toBe(img.width * img.height * 3);
      expect(img.data.equals(before[i]!)).toBe(true);
    });
  });

  it('refuses pixels that do not match the stated size, or more pixels than the limits allow', async () => {
    const img = await normalise(bytes[0]!, limits);
    const short = { ...img, data: img.data.subarray(0, img.data.byteLength - 3) };
    for (const analyser of [engine, pool]) {
      const err = await errorOf(analyser.analyseImage(short));
      expect(isKinfinderError(err) && err.code).toBe('internal');
      expect((err as Error).message).toMatch(/width × height × 3/);
    }
    const small = await createFaceEngine({ limits: { ...limits, maxPixels: img.width * img.height - 1 } });
    try {
      const err = await errorOf(small.analyseImage(img));
      expect(isKinfinderError(err) && err.code).toBe('too_many_pixels');
    } finally {
      await small.close();
    }
  });
});

describe('pool lifecycle', () => {
  it('replaces a worker thread that dies, failing only the task it was running', async () => {
    const threads = (pool as FacePool & { threads: readonly Worker[] }).threads;
    expect(threads).toHaveLength(2);
    const victim = threads[0]!;
    const running = Promise.allSettled([pool.analyse(bytes[0]!), pool.analyse(bytes[1]!)]);
    await new Promise((r) => setTimeout(r, 50));
    await victim.terminate();
    const settled = await running;
    const failures = settled
      .filter((s) => s.status === 'rejected')
      .map((s) => (s as PromiseRejectedResult).reason as unknown);
    expect(failures).toHaveLength(1);
    expect(isKinfinderError(failures[0]) && failures[0].code).toBe('internal');
    expect((failures[0] as Error).message).toMatch(/face worker stopped/);
    // back at strength, and the new thread works (four tasks keep both threads busy)
    const again = await Promise.all(bytes.map((b) => pool.analyse(b)));
    expect(again.every((a) => a.faces.length >= 1)).toBe(true);
    const now = (pool as FacePool & { threads: readonly Worker[] }).threads;
    expect(now).toHaveLength(2);
    expect(now).not.toContain(victim);
  });

  it('on close, rejects running and queued work with a KinfinderError and refuses new work', async () => {
    const small = await createFacePool({ size: 1, limits });
    const work = bytes.map((b) => errorOf(small.analyse(b)));
    await small.close();
    for (const err of await Promise.all(work)) {
      expect(isKinfinderError(err) && err.code).toBe('internal');
      expect((err as Error).message).toBe('face pool closed');
    }
    const late = await errorOf(small.analyseImage(await normalise(bytes[0]!, limits)));
    expect(isKinfinderError(late) && (late as Error).message).toBe('face pool closed');
    await small.close(); // twice is harmless
  });

  it('fails to start with the engine’s own error when the model cannot load', async () => {
    const err = await errorOf(
      createFacePool({ size: 2, limits, manifestPath: path.join(IMAGES, 'no-such-manifest.json') }),
    );
    expect(isKinfinderError(err) && err.code).toBe('model_mismatch');
    expect((err as Error).message).toMatch(/manifest not readable/);
  });
});
