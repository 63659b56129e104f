import { embeddingParams } from './embedding-columns.ts';
import type { Queryable } from './database.ts';
import type { NewFace } from './photos.ts';
import type { Box } from '../vocabulary.ts';

/** Processed archive photos whose faces come from another model than `modelId`. */
export async function countOnOlderModel(q: Queryable, modelId: string): Promise<number> {
  const r = await q.query<{ n: number }>(
    `SELECT count(*)::integer AS n FROM photos WHERE status = 'done' AND model_id IS DISTINCT FROM $1`,
    [modelId],
  );
  return r.rows[0]!.n;
}

/** The next photos to re-embed, by id after `afterId`: a run resumes where it stopped, and a photo that failed is not retried in a loop. */
export async function photosOnOlderModel(
  q: Queryable,
  modelId: string,
  opts: { afterId: string | null; limit: number },
): Promise<Array<{ id: string; sha256: string }>> {
  const r = await q.query<{ id: string; sha256: string }>(
    `SELECT id, sha256 FROM photos
     WHERE status = 'done' AND model_id IS DISTINCT FROM $1 AND ($2::uuid IS NULL OR id > $2::uuid)
     ORDER BY id LIMIT $3`,
    [modelId, opts.afterId, opts.limit],
  );
  return r.rows;
}

/** Pairs (old face index in `old`, new face index in `fresh`) that are the same face. */
export type FaceMatcher = (old: Box[], fresh: Box[]) => Array<[number, number]>;

/**
 * Replaces a photo's faces from older models by `faces` from `modelId`, in the caller's
 * transaction. Candidates follow their face to the new face found at the same place, so cases
 * and decisions keep pointing at the same person; an old face found again nowhere goes, with
 * the candidates nobody decided on (decided ones stay on record without a face). Skipped when
 * the photo is no longer done or is on `modelId` already (another run got there first).
 */
export async function replaceFacesWithModel(
  tx: Queryable,
  photoId: string,
  modelId: string,
  faces: NewFace[],
  match: FaceMatcher,
): Promise<{ stored: boolean; remapped: number; dropped: number }> {
  const locked = await tx.query<{ status: string; modelId: string | null }>(
    `SELECT status, model_id AS "modelId" FROM photos WHERE id = $1 FOR UPDATE`,
    [photoId],
  );
  const row = locked.rows[0];
  if (!row || row.status !== 'done' || row.modelId === modelId) return { stored: false, remapped: 0, dropped: 0 };
  const old = await tx.query<{ id: string; box: Box }>(
    `SELECT id, json_build_object('x', box_x, 'y', box_y, 'width', box_width, 'height', box_height) AS box
     FROM faces WHERE photo_id = $1 AND model_id <> $2 ORDER BY face_index`,
    [photoId, modelId],
  );
  const freshIds: string[] = [];
  for (const f of faces) {
    const r = await tx.query<{ id: string }>(
      `INSERT INTO faces (photo_id, model_id, face_index, box_x, box_y, box_width, box_height, score, landmarks, quality, crop_sha256, embedding, embedding_320)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12::vector, $13::vector)
       RETURNING id`,
      [
        photoId,
        modelId,
        f.faceIndex,
        f.box.x,
        f.box.y,
        f.box.width,
        f.box.height,
        Math.min(1, Math.max(0, f.score)),
        JSON.stringify(f.landmarks),
        JSON.stringify(f.quality),
        f.cropSha256,
        // the vector in the column of its length (embedding-columns.ts)
        ...embeddingParams(f.embedding),
      ],
    );
    freshIds.push(r.rows[0]!.id);
  }
  const pairs = match(
    old.rows.map((o) => o.box),
    faces.map((f) => f.box),
  );
  const matched = new Set<number>();
  for (const [i, j] of pairs) {
    matched.add(i);
    // A case that already has a candidate on the new face (two old faces → one new) keeps that one.
    await tx.query(
      `UPDATE candidates c SET face_id = $2 WHERE c.face_id = $1
         AND NOT EXISTS (SELECT 1 FROM candidates o WHERE o.search_id = c.search_id AND o.face_id = $2)`,
      [old.rows[i]!.id, freshIds[j]],
    );
  }
  const gone = old.rows.map((o) => o.id);
  const unmatched = old.rows.filter((_, i) => !matched.has(i)).map((o) => o.id);
  if (gone.length > 0) {
    await tx.query(
      `DELETE FROM candidates c WHERE c.face_id = ANY($1::uuid[]) AND NOT EXISTS (SELECT 1 FROM decisions d WHERE d.candidate_id = c.id)`,
      [gone],
    );
    await tx.query(`DELETE FROM faces WHERE id = ANY($1::uuid[])`, [gone]);
  }
  await tx.query(`UPDATE photos SET model_id = $2, updated_at = now() WHERE id = $1`, [photoId, modelId]);
  return { stored: true, remapped: pairs.length, dropped: unmatched.length };
}

/** Reference faces of cases still held (not deleted, not purged) that are on another model. */
export async function referencesOnOlderModel(
  q: Queryable,
  modelId: string,
): Promise<Array<{ id: string; caseId: string; photoSha256: string; box: Box }>> {
  const r = await q.query<{ id: string; caseId: string; photoSha256: string; box: Box }>(
    `SELECT rf.id, rf.search_id AS "caseId", rf.photo_sha256 AS "photoSha256",
            json_build_object('x', rf.box_x, 'y', rf.box_y, 'width', rf.box_width, 'height', rf.box_height) AS box
     FROM reference_faces rf JOIN searches s ON s.id = rf.search_id
     WHERE rf.model_id <> $1 AND s.deleted_at IS NULL AND s.purged_at IS NULL
     ORDER BY rf.search_id, rf.photo_index`,
    [modelId],
  );
  return r.rows;
}

/** A family's reference face computed again with `modelId`, in place: its candidates keep pointing at it. */
export async function updateReferenceFace(
  tx: Queryable,
  id: string,
  modelId: string,
  f: Omit<NewFace, 'faceIndex' | 'cropSha256'> & { faceIndex: number },
): Promise<void> {
  await tx.query(
    `UPDATE reference_faces SET model_id = $2, face_index = $3, box_x = $4, box_y = $5, box_width = $6, box_height = $7, score = $8,
            landmarks = $9, quality = $10, embedding = $11::vector, embedding_320 = $12::vector
     WHERE id = $1`,
    [
      id,
      modelId,
      f.faceIndex,
      f.box.x,
      f.box.y,
      f.box.width,
      f.box.height,
      f.score,
      JSON.stringify(f.landmarks),
      JSON.stringify(f.quality),
      ...embeddingParams(f.embedding),
    ],
  );
  await tx.query(`UPDATE searches SET model_id = $2 WHERE id = (SELECT search_id FROM reference_faces WHERE id = $1)`, [
    id,
    modelId,
  ]);
}

export async function countReferencesOnOlderModel(q: Queryable, modelId: string): Promise<number> {
  const r = await q.query<{ n: number }>(
    `SELECT count(*)::integer AS n FROM reference_faces rf JOIN searches s ON s.id = rf.search_id
     WHERE rf.model_id <> $1 AND s.deleted_at IS NULL AND s.purged_at IS NULL`,
    [modelId],
  );
  return r.rows[0]!.n;
}
