/**
 * Verification metrics on similarity scores (higher = more alike). Pure functions.
 * `labels[i]` is true for a same-person pair.
 */

export interface FoldResult {
  threshold: number;
  accuracy: number;
}
export interface KFoldResult {
  mean: number;
  std: number;
  folds: FoldResult[];
}

/** Threshold that maximises accuracy (predict "same" when score ≥ t); midpoints between sorted scores. */
export function bestThreshold(scores: number[], labels: boolean[]): { threshold: number; accuracy: number } {
  const n = scores.length;
  if (n === 0) throw new Error('bestThreshold: no scores');
  const idx = scores.map((_, i) => i).sort((a, b) => scores[a]! - scores[b]!);
  const positives = labels.filter(Boolean).length;
  // threshold below everything: all predicted same
  let correct = positives;
  let best = correct;
  let bestT = scores[idx[0]!]! - 1e-6;
  for (let k = 0; k < n; k++) {
    const i = idx[k]!;
    // moving the threshold above scores[i] makes pair i "different"
    correct += labels[i] ? -1 : 1;
    const next = k + 1 < n ? scores[idx[k + 1]!]! : scores[i]! + 2e-6;
    if (next === scores[i]) continue; // ties move together
    if (correct > best) {
      best = correct;
      bestT = (scores[i]! + next) / 2;
    }
  }
  return { threshold: bestT, accuracy: best / n };
}

export function accuracyAt(scores: number[], labels: boolean[], threshold: number): number {
  let c = 0;
  scores.forEach((s, i) => {
    if (s >= threshold === labels[i]) c++;
  });
  return c / scores.length;
}

/**
 * Stratified fold assignment for an LFW-style list: the same-person pairs are cut into `k`
 * consecutive chunks, the different-person pairs likewise; fold j = chunk j of each.
 */
export function foldIndices(labels: boolean[], k = 10): number[] {
  const fold = new Array<number>(labels.length).fill(0);
  for (const want of [true, false]) {
    const members = labels.map((l, i) => (l === want ? i : -1)).filter((i) => i >= 0);
    members.forEach((i, r) => {
      fold[i] = Math.min(k - 1, Math.floor((r * k) / members.length));
    });
  }
  return fold;
}

/** LFW protocol: for each fold, pick the threshold on the other k−1 folds, score it on this one. */
export function kFoldAccuracy(scores: number[], labels: boolean[], k = 10): KFoldResult {
  const fold = foldIndices(labels, k);
  const folds: FoldResult[] = [];
  for (let j = 0; j < k; j++) {
    const trainS: number[] = [],
      trainL: boolean[] = [],
      testS: number[] = [],
      testL: boolean[] = [];
    scores.forEach((s, i) => {
      if (fold[i] === j) {
        testS.push(s);
        testL.push(labels[i]!);
      } else {
        trainS.push(s);
        trainL.push(labels[i]!);
      }
    });
    if (testS.length === 0 || trainS.length === 0) continue;
    const { threshold } = bestThreshold(trainS, trainL);
    folds.push({ threshold, accuracy: accuracyAt(testS, testL, threshold) });
  }
  const mean = folds.reduce((s, f) => s + f.accuracy, 0) / folds.length;
  const std = Math.sqrt(folds.reduce((s, f) => s + (f.accuracy - mean) ** 2, 0) / folds.length);
  return { mean, std, folds };
}

/** Area under the ROC curve (Mann–Whitney U, ties count half). */
export function auc(scores: number[], labels: boolean[]): number {
  const idx = scores.map((_, i) => i).sort((a, b) => scores[a]! - scores[b]!);
  const ranks = new Array<number>(scores.length);
  for (let k = 0; k < idx.length;) {
    let e = k;
    while (e + 1 < idx.length && scores[idx[e + 1]!] === scores[idx[k]!]) e++;
    const r = (k + e) / 2 + 1;
    for (let m = k; m <= e; m++) ranks[idx[m]!] = r;
    k = e + 1;
  }
  const nPos = labels.filter(Boolean).length;
  const nNeg = labels.length - nPos;
  if (nPos === 0 || nNeg === 0) throw new Error('auc needs both classes');
  let sumPos = 0;
  labels.forEach((l, i) => {
    if (l) sumPos += ranks[i]!;
  });
  return (sumPos - (nPos * (nPos + 1)) / 2) / (nPos * nNeg);
}

/**
 * The lowest threshold t (predict "same" when score ≥ t) at which the false-match rate on
 * `impostor` scores is ≤ `fmr`: strictly above the (⌊fmr·N⌋+1)-th highest impostor score.
 */
export function thresholdAtFmr(impostor: number[], fmr: number): number {
  if (impostor.length === 0) throw new Error('thresholdAtFmr: no impostor scores');
  const desc = [...impostor].sort((a, b) => b - a);
  const allowed = Math.floor(fmr * desc.length + 1e-9);
  if (allowed >= desc.length) return desc[desc.length - 1]!;
  return nextUp(desc[allowed]!);
}

/** Fraction of scores ≥ threshold. */
export function rateAtOrAbove(scores: number[], threshold: number): number {
  if (scores.length === 0) return 0;
  return scores.filter((s) => s >= threshold).length / scores.length;
}

/** True-accept rate at the threshold whose false-accept rate is ≤ `far`. */
export function tarAtFar(genuine: number[], impostor: number[], far: number): { tar: number; threshold: number } {
  const threshold = thresholdAtFmr(impostor, far);
  return { tar: rateAtOrAbove(genuine, threshold), threshold };
}

/** Smallest representable step above x (so `≥ t` excludes x itself). */
function nextUp(x: number): number {
  return x + Math.max(Number.EPSILON, Math.abs(x) * Number.EPSILON) * 2;
}

/** Cosine similarity of two L2-normalised vectors (their dot product). */
export function cosine(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error('cosine: length mismatch');
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
}
