import type { BlobStore } from '../store/blobs.ts';
import { insertReferenceFace } from '../store/cases.ts';
import type { Queryable } from '../store/database.ts';
import type { ChosenFace } from './reference-photos.ts';

export type StoredFace = ChosenFace & { photoSha256: string; cropSha256: string; displaySha256: string };

/**
 * The blobs of the chosen faces (photo, crop, display copy), written before the transaction
 * that names them: a blob without a row is harmless (gc), a row without its blob is not.
 */
export async function putReferenceBlobs(blobs: BlobStore, chosen: readonly ChosenFace[]): Promise<StoredFace[]> {
  const stored: StoredFace[] = [];
  for (const c of chosen) {
    stored.push({
      ...c,
      photoSha256: await blobs.put(c.bytes),
      cropSha256: await blobs.put(c.face.crop),
      displaySha256: await blobs.put(c.display),
    });
  }
  return stored;
}

/** The case's rows for those faces, numbered from `firstIndex`; what matching needs back. */
export async function insertReferenceFaces(
  tx: Queryable,
  caseId: string,
  modelId: string,
  stored: readonly StoredFace[],
  firstIndex: number,
): Promise<Array<{ id: string; embedding: number[] }>> {
  const refs = [];
  for (const [i, s] of stored.entries()) {
    const id = await insertReferenceFace(tx, caseId, modelId, {
      photoSha256: s.photoSha256,
      photoIndex: firstIndex + i,
      photoWidth: s.width,
      photoHeight: s.height,
      displaySha256: s.displaySha256,
      faceIndex: s.index,
      box: s.face.box,
      score: s.face.score,
      landmarks: s.face.landmarks,
      quality: { ...s.face.quality },
      cropSha256: s.cropSha256,
      embedding: s.face.embedding,
    });
    refs.push({ id, embedding: s.face.embedding });
  }
  return refs;
}
