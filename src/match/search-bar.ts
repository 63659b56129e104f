import type { ModelManifest } from '../face/manifest.ts';
import type { Queryable } from '../store/database.ts';
import { galleryFaceCount } from '../store/matching.ts';
import { archiveSize } from '../store/records.ts';
import { DEFAULT_QUEUE_FPIR, queueBar } from './bar.ts';

/**
 * The bar as the queue applies it now (src/match/bar.ts): the archive's size (faces of the
 * model, or records when there are more of them), the highest stranger rate a candidate may
 * have to be offered, and the similarity at which a face counts as the confirmed man's own in
 * another photo (the calibration's `strong`). Read where a queue or a case's list is read:
 * the bar follows the archive as it grows.
 */
export interface SearchBar {
  archiveSize: number;
  fpir: number;
  maxRate: number;
  sameMan: number;
}

export async function currentBar(
  q: Queryable,
  manifest: ModelManifest,
  fpir: number = DEFAULT_QUEUE_FPIR,
): Promise<SearchBar> {
  const faces = await galleryFaceCount(q, manifest.id);
  const size = await archiveSize(q);
  const n = Math.max(faces, size.records, 1);
  return { archiveSize: n, fpir, maxRate: queueBar(n, fpir), sameMan: manifest.calibration.strong.threshold };
}
