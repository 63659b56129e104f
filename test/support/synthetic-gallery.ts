import { matchCase } from '../../src/match/search.ts';
import type { ModelManifest } from '../../src/face/manifest.ts';
import { CASE_CANDIDATES } from '../../src/match/rank.ts';
import { upsertCandidates } from '../../src/store/candidates.ts';
import { insertCase, insertReferenceFace } from '../../src/store/cases.ts';
import type { Database } from '../../src/store/database.ts';
import { completePhoto, insertPhoto } from '../../src/store/photos.ts';
import { subjectRecord } from '../../src/records/record.ts';
import { putCaseKeys, recordArchivePhoto } from '../../src/store/records.ts';

/**
 * Gallery photos and cases written straight into a real database, with embeddings placed at
 * chosen similarities: for rules of the store and the use cases in which the face engine has no
 * part (which faces rank, who may see what). Blob keys are made up unless `blobs` are given.
 */

const DIMS = 128;
export const hex64 = (n: number) => n.toString(16).padStart(64, '0');

/** Unit vector along axis `i`. */
export function axis(i: number): number[] {
  const v = new Array<number>(DIMS).fill(0);
  v[i] = 1;
  return v;
}

/** A unit vector whose cosine with axis `along` is exactly `similarity` (the rest on axis `off`). */
export function at(along: number, off: number, similarity: number): number[] {
  const v = axis(along).map((x) => x * similarity);
  v[off] = Math.sqrt(1 - similarity * similarity);
  return v;
}

/** A deterministic pseudo-random unit vector (xorshift), so a failure reproduces from its seed. */
export function unitVector(seed: number, dims = DIMS): number[] {
  let x = seed * 2654435761 || 1;
  const v: number[] = [];
  for (let i = 0; i < dims; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    v.push(((x >>> 0) / 0xffffffff) * 2 - 1);
  }
  const n = Math.hypot(...v);
  return v.map((a) => a / n);
}

const BOX = { x: 80, y: 80, width: 90, height: 90 };

export function syntheticGallery(db: Database, manifest: ModelManifest) {
  let n = 0;
  return {
    /**
     * A done gallery photo with one face of the given embedding (none for `null`: a face the
     * detector missed), and the person record of `metadata` (names, birthDate, idNumbers…);
     * `quality` is the face's stored quality (e.g. a `bandCap`).
     */
    async photo(
      embedding: number[] | null,
      blobs?: { photo?: string; display?: string; crop?: string },
      metadata: Record<string, unknown> = {},
      quality: Record<string, unknown> = {},
    ): Promise<{ photoId: string; faceId: string }> {
      const i = ++n;
      return db.transaction(async (tx) => {
        const { id } = await insertPhoto(tx, {
          sha256: blobs?.photo ?? hex64(i),
          originalName: `g${i}.jpg`,
          byteSize: 1000,
          format: 'jpeg',
          sourceId: null,
          metadata,
        });
        await recordArchivePhoto(tx, id, metadata);
        await completePhoto(tx, id, {
          width: 250,
          height: 250,
          format: 'jpeg',
          displaySha256: blobs?.display ?? hex64(1_000_000 + i),
          modelId: manifest.id,
          faces: embedding
            ? [
                {
                  faceIndex: 0,
                  box: BOX,
                  score: 0.99,
                  landmarks: [],
                  quality,
                  cropSha256: blobs?.crop ?? hex64(2_000_000 + i),
                  embedding,
                },
              ]
            : [],
        });
        const face = await tx.query<{ id: string }>(`SELECT id FROM faces WHERE photo_id = $1`, [id]);
        return { photoId: id, faceId: face.rows[0]?.id ?? '' };
      });
    },
    /**
     * Opens a case with one reference face (none for `null`) and the family's `subject`, and gives
     * it what a case search over today's gallery finds.
     */
    async openCase(
      reference: number[] | null,
      blobs?: { crop?: string; display?: string },
      subject: Record<string, unknown> = {},
    ): Promise<{ caseId: string; referenceFaceId: string }> {
      const i = ++n;
      return db.transaction(async (tx) => {
        const opened = await insertCase(tx, { subject, modelId: manifest.id, createdBy: null });
        const record = subjectRecord(subject);
        await putCaseKeys(tx, opened.id, record);
        if (!reference) {
          await upsertCandidates(tx, opened.id, await matchCase(tx, manifest, [], record, CASE_CANDIDATES));
          return { caseId: opened.id, referenceFaceId: '' };
        }
        const referenceFaceId = await insertReferenceFace(tx, opened.id, manifest.id, {
          photoSha256: hex64(3_000_000 + i),
          photoIndex: 0,
          photoWidth: 250,
          photoHeight: 250,
          displaySha256: blobs?.display ?? hex64(4_000_000 + i),
          faceIndex: 0,
          box: BOX,
          score: 0.99,
          landmarks: [],
          quality: {},
          cropSha256: blobs?.crop ?? hex64(5_000_000 + i),
          embedding: reference,
        });
        await upsertCandidates(
          tx,
          opened.id,
          await matchCase(tx, manifest, [{ id: referenceFaceId, embedding: reference }], record, CASE_CANDIDATES),
        );
        return { caseId: opened.id, referenceFaceId };
      });
    },
  };
}
