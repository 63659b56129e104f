import type { Box } from './types.ts';

/**
 * Two detections of one face: IoU over 0.3, or 70 % of the smaller box inside the larger (a
 * face's box inside a looser box of the same face). One rule for the upright pass, the rescue
 * cascade and the choice between them, so a face is never kept twice by one and merged by another.
 */
export function sameFace(a: Box, b: Box): boolean {
  const ix = Math.max(0, Math.min(a.x + a.width, b.x + b.width) - Math.max(a.x, b.x));
  const iy = Math.max(0, Math.min(a.y + a.height, b.y + b.height) - Math.max(a.y, b.y));
  const inter = ix * iy, aa = a.width * a.height, ab = b.width * b.height;
  return inter / (aa + ab - inter) > 0.3 || inter / Math.max(1e-9, Math.min(aa, ab)) > 0.7;
}

/** Greedy non-maximum suppression: best score first, each face once (sameFace). */
export function nms<T extends { box: Box; score: number }>(dets: readonly T[]): T[] {
  const kept: T[] = [];
  for (const d of [...dets].sort((a, b) => b.score - a.score)) if (!kept.some((k) => sameFace(k.box, d.box))) kept.push(d);
  return kept;
}
