import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  accuracyAt,
  auc,
  bestThreshold,
  cosine,
  foldIndices,
  kFoldAccuracy,
  rateAtOrAbove,
  tarAtFar,
  thresholdAtFmr,
} from '../../src/eval/metrics.ts';
import { lfwImagePath, parsePairs } from '../../src/eval/pairs.ts';
import { pickCentralFace, report } from '../../src/eval/run.ts';
import type { Face, PhotoAnalysis } from '../../src/face/types.ts';

/** Deterministic pseudo-random numbers (mulberry32). */
function rng(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('parsePairs', () => {
  it('reads the LFW format with header, tabs and no final newline', () => {
    const pairs = parsePairs('2\nAaron_Peirsol\t1\t2\nAaron_Peirsol\t3\t4\nAJ_Cook\t1\tMarsha_Thomason\t1');
    expect(pairs).toEqual([
      { same: true, a: { name: 'Aaron_Peirsol', n: 1 }, b: { name: 'Aaron_Peirsol', n: 2 } },
      { same: true, a: { name: 'Aaron_Peirsol', n: 3 }, b: { name: 'Aaron_Peirsol', n: 4 } },
      { same: false, a: { name: 'AJ_Cook', n: 1 }, b: { name: 'Marsha_Thomason', n: 1 } },
    ]);
    expect(parsePairs('10 300\nA 1 2\n')).toHaveLength(1);
    expect(() => parsePairs('A 1\n')).toThrow(/line 1/);
    expect(() => parsePairs('1\nA x 2\n')).toThrow(/line 2/);
  });

  it('builds LFW image paths with 4-digit numbers', () => {
    expect(lfwImagePath('/d', { name: 'Zhu_Rongji', n: 8 })).toBe(path.join('/d', 'Zhu_Rongji', 'Zhu_Rongji_0008.jpg'));
  });
});

describe('metrics', () => {
  it('bestThreshold finds the separating threshold and counts ties together', () => {
    const r = bestThreshold([0.1, 0.2, 0.8, 0.9], [false, false, true, true]);
    expect(r.accuracy).toBe(1);
    expect(r.threshold).toBeCloseTo(0.5);
    const tie = bestThreshold([0.5, 0.5, 0.5, 0.9], [false, true, false, true]);
    expect(tie.accuracy).toBe(0.75);
    expect(accuracyAt([0.5, 0.5, 0.5, 0.9], [false, true, false, true], tie.threshold)).toBe(0.75);
  });

  it('foldIndices splits each class into k equal consecutive chunks', () => {
    const labels = [...Array(20).fill(true), ...Array(20).fill(false)] as boolean[];
    const f = foldIndices(labels, 10);
    for (let j = 0; j < 10; j++) {
      expect(f.filter((x, i) => x === j && labels[i]).length).toBe(2);
      expect(f.filter((x, i) => x === j && !labels[i]).length).toBe(2);
    }
    expect(f.slice(0, 4)).toEqual([0, 0, 1, 1]);
  });

  it('kFoldAccuracy chooses each threshold without the test fold', () => {
    // perfectly separable except one outlier per class in fold 0
    const scores: number[] = [],
      labels: boolean[] = [];
    for (let i = 0; i < 100; i++) {
      scores.push(0.7 + i * 0.001);
      labels.push(true);
    }
    for (let i = 0; i < 100; i++) {
      scores.push(0.3 + i * 0.001);
      labels.push(false);
    }
    scores[0] = 0.1; // genuine outlier (fold 0)
    scores[100] = 0.95; // impostor outlier (fold 0)
    const r = kFoldAccuracy(scores, labels, 10);
    expect(r.folds).toHaveLength(10);
    expect(r.folds[0]!.accuracy).toBeCloseTo(18 / 20);
    for (const f of r.folds.slice(1)) expect(f.accuracy).toBe(1);
    expect(r.mean).toBeCloseTo(0.99);
    expect(r.std).toBeCloseTo(0.03);
  });

  it('auc is 1 for separable, 0.5 for identical, and handles ties', () => {
    expect(auc([0.9, 0.8, 0.1, 0.2], [true, true, false, false])).toBe(1);
    expect(auc([0.1, 0.2, 0.9, 0.8], [true, true, false, false])).toBe(0);
    expect(auc([0.5, 0.5, 0.5, 0.5], [true, false, true, false])).toBe(0.5);
    expect(auc([0.9, 0.5, 0.5, 0.1], [true, true, false, false])).toBe(0.875);
  });

  it('thresholdAtFmr lets at most ⌊fmr·N⌋ impostors through', () => {
    const r = rng(7);
    const impostor = Array.from({ length: 5000 }, () => r());
    for (const fmr of [0.001, 0.01, 0.1]) {
      const t = thresholdAtFmr(impostor, fmr);
      const passed = impostor.filter((s) => s >= t).length;
      expect(passed).toBeLessThanOrEqual(Math.floor(fmr * impostor.length));
      // and it is the lowest such threshold: the next impostor below would exceed the budget
      const below = Math.max(...impostor.filter((s) => s < t));
      expect(impostor.filter((s) => s >= below).length).toBeGreaterThan(Math.floor(fmr * impostor.length));
    }
    expect(thresholdAtFmr([0.2, 0.4, 0.9], 0.001)).toBeGreaterThan(0.9);
  });

  it('tarAtFar and rateAtOrAbove', () => {
    const impostor = Array.from({ length: 1000 }, (_, i) => i / 1000); // 0 … 0.999
    const genuine = [0.5, 0.9985, 0.9995, 1];
    const { tar, threshold } = tarAtFar(genuine, impostor, 0.001);
    expect(threshold).toBeGreaterThan(0.998);
    expect(threshold).toBeLessThanOrEqual(0.999);
    expect(tar).toBe(0.75); // one impostor (0.999) may pass: threshold just above 0.998
    expect(rateAtOrAbove([0.1, 0.2, 0.3], 0.2)).toBeCloseTo(2 / 3);
  });

  it('cosine is the dot product', () => {
    expect(cosine([1, 0], [0, 1])).toBe(0);
    expect(cosine([0.6, 0.8], [0.6, 0.8])).toBeCloseTo(1);
    expect(() => cosine([1], [1, 2])).toThrow();
  });
});

describe('evaluation helpers', () => {
  const face = (x: number, y: number, w: number, score = 0.9): Face => ({
    box: { x, y, width: w, height: w },
    score,
    landmarks: [],
    embedding: [],
    quality: { faceSize: w, eyeDistance: 0, sharpness: 0, yaw: 0, roll: 0, detectionScore: score },
  });

  it('pickCentralFace takes the face nearest the photo centre, not the largest', () => {
    const a: PhotoAnalysis = { width: 250, height: 250, format: 'jpeg', faces: [face(0, 0, 120), face(80, 80, 90)] };
    expect(pickCentralFace(a)?.box.x).toBe(80);
    expect(pickCentralFace({ ...a, faces: [] })).toBeUndefined();
  });

  it('report scores pairs, counts no-face and failed photos, and derives thresholds', () => {
    const pairs = parsePairs('A 1 2\nB 1 2\nA 1 B 1\nA 2 C 1\n');
    const e = (v: number[]) => {
      const n = Math.hypot(...v);
      return v.map((x) => x / n);
    };
    const emb = new Map<string, { e: number[]; detected: boolean } | undefined>([
      ['A#1', { e: e([1, 0.1]), detected: true }],
      ['A#2', { e: e([1, 0.2]), detected: false }],
      ['B#1', { e: e([0.1, 1]), detected: true }],
      ['B#2', { e: e([0.2, 1]), detected: true }],
      ['C#1', undefined],
    ]);
    const r = report('x', pairs, emb);
    expect(r.pairs).toBe(4);
    expect(r.photos).toBe(5);
    expect(r.noFace).toBe(1);
    expect(r.noFacePhotos).toEqual(['A#2']);
    expect(r.failed).toBe(1);
    expect(r.auc).toBe(1);
    expect(r.accuracy.mean).toBeGreaterThan(0.5);
    // different-identity pairs among the 4 readable photos: A×B = 4
    expect(r.all_impostors.count).toBe(4);
    expect(r.all_impostors['threshold@1%']).toBeGreaterThan(cosine(e([1, 0.2]), e([0.2, 1])));
  });
});
