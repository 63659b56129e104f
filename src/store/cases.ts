import { embeddingParams } from './embedding-columns.ts';
import type { Queryable } from './database.ts';
import type { NewFace } from './photos.ts';

import type { Language } from '../i18n/languages.ts';
import type { Box, CaseStatus } from '../vocabulary.ts';

// A case is stored in the `searches` table (the API's name for it); `src` calls it a case.

export interface CaseRow {
  id: string;
  status: CaseStatus;
  subject: Record<string, unknown>;
  modelId: string | null;
  createdAt: Date;
  deletedAt: Date | null;
  /** The language the family opened the case in; null for cases opened before it was kept. */
  lang: Language | null;
}

const CASE_COLUMNS = `id, status, subject, model_id AS "modelId", created_at AS "createdAt", deleted_at AS "deletedAt", lang`;

export async function insertCase(
  q: Queryable,
  s: { subject: Record<string, unknown>; modelId: string; createdBy: string | null; lang?: Language | undefined },
): Promise<CaseRow> {
  const r = await q.query<CaseRow>(
    `INSERT INTO searches (subject, model_id, created_by, lang) VALUES ($1, $2, $3, $4) RETURNING ${CASE_COLUMNS}`,
    [JSON.stringify(s.subject), s.modelId, s.createdBy, s.lang ?? null],
  );
  return r.rows[0]!;
}

export async function getCase(q: Queryable, id: string): Promise<CaseRow | undefined> {
  const r = await q.query<CaseRow>(`SELECT ${CASE_COLUMNS} FROM searches WHERE id = $1 AND deleted_at IS NULL`, [id]);
  return r.rows[0];
}

/** A family's reference face: a face (as in a gallery photo) plus which uploaded photo it is from. */
export interface NewReferenceFace extends NewFace {
  photoSha256: string;
  photoIndex: number;
  /** The upright photo's size, in whose pixels `box` is. */
  photoWidth: number;
  photoHeight: number;
  /** The photo as shown to verifiers: upright, at most 2048 px, no metadata. */
  displaySha256: string;
}

export async function insertReferenceFace(
  q: Queryable,
  caseId: string,
  modelId: string,
  f: NewReferenceFace,
): Promise<string> {
  const r = await q.query<{ id: string }>(
    `INSERT INTO reference_faces (search_id, model_id, photo_sha256, photo_index, face_index, box_x, box_y, box_width, box_height,
                                  score, landmarks, quality, crop_sha256, embedding, embedding_320, photo_width, photo_height, display_sha256)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14::vector, $15::vector, $16, $17, $18) RETURNING id`,
    [
      caseId,
      modelId,
      f.photoSha256,
      f.photoIndex,
      f.faceIndex,
      f.box.x,
      f.box.y,
      f.box.width,
      f.box.height,
      f.score,
      JSON.stringify(f.landmarks),
      JSON.stringify(f.quality),
      f.cropSha256,
      // the vector in the column of its length (embedding-columns.ts)
      ...embeddingParams(f.embedding),
      f.photoWidth,
      f.photoHeight,
      f.displaySha256,
    ],
  );
  return r.rows[0]!.id;
}

export interface ReferenceFaceRow {
  id: string;
  caseId: string;
  photoIndex: number;
  box: Box;
  quality: Record<string, unknown>;
  cropSha256: string | null;
  photoSha256: string;
  photoWidth: number | null;
  photoHeight: number | null;
  displaySha256: string | null;
}

export async function referenceFacesOf(q: Queryable, caseId: string): Promise<ReferenceFaceRow[]> {
  const r = await q.query<ReferenceFaceRow>(
    `SELECT id, search_id AS "caseId", photo_index AS "photoIndex",
            json_build_object('x', box_x, 'y', box_y, 'width', box_width, 'height', box_height) AS box,
            quality, crop_sha256 AS "cropSha256", photo_sha256 AS "photoSha256",
            photo_width AS "photoWidth", photo_height AS "photoHeight", display_sha256 AS "displaySha256"
     FROM reference_faces WHERE search_id = $1 ORDER BY photo_index`,
    [caseId],
  );
  return r.rows;
}

export async function getReferenceFace(q: Queryable, id: string): Promise<ReferenceFaceRow | undefined> {
  const r = await q.query<ReferenceFaceRow>(
    `SELECT rf.id, rf.search_id AS "caseId", rf.photo_index AS "photoIndex",
            json_build_object('x', rf.box_x, 'y', rf.box_y, 'width', rf.box_width, 'height', rf.box_height) AS box,
            rf.quality, rf.crop_sha256 AS "cropSha256", rf.photo_sha256 AS "photoSha256",
            rf.photo_width AS "photoWidth", rf.photo_height AS "photoHeight", rf.display_sha256 AS "displaySha256"
     FROM reference_faces rf JOIN searches s ON s.id = rf.search_id AND s.deleted_at IS NULL
     WHERE rf.id = $1`,
    [id],
  );
  return r.rows[0];
}

/**
 * A case's stored status, its row locked until the transaction ends: the status is derived from
 * its candidates (src/match/status.ts) and written back, and nothing may close or re-derive the
 * case in between. Undefined for an unknown case.
 */
export async function lockCaseStatus(q: Queryable, caseId: string): Promise<CaseStatus | undefined> {
  const r = await q.query<{ status: CaseStatus }>(`SELECT status FROM searches WHERE id = $1 FOR UPDATE`, [caseId]);
  return r.rows[0]?.status;
}

/** Stores the status src/match/status.ts derived for a case (kept in the row for filtering). */
export async function writeCaseStatus(q: Queryable, caseId: string, status: CaseStatus): Promise<void> {
  await q.query(`UPDATE searches SET status = $2, updated_at = now() WHERE id = $1`, [caseId, status]);
}

/**
 * Deletes a family's data for a case: reference faces (embeddings), what they told us and the
 * verifiers' notes go, the case is closed and its tokens stop working. Returns the blob keys that held the family's photos and crops.
 */
export async function deleteCaseData(q: Queryable, caseId: string): Promise<{ blobKeys: string[] }> {
  // Verifiers' notes are about this family's relative: they go; the decisions themselves stay.
  await q.query(
    `DELETE FROM decision_notes WHERE decision_id IN
       (SELECT d.id FROM decisions d JOIN candidates c ON c.id = d.candidate_id WHERE c.search_id = $1)`,
    [caseId],
  );
  // Where the family wanted to hear of news (DESIGN §20): nothing is sent for a deleted case.
  await q.query(`DELETE FROM notify_addresses WHERE search_id = $1`, [caseId]);
  // The keys of what the family told us (surname, document number) go with the subject.
  await q.query(`DELETE FROM case_record_keys WHERE search_id = $1`, [caseId]);
  const refs = await q.query<{ photo_sha256: string; crop_sha256: string | null; display_sha256: string | null }>(
    `DELETE FROM reference_faces WHERE search_id = $1 RETURNING photo_sha256, crop_sha256, display_sha256`,
    [caseId],
  );
  await q.query(
    `UPDATE searches SET status = 'closed', subject = '{}'::jsonb, closed_at = coalesce(closed_at, now()), deleted_at = now(), updated_at = now()
     WHERE id = $1`,
    [caseId],
  );
  const keys = new Set<string>();
  for (const r of refs.rows) {
    keys.add(r.photo_sha256);
    if (r.crop_sha256) keys.add(r.crop_sha256);
    if (r.display_sha256) keys.add(r.display_sha256);
  }
  return { blobKeys: [...keys] };
}

/** Blob keys still referenced by anything (a gallery photo can share bytes with a family's photo). */
export async function blobKeysInUse(q: Queryable, keys: readonly string[]): Promise<Set<string>> {
  if (keys.length === 0) return new Set();
  const r = await q.query<{ k: string }>(
    `SELECT k FROM unnest($1::text[]) AS k WHERE
       EXISTS (SELECT 1 FROM photos WHERE sha256 = k OR display_sha256 = k)
       OR EXISTS (SELECT 1 FROM faces WHERE crop_sha256 = k)
       OR EXISTS (SELECT 1 FROM reference_faces WHERE photo_sha256 = k OR crop_sha256 = k OR display_sha256 = k)`,
    [keys],
  );
  return new Set(r.rows.map((x) => x.k));
}
