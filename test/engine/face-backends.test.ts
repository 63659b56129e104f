import { readFileSync } from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cosine } from '../../src/eval/metrics.ts';
import { lfwImagePath } from '../../src/eval/pairs.ts';
import { createFaceEngine, createFacePool, type FaceEngine, type FacePool } from '../../src/face/index.ts';

const IMAGES = path.join(import.meta.dirname, '..', 'fixtures', 'lfw', 'images');
const limits = { maxPixels: 50e6, maxBytes: 20 * 1024 * 1024 };

let wasm: FaceEngine;
let cpu: FacePool; // tfjs is one backend per thread: the cpu engine lives in its own worker thread

beforeAll(async () => {
  [wasm, cpu] = await Promise.all([
    createFaceEngine({ limits, backend: 'wasm' }),
    createFacePool({ size: 1, limits, backend: 'cpu' }),
  ]);
}, 180_000);
afterAll(async () => {
  await cpu?.close();
  await wasm?.close();
});

describe('backends', () => {
  it('wasm and pure-JS cpu agree (cosine ≥ 0.999)', async () => {
    expect(wasm.backend).toBe('wasm');
    expect(cpu.backend).toBe('cpu');
    // two small photos: the cpu backend is ~30× slower
    for (const [name, n] of [
      ['Vladimir_Putin', 1],
      ['Amanda_Beard', 2],
    ] as const) {
      const b = await sharp(readFileSync(lfwImagePath(IMAGES, { name, n })))
        .resize(160, 160)
        .jpeg({ quality: 95 })
        .toBuffer();
      const [w, c] = await Promise.all([wasm.analyse(b), cpu.analyse(b)]);
      expect(w.faces.length).toBeGreaterThanOrEqual(1);
      expect(c.faces.length).toBe(w.faces.length);
      w.faces.forEach((f, i) => {
        expect(cosine(f.embedding, c.faces[i]!.embedding)).toBeGreaterThanOrEqual(0.999);
        expect(Math.abs(f.box.x - c.faces[i]!.box.x)).toBeLessThan(1);
      });
    }
  }, 240_000);
});
