import { mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import { run as embed } from '../../bin/commands/embed.ts';
import { run as evalPairs } from '../../bin/commands/eval.ts';
import { loadConfig } from '../../src/config.ts';
import { lfwImagePath } from '../../src/eval/pairs.ts';

const FIX = path.join(import.meta.dirname, '..', 'fixtures', 'lfw');
const IMAGES = path.join(FIX, 'images');
const config = { ...loadConfig({}), concurrency: 2 };

/**
 * Measured 95.0 % (AUC 0.998) on these 48 fixture pairs with the manifest recipe, wasm (lfw-dev
 * figures: models/face-api.json); the floor leaves two pairs of slack for other backends.
 */
const FIXTURE_ACCURACY_FLOOR = 0.9;

function streams() {
  const out = new PassThrough(),
    err = new PassThrough();
  let o = '',
    e = '';
  out.on('data', (d: Buffer) => {
    o += d.toString();
  });
  err.on('data', (d: Buffer) => {
    e += d.toString();
  });
  return { ctx: { config, stdout: out, stderr: err }, text: () => ({ out: o, err: e }) };
}

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'kf-embed-'));
});

describe('kinfinder embed', () => {
  it('prints one DESIGN-shaped JSON line per input, as each is done, `index` giving its place, errors included, exit 0', async () => {
    const a = lfwImagePath(IMAGES, { name: 'Gary_Locke', n: 1 });
    const b = lfwImagePath(IMAGES, { name: 'Juanes', n: 3 });
    const text = path.join(dir, 'notes.jpg');
    await writeFile(text, 'this is not a photo\n');
    const empty = path.join(dir, 'empty.jpg');
    await writeFile(empty, '');
    const truncated = path.join(dir, 'cut.jpg');
    const full = await sharp(a).jpeg().toBuffer();
    await writeFile(truncated, full.subarray(0, full.length >> 1));
    const missing = path.join(dir, 'missing.jpg');
    const files = [a, text, b, empty, truncated, missing];
    const s = streams();
    const code = await embed([...files, '--json'], s.ctx);
    expect(code).toBe(0);
    const lines = s
      .text()
      .out.trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>)
      .sort((p, q) => (p.index as number) - (q.index as number));
    expect(lines.map((l) => l.file)).toEqual(files);
    expect(lines.map((l) => l.index)).toEqual(files.map((_, i) => i));
    for (const i of [0, 2]) {
      const l = lines[i] as { file: string; width: number; height: number; faces: Array<Record<string, unknown>> };
      expect(Object.keys(l)).toEqual(['file', 'index', 'width', 'height', 'faces']);
      expect([l.width, l.height]).toEqual([250, 250]);
      expect(l.faces.length).toBeGreaterThanOrEqual(1);
      const f = l.faces[0] as {
        box: Record<string, number>;
        score: number;
        quality: Record<string, number>;
        embedding: number[];
      };
      expect(Object.keys(f)).toEqual(['box', 'score', 'quality', 'embedding']);
      expect(Object.keys(f.box)).toEqual(['x', 'y', 'width', 'height']);
      expect(f.embedding).toHaveLength(128);
      expect(typeof f.quality.sharpness).toBe('number');
      const areas = l.faces.map(
        (x) => (x.box as { width: number; height: number }).width * (x.box as { width: number; height: number }).height,
      );
      expect([...areas].sort((p, q) => q - p)).toEqual(areas);
    }
    expect((lines[1]!.error as { code: string }).code).toBe('unsupported_format');
    expect((lines[3]!.error as { code: string }).code).toBe('empty_file');
    expect((lines[4]!.error as { code: string }).code).toBe('corrupt_image');
    expect((lines[5]!.error as { code: string }).code).toBe('not_found');
    for (const i of [1, 3, 4, 5]) expect(Object.keys(lines[i]!)).toEqual(['file', 'index', 'error']);
  });

  it('exits 2 on usage errors', async () => {
    expect(await embed([], streams().ctx)).toBe(2);
    expect(await embed(['--bogus', 'x.jpg'], streams().ctx)).toBe(2);
    expect(await embed(['x.jpg', '--concurrency', '0'], streams().ctx)).toBe(2);
  });
});

describe('kinfinder eval pairs', () => {
  it(`reaches the accuracy floor on the fixture pairs (≥ ${FIXTURE_ACCURACY_FLOOR * 100} %) and reports the LFW figures`, async () => {
    const s = streams();
    const code = await evalPairs(
      ['--images', IMAGES, '--pairs', path.join(FIX, 'pairs.txt'), '--json', '--recipe', 'manifest,baseline'],
      s.ctx,
    );
    expect(code, s.text().err).toBe(0);
    const out = JSON.parse(s.text().out) as {
      backend: string;
      reports: Array<{
        recipe: string;
        pairs: number;
        photos: number;
        noFace: number;
        failed: number;
        auc: number;
        accuracy: { mean: number; folds: unknown[] };
        pairs_fmr: Record<string, number>;
      }>;
    };
    expect(out.reports.map((r) => r.recipe)).toEqual([expect.stringMatching(/^manifest\(/), 'baseline']);
    const [m, base] = out.reports;
    expect(m!.pairs).toBe(48);
    expect(m!.photos).toBe(96);
    expect(m!.failed).toBe(0);
    expect(m!.accuracy.folds).toHaveLength(10);
    expect(m!.accuracy.mean).toBeGreaterThanOrEqual(FIXTURE_ACCURACY_FLOOR);
    expect(m!.auc).toBeGreaterThanOrEqual(0.97);
    expect(m!.pairs_fmr['threshold@0.1%']).toBeGreaterThanOrEqual(m!.pairs_fmr['threshold@1%']!);
    // padding before giving up: the manifest recipe finds at least as many faces as the baseline
    expect(m!.noFace).toBeLessThanOrEqual(base!.noFace);
    console.info(
      `fixture pairs: manifest ${(m!.accuracy.mean * 100).toFixed(2)} % (AUC ${m!.auc.toFixed(4)}, no face ${m!.noFace}), ` +
        `baseline ${(base!.accuracy.mean * 100).toFixed(2)} % (no face ${base!.noFace})`,
    );
  }, 300_000);

  it('exits 2 on usage errors', async () => {
    expect(await evalPairs([], streams().ctx)).toBe(2);
    expect(await evalPairs(['--images', IMAGES, '--pairs', 'x', '--recipe', 'nope'], streams().ctx)).toBe(2);
  });
});
