/**
 * The faces bench:queue searches, computed once and kept: each lfw-dev photo (clean, or degraded
 * in one of bench:field's kinds) analysed by the manifest recipe, one JSON line per photo in a
 * cache file named by the model id, so a second run (another archive size, another setting)
 * costs no engine time. Lines are appended as photos finish: an interrupted run resumes.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createFacePool, type Face, type PhotoAnalysis } from '../../src/face/index.ts';
import { degrade, type FaceSpot, type Kind, type Point } from './field-degrade.ts';

export interface CachedFace {
  embedding: number[];
  score: number;
  quality: Record<string, unknown>;
  box: { x: number; y: number; width: number; height: number };
  /** Distance of the box centre from the photo's centre, in pixels: LFW's subject is the central face. */
  offCentre: number;
}

export interface CachedPhoto {
  key: string;
  faces: CachedFace[];
}

export function defaultCacheDir(): string {
  return path.join(os.tmpdir(), 'kinfinder-bench-queue');
}

function cacheFile(dir: string, modelId: string): string {
  return path.join(dir, `${modelId.replace(/[^A-Za-z0-9.-]+/g, '_')}.jsonl`);
}

/** `clean:<relative path>` or `<kind>:<relative path>`. */
export const photoKey = (kind: 'clean' | Kind, rel: string) => `${kind}:${rel}`;

export function readCache(dir: string, modelId: string): Map<string, CachedPhoto> {
  const out = new Map<string, CachedPhoto>();
  const file = cacheFile(dir, modelId);
  if (!fs.existsSync(file)) return out;
  for (const line of fs.readFileSync(file, 'utf8').split('\n')) {
    if (!line.trim()) continue;
    try {
      const p = JSON.parse(line) as CachedPhoto;
      out.set(p.key, p);
    } catch {
      // a line cut short by an interrupted run: that photo is analysed again
    }
  }
  return out;
}

function toCached(key: string, a: PhotoAnalysis): CachedPhoto {
  return {
    key,
    faces: a.faces.map((f: Face) => ({
      embedding: f.embedding.map((x) => Math.round(x * 1e6) / 1e6),
      score: f.score,
      quality: f.quality as unknown as Record<string, unknown>,
      box: f.box,
      offCentre: Math.hypot(f.box.x + f.box.width / 2 - a.width / 2, f.box.y + f.box.height / 2 - a.height / 2),
    })),
  };
}

const mean = (lm: Array<[number, number]>, idx: number[]): Point => [
  idx.reduce((s, i) => s + lm[i]![0], 0) / idx.length,
  idx.reduce((s, i) => s + lm[i]![1], 0) / idx.length,
];

/** Where the subject's face is in the clean photo, for degrade() (as bench:field finds it). */
function spotOf(a: PhotoAnalysis): FaceSpot {
  const f = [...a.faces].sort(
    (x, y) =>
      Math.hypot(x.box.x + x.box.width / 2 - a.width / 2, x.box.y + x.box.height / 2 - a.height / 2) -
      Math.hypot(y.box.x + y.box.width / 2 - a.width / 2, y.box.y + y.box.height / 2 - a.height / 2),
  )[0];
  if (!f)
    return {
      centre: [125, 125],
      size: 110,
      eyes: [
        [100, 115],
        [150, 115],
      ],
      mouth: [125, 165],
      chin: [125, 190],
    };
  const lm = f.landmarks;
  return {
    centre: [f.box.x + f.box.width / 2, f.box.y + f.box.height / 2],
    size: Math.max(f.box.width, f.box.height),
    eyes: [mean(lm, [36, 37, 38, 39, 40, 41]), mean(lm, [42, 43, 44, 45, 46, 47])],
    mouth: mean(lm, [48, 54, 51, 57]),
    chin: lm[8]!,
  };
}

/**
 * Analyses every wanted photo missing from the cache and returns the whole cache. `wanted`:
 * relative paths under `imagesDir` with the kind each is needed in; a degraded photo is made
 * from the clean one (its face's place), with a seed from its index so a run is repeatable.
 */
export async function ensureFaces(opts: {
  imagesDir: string;
  cacheDir: string;
  modelId: string;
  /** The recogniser's manifest (scripts/bench/recogniser.ts). */
  manifestPath: string;
  workers: number;
  wanted: Array<{ rel: string; kind: 'clean' | Kind; seed: number }>;
  log: (s: string) => void;
}): Promise<Map<string, CachedPhoto>> {
  const cache = readCache(opts.cacheDir, opts.modelId);
  const todo = opts.wanted.filter((w) => !cache.has(photoKey(w.kind, w.rel)));
  if (todo.length === 0) return cache;
  fs.mkdirSync(opts.cacheDir, { recursive: true });
  const out = fs.openSync(cacheFile(opts.cacheDir, opts.modelId), 'a');
  const pool = await createFacePool({
    size: opts.workers,
    limits: { maxBytes: 20 * 1024 * 1024, maxPixels: 50e6 },
    manifestPath: opts.manifestPath,
  });
  if (pool.modelId !== opts.modelId) throw new Error(`engine model ${pool.modelId} is not ${opts.modelId}`);
  const spots = new Map<string, FaceSpot>();
  // clean photos first: the degraded ones need their face's place
  todo.sort((a, b) => (a.kind === 'clean' ? 0 : 1) - (b.kind === 'clean' ? 0 : 1));
  let next = 0;
  let done = 0;
  const t0 = Date.now();
  try {
    await Promise.all(
      Array.from({ length: opts.workers * 2 }, async () => {
        while (next < todo.length) {
          const w = todo[next++]!;
          const bytes = fs.readFileSync(path.join(opts.imagesDir, w.rel));
          let analysis: PhotoAnalysis;
          if (w.kind === 'clean') {
            analysis = await pool.analyse(bytes);
          } else {
            let spot = spots.get(w.rel);
            if (!spot) {
              spot = spotOf(await pool.analyse(bytes));
              spots.set(w.rel, spot);
            }
            const d = await degrade(w.kind, bytes, spot, w.seed, w.seed);
            analysis = await pool.analyse(d.bytes);
          }
          if (w.kind === 'clean') spots.set(w.rel, spotOf(analysis));
          const c = toCached(photoKey(w.kind, w.rel), analysis);
          cache.set(c.key, c);
          fs.writeSync(out, `${JSON.stringify(c)}\n`);
          if (++done % 50 === 0)
            opts.log(`  faces: ${done}/${todo.length} photos (${((Date.now() - t0) / 1000).toFixed(0)} s)`);
        }
      }),
    );
  } finally {
    fs.closeSync(out);
    await pool.close();
  }
  return cache;
}
