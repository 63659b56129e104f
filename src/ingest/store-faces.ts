import type { BlobStore } from '../store/blobs.ts';
import type { NewFace } from '../store/photos.ts';
import type { ProcessedFace } from './process.ts';

/**
 * A processed photo's faces as rows to write: each crop stored as a blob (before the transaction
 * that references it, as gc's grace period assumes), numbered in the engine's order. The photo
 * job and `reembed` both store faces this way.
 */
export async function storeProcessedFaces(blobs: BlobStore, faces: readonly ProcessedFace[]): Promise<NewFace[]> {
  const rows: NewFace[] = [];
  for (const [i, f] of faces.entries()) {
    rows.push({
      faceIndex: i,
      box: f.box,
      score: f.score,
      landmarks: f.landmarks,
      quality: { ...f.quality },
      cropSha256: await blobs.put(f.crop),
      embedding: f.embedding,
    });
  }
  return rows;
}
