import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isKinfinderError } from '../src/errors.ts';
import { lfwImagePath } from '../src/eval/pairs.ts';
import { createFaceEngine, createFacePool, type FaceEngine, type FacePool } from '../src/face/index.ts';

const IMAGES = path.join(import.meta.dirname, 'fixtures', 'lfw', 'images');
const limits = { maxPixels: 50e6, maxBytes: 20 * 1024 * 1024 };
const photos = [['Colin_Powell', 74], ['Laura_Bush', 4], ['Juanes', 1], ['Nadia_Petrova', 5]] as const;
const bytes = photos.map(([name, n]) => readFileSync(lfwImagePath(IMAGES, { name, n })));

let engine: FaceEngine;
let pool: FacePool;

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
    console.info(`per photo: single thread ${Math.round(singleMs / bytes.length)} ms, pool of 2 ${Math.round(poolMs / bytes.length)} ms`);
  });

  it('passes typed errors back from the workers and keeps serving', async () => {
    const err = await pool.analyse(Buffer.from('plain text, not a photo')).then(() => undefined, (e: unknown) => e);
    expect(isKinfinderError(err) && err.code).toBe('unsupported_format');
    const err2 = await pool.analyse(bytes[0]!.subarray(0, 2000)).then(() => undefined, (e: unknown) => e);
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
