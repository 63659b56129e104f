import { readFileSync } from 'node:fs';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isKinfinderError } from '../../src/errors.ts';
import { auc, cosine } from '../../src/eval/metrics.ts';
import { lfwImagePath, parsePairs } from '../../src/eval/pairs.ts';
import { pickCentralFace } from '../../src/eval/run.ts';
import {
  bandFor,
  createFaceEngine,
  DEFAULT_MANIFEST_PATH,
  loadManifest,
  type Box,
  type FaceEngine,
  type PhotoAnalysis,
} from '../../src/face/index.ts';

const FIX = path.join(import.meta.dirname, '..', 'fixtures', 'lfw');
const IMAGES = path.join(FIX, 'images');
const limits = { maxPixels: 50e6, maxBytes: 20 * 1024 * 1024 };
const photo = (name: string, n: number) => readFileSync(lfwImagePath(IMAGES, { name, n }));

let engine: FaceEngine;
const logs: string[] = [];

beforeAll(async () => {
  engine = await createFaceEngine({ limits, log: (l) => logs.push(l) });
}, 120_000);
afterAll(async () => {
  await engine?.close();
});

async function code(p: Promise<unknown>): Promise<string> {
  const err = await p.then(
    () => 'resolved',
    (e: unknown) => e,
  );
  return isKinfinderError(err) ? err.code : String(err);
}

function iou(a: Box, b: Box): number {
  const ix = Math.max(0, Math.min(a.x + a.width, b.x + b.width) - Math.max(a.x, b.x));
  const iy = Math.max(0, Math.min(a.y + a.height, b.y + b.height) - Math.max(a.y, b.y));
  return (ix * iy) / (a.width * a.height + b.width * b.height - ix * iy);
}

const central = (a: PhotoAnalysis) => {
  const f = pickCentralFace(a);
  expect(f, 'a face').toBeDefined();
  return f!;
};

describe('face engine', () => {
  it('starts on the wasm (or native) backend with the manifest model and logs it', () => {
    expect(['wasm', 'tfjs-node']).toContain(engine.backend);
    expect(engine.modelId).toBe(engine.manifest.id);
    expect(logs.join('\n')).toMatch(new RegExp(`backend ${engine.backend}`));
  });

  it('finds every face with landmarks, quality and a unit-length 128-d embedding', async () => {
    const a = await engine.analyse(photo('Aaron_Peirsol', 1));
    expect([a.width, a.height, a.format]).toEqual([250, 250, 'jpeg']);
    expect(a.faces.length).toBeGreaterThanOrEqual(1);
    for (const f of a.faces) {
      expect(f.embedding).toHaveLength(128);
      expect(Math.hypot(...f.embedding)).toBeCloseTo(1, 5);
      expect(f.landmarks).toHaveLength(68);
      const inBox = f.landmarks.filter(
        ([x, y]) =>
          x >= f.box.x - 0.2 * f.box.width &&
          x <= f.box.x + 1.2 * f.box.width &&
          y >= f.box.y - 0.2 * f.box.height &&
          y <= f.box.y + 1.2 * f.box.height,
      );
      expect(inBox.length).toBeGreaterThanOrEqual(60);
      expect(f.score).toBeGreaterThanOrEqual(engine.recipe.detector.minConfidence);
      expect(f.quality.faceSize).toBe(Math.round(Math.max(f.box.width, f.box.height)));
      expect(f.quality.eyeDistance).toBeGreaterThan(10);
      expect(f.quality.sharpness).toBeGreaterThan(0);
      expect(Math.abs(f.quality.yaw)).toBeLessThan(90);
    }
  });

  it('scores same-person LFW pairs above different-person pairs (fixed sample)', async () => {
    const pairs = parsePairs(readFileSync(path.join(FIX, 'pairs.txt'), 'utf8'));
    const sample = [...pairs.filter((p) => p.same).slice(0, 6), ...pairs.filter((p) => !p.same).slice(0, 6)];
    const cache = new Map<string, number[]>();
    const emb = async (name: string, n: number) => {
      const k = `${name}#${n}`;
      if (!cache.has(k))
        cache.set(k, central(await engine.analyse(photo(name, n), { centreFallback: true })).embedding);
      return cache.get(k)!;
    };
    const scores: number[] = [];
    for (const p of sample) scores.push(cosine(await emb(p.a.name, p.a.n), await emb(p.b.name, p.b.n)));
    const same = scores.slice(0, 6),
      diff = scores.slice(6);
    const mean = (x: number[]) => x.reduce((s, v) => s + v, 0) / x.length;
    expect(mean(same) - mean(diff)).toBeGreaterThan(0.05);
    expect(
      auc(
        scores,
        sample.map((p) => p.same),
      ),
    ).toBeGreaterThanOrEqual(0.95);
  });

  it('gives the same embedding and an upright box for an EXIF-rotated photo', async () => {
    const upright = await sharp(photo('Margaret_Thatcher', 1))
      .extend({ bottom: 120, background: '#777' })
      .jpeg({ quality: 95 })
      .toBuffer();
    const rotated = await sharp(upright).rotate(270).withMetadata({ orientation: 6 }).jpeg({ quality: 95 }).toBuffer();
    const [a, b] = [await engine.analyse(upright), await engine.analyse(rotated)];
    expect([b.width, b.height]).toEqual([250, 370]);
    const fa = central(a),
      fb = central(b);
    expect(iou(fa.box, fb.box)).toBeGreaterThan(0.8);
    expect(cosine(fa.embedding, fb.embedding)).toBeGreaterThanOrEqual(0.95);
  });

  it('finds three different faces on one canvas, largest first, each matching its source', async () => {
    const people: Array<[string, number, number]> = [
      ['Colin_Powell', 74, 260],
      ['Laura_Bush', 4, 220],
      ['Mel_Gibson', 1, 180],
    ];
    const sources = await Promise.all(
      people.map(async ([n, i]) => central(await engine.analyse(photo(n, i))).embedding),
    );
    // the central 170 px of each photo (LFW photos are centred on the named person), scaled
    const tiles = await Promise.all(
      people.map(([n, i, s]) =>
        sharp(photo(n, i)).extract({ left: 40, top: 40, width: 170, height: 170 }).resize(s, s).toBuffer(),
      ),
    );
    const canvas = await sharp({ create: { width: 900, height: 420, channels: 3, background: '#404040' } })
      .composite([
        { input: tiles[0]!, left: 20, top: 60 },
        { input: tiles[1]!, left: 360, top: 100 },
        { input: tiles[2]!, left: 660, top: 20 },
      ])
      .jpeg({ quality: 92 })
      .toBuffer();
    const a = await engine.analyse(canvas);
    expect(a.faces).toHaveLength(3);
    const areas = a.faces.map((f) => f.box.width * f.box.height);
    expect([...areas].sort((x, y) => y - x)).toEqual(areas);
    // each face lies in the tile of the person it matches best, and the three are different people
    const lefts = [20, 360, 660];
    const matched = a.faces.map((f) => {
      const sims = sources.map((s) => cosine(f.embedding, s));
      const k = sims.indexOf(Math.max(...sims));
      expect(sims[k]).toBeGreaterThan(0.9);
      const cx = f.box.x + f.box.width / 2;
      expect(cx).toBeGreaterThan(lefts[k]!);
      expect(cx).toBeLessThan(lefts[k]! + people[k]![2]);
      return k;
    });
    expect(new Set(matched).size).toBe(3);
  });

  it('finds a small face in a large photo (detection is not run on a thumbnail)', async () => {
    const face = await sharp(photo('Vladimir_Putin', 1)).resize(220, 220).toBuffer();
    const big = await sharp({ create: { width: 4000, height: 3000, channels: 3, background: '#6a6a60' } })
      .composite([{ input: face, left: 3100, top: 2300 }])
      .jpeg({ quality: 90 })
      .toBuffer();
    const a = await engine.analyse(big);
    expect([a.width, a.height]).toEqual([4000, 3000]);
    expect(a.faces.length).toBeGreaterThanOrEqual(1);
    const f = a.faces[0]!;
    expect(f.box.x).toBeGreaterThan(3100);
    expect(f.box.x + f.box.width).toBeLessThan(3320);
    expect(f.box.y).toBeGreaterThan(2300);
    const ref = central(await engine.analyse(photo('Vladimir_Putin', 1))).embedding;
    expect(cosine(f.embedding, ref)).toBeGreaterThan(0.9);
  });

  it('handles CMYK, 16-bit PNG and greyscale photos', async () => {
    const src = photo('Aaron_Peirsol', 1);
    const ref = central(await engine.analyse(src)).embedding;
    const variants: Array<[string, Buffer, number]> = [
      ['cmyk', await sharp(src).toColourspace('cmyk').jpeg({ quality: 95 }).toBuffer(), 0.95],
      ['png16', await sharp(src).toColourspace('rgb16').png().toBuffer(), 0.97],
      ['grey', await sharp(src).toColourspace('b-w').jpeg({ quality: 95 }).toBuffer(), 0.9],
    ];
    for (const [name, bytes, min] of variants) {
      const a = await engine.analyse(bytes);
      expect(a.faces.length, name).toBeGreaterThanOrEqual(1);
      expect(cosine(central(a).embedding, ref), name).toBeGreaterThanOrEqual(min);
    }
  });

  it('returns no face for a photo without one; evaluation may ask for a centred fallback', async () => {
    const blank = await sharp({ create: { width: 400, height: 300, channels: 3, background: '#9a9a9a' } })
      .jpeg()
      .toBuffer();
    expect((await engine.analyse(blank)).faces).toEqual([]);
    const fb = await engine.analyse(blank, { centreFallback: true });
    expect(fb.faces).toHaveLength(1);
    expect(fb.faces[0]!.score).toBe(0);
  });

  it('gives typed errors fast for hostile input', async () => {
    const good = photo('Aaron_Peirsol', 1);
    const bomb = Buffer.from(good);
    for (let i = 2; i < bomb.length - 9; i++) {
      if (bomb[i] === 0xff && bomb[i + 1]! >= 0xc0 && bomb[i + 1]! <= 0xc2) {
        bomb.writeUInt16BE(60000, i + 5);
        bomb.writeUInt16BE(60000, i + 7);
        break;
      }
    }
    const t0 = performance.now();
    expect(await code(engine.analyse(bomb))).toBe('too_many_pixels');
    expect(await code(engine.analyse(good.subarray(0, good.length >> 1)))).toBe('corrupt_image');
    expect(await code(engine.analyse(Buffer.from('not a photo at all\n')))).toBe('unsupported_format');
    expect(await code(engine.analyse(new Uint8Array()))).toBe('empty_file');
    expect(performance.now() - t0).toBeLessThan(2000);
  });
});

describe('model manifest', () => {
  it('is valid and its calibration is ordered strong ≥ possible ≥ floor', async () => {
    const m = await loadManifest();
    expect(m.dims).toBe(128);
    expect(m.calibration.strong.fmr).toBe(0.001);
    expect(m.calibration.possible.fmr).toBe(0.01);
    expect(m.calibration.strong.threshold).toBeGreaterThan(m.calibration.possible.threshold);
    expect(m.calibration.possible.threshold).toBeGreaterThan(m.calibration.floor);
    expect(m.calibration.command).toMatch(/eval pairs/);
  });

  it('bands similarities by the calibration', () => {
    const c = { strong: { threshold: 0.9, fmr: 0.001 }, possible: { threshold: 0.8, fmr: 0.01 } };
    expect(bandFor(0.95, c)).toBe('strong');
    expect(bandFor(0.9, c)).toBe('strong');
    expect(bandFor(0.85, c)).toBe('possible');
    expect(bandFor(0.79, c)).toBe('weak');
    expect(bandFor(-1, c)).toBe('weak');
  });

  it('refuses to start when a weight file does not match its sha256', async () => {
    const m = JSON.parse(await readFile(DEFAULT_MANIFEST_PATH, 'utf8')) as { files: Array<{ sha256: string }> };
    m.files[0]!.sha256 = '0'.repeat(64);
    const dir = await mkdtemp(path.join(os.tmpdir(), 'kf-manifest-'));
    const p = path.join(dir, 'face-api.json');
    await writeFile(p, JSON.stringify(m));
    expect(await code(createFaceEngine({ limits, manifestPath: p }))).toBe('model_mismatch');
    await writeFile(p, '{"id": 1}');
    expect(await code(createFaceEngine({ limits, manifestPath: p }))).toBe('model_mismatch');
  });
});
