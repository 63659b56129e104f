import { readFile } from 'node:fs/promises';
import type { Recipe } from '../face/recipe.ts';
import type { AnalyseOptions, Face, PhotoAnalysis } from '../face/types.ts';
import { imageKey, lfwImagePath, type Pair, type PairImage } from './pairs.ts';
import { auc, cosine, kFoldAccuracy, rateAtOrAbove, thresholdAtFmr, type KFoldResult } from './metrics.ts';

export interface RecipeAnalyser {
  analyseRecipes(bytes: Uint8Array, recipes: Recipe[], options?: AnalyseOptions): Promise<PhotoAnalysis[]>;
}

export interface RecipeReport {
  recipe: string;
  pairs: number;
  accuracy: KFoldResult;
  auc: number;
  /** On the labelled different-person pairs. */
  pairs_fmr: { 'threshold@0.1%': number; 'threshold@1%': number; 'tar@far0.1%': number; 'tar@far1%': number };
  /** On every different-person pair among the evaluated photos (many more impostors: steadier thresholds). */
  all_impostors: {
    count: number;
    'threshold@0.1%': number;
    'threshold@1%': number;
    'threshold@10%': number;
    'tar@far0.1%': number;
    'tar@far1%': number;
  };
  photos: number;
  /** Photos in which the recipe's detector found no face (scored on a centred fallback box). */
  noFace: number;
  /** Those photos by LFW key (`Name#n`), sorted: the list to look at by eye. */
  noFacePhotos: string[];
  /** Photos that could not be read or decoded (pairs with them score −1). */
  failed: number;
}

/**
 * The face the LFW label refers to: LFW photos are centred on the named person, so among the
 * detected faces take the one whose box centre is nearest the photo centre (ties: larger box).
 */
export function pickCentralFace(a: PhotoAnalysis): Face | undefined {
  let best: Face | undefined;
  let bestD = Infinity;
  for (const f of a.faces) {
    const d = Math.hypot(f.box.x + f.box.width / 2 - a.width / 2, f.box.y + f.box.height / 2 - a.height / 2);
    if (
      d < bestD - 1e-9 ||
      (Math.abs(d - bestD) <= 1e-9 && best && f.box.width * f.box.height > best.box.width * best.box.height)
    ) {
      best = f;
      bestD = d;
    }
  }
  return best;
}

export interface EvalOptions {
  imagesDir: string;
  pairs: Pair[];
  recipes: Recipe[];
  /** How many photos to keep in flight (≥ the pool size). */
  inFlight: number;
  onProgress?: (done: number, total: number) => void;
}

export async function evaluatePairs(analyser: RecipeAnalyser, o: EvalOptions): Promise<RecipeReport[]> {
  const images = new Map<string, PairImage>();
  for (const p of o.pairs) {
    images.set(imageKey(p.a), p.a);
    images.set(imageKey(p.b), p.b);
  }
  const keys = [...images.keys()];
  // per recipe: key → embedding (undefined when the photo failed), and whether a face was detected
  const emb = o.recipes.map(() => new Map<string, { e: number[]; detected: boolean } | undefined>());
  let next = 0,
    done = 0;
  const worker = async () => {
    while (next < keys.length) {
      const key = keys[next++]!;
      const img = images.get(key)!;
      try {
        const bytes = await readFile(lfwImagePath(o.imagesDir, img));
        const results = await analyser.analyseRecipes(bytes, o.recipes, { centreFallback: true });
        results.forEach((r, i) => {
          const f = pickCentralFace(r);
          emb[i]!.set(key, f ? { e: f.embedding, detected: f.score > 0 } : undefined);
        });
      } catch {
        emb.forEach((m) => m.set(key, undefined));
      }
      done++;
      o.onProgress?.(done, keys.length);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, o.inFlight) }, worker));
  return o.recipes.map((r, i) => report(r.name, o.pairs, emb[i]!));
}

export function report(
  name: string,
  pairs: Pair[],
  emb: Map<string, { e: number[]; detected: boolean } | undefined>,
): RecipeReport {
  const scores: number[] = [];
  const labels: boolean[] = [];
  for (const p of pairs) {
    const a = emb.get(imageKey(p.a)),
      b = emb.get(imageKey(p.b));
    scores.push(a && b ? cosine(a.e, b.e) : -1);
    labels.push(p.same);
  }
  const genuine = scores.filter((_, i) => labels[i]);
  const impostor = scores.filter((_, i) => !labels[i]);
  const t01 = thresholdAtFmr(impostor, 0.001),
    t1 = thresholdAtFmr(impostor, 0.01);
  // all cross-identity pairs among the photos
  const entries = [...emb.entries()].filter(
    (e): e is [string, { e: number[]; detected: boolean }] => e[1] !== undefined,
  );
  const all: number[] = [];
  for (let i = 0; i < entries.length; i++) {
    const [ki, vi] = entries[i]!;
    const ni = ki.slice(0, ki.lastIndexOf('#'));
    for (let j = i + 1; j < entries.length; j++) {
      const [kj, vj] = entries[j]!;
      if (kj.slice(0, kj.lastIndexOf('#')) === ni) continue;
      all.push(cosine(vi.e, vj.e));
    }
  }
  const a01 = thresholdAtFmr(all, 0.001),
    a1 = thresholdAtFmr(all, 0.01),
    a10 = thresholdAtFmr(all, 0.1);
  return {
    recipe: name,
    pairs: pairs.length,
    accuracy: kFoldAccuracy(scores, labels, 10),
    auc: auc(scores, labels),
    pairs_fmr: {
      'threshold@0.1%': t01,
      'threshold@1%': t1,
      'tar@far0.1%': rateAtOrAbove(genuine, t01),
      'tar@far1%': rateAtOrAbove(genuine, t1),
    },
    all_impostors: {
      count: all.length,
      'threshold@0.1%': a01,
      'threshold@1%': a1,
      'threshold@10%': a10,
      'tar@far0.1%': rateAtOrAbove(genuine, a01),
      'tar@far1%': rateAtOrAbove(genuine, a1),
    },
    photos: emb.size,
    noFace: [...emb.values()].filter((v) => v !== undefined && !v.detected).length,
    noFacePhotos: [...emb.entries()]
      .filter(([, v]) => v !== undefined && !v.detected)
      .map(([k]) => k)
      .sort(),
    failed: [...emb.values()].filter((v) => v === undefined).length,
  };
}
