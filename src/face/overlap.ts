import type { Box } from './types.ts';

/** How two boxes overlap: intersection over union, and the share of the smaller inside the larger. */
export function overlapOf(a: Box, b: Box): { iou: number; contained: number } {
  const ix = Math.max(0, Math.min(a.x + a.width, b.x + b.width) - Math.max(a.x, b.x));
  const iy = Math.max(0, Math.min(a.y + a.height, b.y + b.height) - Math.max(a.y, b.y));
  const inter = ix * iy,
    aa = a.width * a.height,
    ab = b.width * b.height;
  const union = aa + ab - inter;
  return { iou: union > 0 ? inter / union : 0, contained: inter / Math.max(1e-9, Math.min(aa, ab)) };
}

/** When two boxes are taken for one face: an IoU bound, or a share of the smaller box inside the larger. */
export interface SameFaceRule {
  iou: { over: number } | { atLeast: number };
  /** Absent: containment alone never makes two boxes one face. */
  containedOver?: number;
}

/**
 * Two detections of one face in one analysis: IoU over 0.3, or 70 % of the smaller box inside the
 * larger (a face's box inside a looser box of the same face). One rule for the upright pass, the
 * rescue cascade and the choice between them, so a face is never kept twice by one and merged by
 * another.
 */
export const ONE_DETECTION: SameFaceRule = { iou: { over: 0.3 }, containedOver: 0.7 };

export function sameFace(a: Box, b: Box, rule: SameFaceRule = ONE_DETECTION): boolean {
  const o = overlapOf(a, b);
  const byIou = 'over' in rule.iou ? o.iou > rule.iou.over : o.iou >= rule.iou.atLeast;
  return byIou || (rule.containedOver !== undefined && o.contained > rule.containedOver);
}

/** Greedy non-maximum suppression: best score first, each face once (sameFace). */
export function nms<T extends { box: Box; score: number }>(dets: readonly T[]): T[] {
  const kept: T[] = [];
  for (const d of [...dets].sort((a, b) => b.score - a.score))
    if (!kept.some((k) => sameFace(k.box, d.box))) kept.push(d);
  return kept;
}
