import { embeddingParams } from './embedding-columns.ts';
import type { Queryable } from './database.ts';

import type { Box, Category, PhotoStatus } from '../vocabulary.ts';

export interface PhotoRow {
  id: string;
  sha256: string;
  originalName: string | null;
  source: string | null;
  byteSize: number;
  format: string | null;
  width: number | null;
  height: number | null;
  metadata: Record<string, unknown>;
  status: PhotoStatus;
  error: { code: string; message: string } | null;
  attempts: number;
  displaySha256: string | null;
  createdAt: Date;
  processedAt: Date | null;
  category: Category;
  /** The batch that first brought the photo in. */
  batchId: string | null;
  /** The model its faces were computed with (null until processed). */
  modelId: string | null;
  /** Set when the photo was withdrawn: why, when, by whom (ids only). */
  withdrawal: { reason: string; at: string; by: { id: string | null; role: string; personId: string | null } } | null;
}

const PHOTO_COLUMNS = `p.id, p.sha256, p.original_name AS "originalName", s.name AS source, p.byte_size AS "byteSize",
  p.format, p.width, p.height, p.metadata, p.status, p.error, p.attempts, p.display_sha256 AS "displaySha256",
  p.created_at AS "createdAt", p.processed_at AS "processedAt", p.category, p.batch_id AS "batchId", p.model_id AS "modelId", p.withdrawal`;

export async function ensureSource(q: Queryable, name: string): Promise<string> {
  // The no-op update makes RETURNING yield the row on conflict too, in one round trip.
  const r = await q.query<{ id: string }>(
    `INSERT INTO sources (name) VALUES ($1) ON CONFLICT (name) DO UPDATE SET name = EXCLUDED.name RETURNING id`,
    [name],
  );
  return r.rows[0]!.id;
}

export interface NewPhoto {
  sha256: string;
  originalName: string;
  byteSize: number;
  format: string;
  sourceId: string | null;
  metadata: Record<string, unknown>;
  category?: Category | undefined;
  batchId?: string | null | undefined;
  /** The archive person it joins (a CSV `person_ref`); absent: a person of its own (0014's trigger). */
  personId?: string | undefined;
}

/**
 * Registers a photo by content. Returns `created: false` and the existing row's id when the
 * same bytes are already known (whatever their name), so duplicates are never re-processed.
 */
export async function insertPhoto(
  q: Queryable,
  p: NewPhoto,
): Promise<{ id: string; created: boolean; status: PhotoStatus }> {
  const ins = await q.query<{ id: string }>(
    `INSERT INTO photos (sha256, original_name, byte_size, format, source_id, metadata, category, batch_id, person_id)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
     ON CONFLICT (sha256) DO NOTHING
     RETURNING id`,
    [
      p.sha256,
      p.originalName,
      p.byteSize,
      p.format,
      p.sourceId,
      JSON.stringify(p.metadata),
      p.category ?? 'unknown',
      p.batchId ?? null,
      p.personId ?? null,
    ],
  );
  if (ins.rows[0]) return { id: ins.rows[0].id, created: true, status: 'queued' };
  const existing = await q.query<{ id: string; status: PhotoStatus }>(
    `SELECT id, status FROM photos WHERE sha256 = $1`,
    [p.sha256],
  );
  const row = existing.rows[0]!;
  return { id: row.id, created: false, status: row.status };
}

export async function getPhoto(q: Queryable, id: string): Promise<PhotoRow | undefined> {
  const r = await q.query<PhotoRow>(
    `SELECT ${PHOTO_COLUMNS} FROM photos p LEFT JOIN sources s ON s.id = p.source_id WHERE p.id = $1`,
    [id],
  );
  return r.rows[0];
}

export async function getPhotosByIds(q: Queryable, ids: readonly string[]): Promise<PhotoRow[]> {
  if (ids.length === 0) return [];
  const r = await q.query<PhotoRow>(
    `SELECT ${PHOTO_COLUMNS} FROM photos p LEFT JOIN sources s ON s.id = p.source_id WHERE p.id = ANY($1::uuid[])`,
    [ids],
  );
  return r.rows;
}

/** Marks an attempt as started; returns false when there is nothing to do (done, or gone). */
export async function startAttempt(q: Queryable, id: string): Promise<{ sha256: string } | undefined> {
  const r = await q.query<{ sha256: string }>(
    `UPDATE photos SET status = 'processing', attempts = attempts + 1, error = NULL, heartbeat_at = now(), updated_at = now()
     WHERE id = $1 AND status IN ('queued', 'processing', 'failed')
     RETURNING sha256`,
    [id],
  );
  return r.rows[0];
}

/** Renews the lease of a photo this process is processing (see requeueExpiredLeases). */
export async function renewLease(q: Queryable, id: string): Promise<void> {
  await q.query(`UPDATE photos SET heartbeat_at = now() WHERE id = $1 AND status = 'processing'`, [id]);
}

/**
 * Photos left `processing` whose lease ran out `leaseSeconds` ago: their worker died. Those with
 * attempts left go back to `queued` (the caller queues a job for each in the same transaction);
 * those that have used every attempt (a photo that kills its worker each time) end `failed`, so
 * they are not retried for ever. SKIP LOCKED: two sweepers never take the same photo. Photos
 * from before the lease existed have no heartbeat: their last update stands in for it.
 */
export async function requeueExpiredLeases(
  tx: Queryable,
  opts: { leaseSeconds: number; maxAttempts: number },
): Promise<{ requeued: string[]; failed: string[] }> {
  const expired = await tx.query<{ id: string; attempts: number }>(
    `SELECT id, attempts FROM photos
     WHERE status = 'processing' AND coalesce(heartbeat_at, updated_at) < now() - make_interval(secs => $1)
     ORDER BY id
     FOR UPDATE SKIP LOCKED`,
    [opts.leaseSeconds],
  );
  const requeue = expired.rows.filter((r) => r.attempts < opts.maxAttempts).map((r) => r.id);
  const fail = expired.rows.filter((r) => r.attempts >= opts.maxAttempts).map((r) => r.id);
  if (requeue.length > 0) {
    await tx.query(
      `UPDATE photos SET status = 'queued', heartbeat_at = NULL, updated_at = now() WHERE id = ANY($1::uuid[])`,
      [requeue],
    );
  }
  if (fail.length > 0) {
    await tx.query(
      `UPDATE photos SET status = 'failed', heartbeat_at = NULL, error = $2, updated_at = now(), processed_at = now() WHERE id = ANY($1::uuid[])`,
      [fail, JSON.stringify({ code: 'internal', message: 'processing was interrupted on every attempt' })],
    );
  }
  return { requeued: requeue, failed: fail };
}

export async function markFailed(q: Queryable, id: string, error: { code: string; message: string }): Promise<void> {
  await q.query(
    `UPDATE photos SET status = 'failed', error = $2, updated_at = now(), processed_at = now()
     WHERE id = $1 AND status IN ('queued', 'processing', 'failed')`,
    [id, JSON.stringify(error)],
  );
}

/** Back to the queue after a transient failure, so the status never claims work that no one does. */
export async function markRetrying(q: Queryable, id: string): Promise<void> {
  await q.query(`UPDATE photos SET status = 'queued', updated_at = now() WHERE id = $1 AND status = 'processing'`, [
    id,
  ]);
}

export interface NewFace {
  faceIndex: number;
  box: Box;
  score: number;
  landmarks: Array<[number, number]>;
  quality: Record<string, unknown>;
  cropSha256: string;
  embedding: number[];
}

/**
 * Stores a photo's faces and marks it done, inside the caller's transaction. The row lock
 * makes two workers racing on one photo (a retry overlapping a slow first attempt) serialise:
 * the second sees `done` and writes nothing.
 */
export async function completePhoto(
  tx: Queryable,
  photoId: string,
  result: { width: number; height: number; format: string; displaySha256: string; modelId: string; faces: NewFace[] },
): Promise<{ stored: boolean }> {
  const locked = await tx.query<{ status: PhotoStatus }>(`SELECT status FROM photos WHERE id = $1 FOR UPDATE`, [
    photoId,
  ]);
  const status = locked.rows[0]?.status;
  // A withdrawn photo is never processed again, even by a job queued before it was withdrawn.
  if (!status || status === 'done' || status === 'withdrawn') return { stored: false };
  for (const f of result.faces) {
    await tx.query(
      `INSERT INTO faces (photo_id, model_id, face_index, box_x, box_y, box_width, box_height, score, landmarks, quality, crop_sha256, embedding, embedding_320)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12::vector, $13::vector)
       ON CONFLICT (photo_id, model_id, face_index) DO NOTHING`,
      [
        photoId,
        result.modelId,
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
  }
  await tx.query(
    `UPDATE photos SET status = 'done', error = NULL, width = $2, height = $3, format = $4, display_sha256 = $5,
            model_id = $6, updated_at = now(), processed_at = now()
     WHERE id = $1`,
    [photoId, result.width, result.height, result.format, result.displaySha256, result.modelId],
  );
  return { stored: true };
}

export interface FaceRow {
  id: string;
  photoId: string;
  faceIndex: number;
  box: Box;
  score: number;
  quality: Record<string, unknown>;
  cropSha256: string | null;
}

const FACE_COLUMNS = `id, photo_id AS "photoId", face_index AS "faceIndex",
  json_build_object('x', box_x, 'y', box_y, 'width', box_width, 'height', box_height) AS box,
  score, quality, crop_sha256 AS "cropSha256"`;

export async function facesOfPhoto(q: Queryable, photoId: string): Promise<FaceRow[]> {
  const r = await q.query<FaceRow>(`SELECT ${FACE_COLUMNS} FROM faces WHERE photo_id = $1 ORDER BY face_index`, [
    photoId,
  ]);
  return r.rows;
}

export async function getFace(q: Queryable, id: string): Promise<FaceRow | undefined> {
  const r = await q.query<FaceRow>(`SELECT ${FACE_COLUMNS} FROM faces WHERE id = $1`, [id]);
  return r.rows[0];
}

export async function ensureModel(q: Queryable, model: { id: string; dims: number; manifest: unknown }): Promise<void> {
  await q.query(`INSERT INTO models (id, dims, manifest) VALUES ($1, $2, $3) ON CONFLICT (id) DO NOTHING`, [
    model.id,
    model.dims,
    JSON.stringify(model.manifest),
  ]);
}

/** Counts by status for a set of photos (progress of one ingest run). */
export async function statusCounts(
  q: Queryable,
  ids: readonly string[],
): Promise<{ status: PhotoStatus; n: number; faces: number }[]> {
  if (ids.length === 0) return [];
  const r = await q.query<{ status: PhotoStatus; n: number; faces: number }>(
    `SELECT p.status, count(*)::integer AS n,
            coalesce(sum((SELECT count(*) FROM faces f WHERE f.photo_id = p.id)), 0)::integer AS faces
     FROM photos p WHERE p.id = ANY($1::uuid[]) GROUP BY p.status`,
    [ids],
  );
  return r.rows;
}

/**
 * A page of the archive's photos, newest first, filtered by batch (every photo a batch's files
 * named, duplicates included), status and category. `after` is the id of the previous page's
 * last photo: the cursor is a row, so photos added meanwhile never shift a page.
 */
export async function listPhotos(
  q: Queryable,
  opts: {
    batchId?: string | undefined;
    status?: PhotoStatus | undefined;
    category?: Category | undefined;
    limit: number;
    after?: string | undefined;
  },
): Promise<PhotoRow[]> {
  const r = await q.query<PhotoRow>(
    `SELECT ${PHOTO_COLUMNS} FROM photos p LEFT JOIN sources s ON s.id = p.source_id
     WHERE ($1::uuid IS NULL OR EXISTS (SELECT 1 FROM batch_files bf WHERE bf.batch_id = $1::uuid AND bf.photo_id = p.id))
       AND ($2::text IS NULL OR p.status = $2)
       AND ($3::text IS NULL OR p.category = $3)
       AND ($4::uuid IS NULL OR (p.created_at, p.id) < (SELECT created_at, id FROM photos WHERE id = $4::uuid))
     ORDER BY p.created_at DESC, p.id DESC LIMIT $5`,
    [opts.batchId ?? null, opts.status ?? null, opts.category ?? null, opts.after ?? null, opts.limit],
  );
  return r.rows;
}

/** Face counts of several photos (a listing shows how many faces each has). */
export async function faceCounts(q: Queryable, ids: readonly string[]): Promise<Map<string, number>> {
  if (ids.length === 0) return new Map();
  const r = await q.query<{ id: string; n: number }>(
    `SELECT photo_id AS id, count(*)::integer AS n FROM faces WHERE photo_id = ANY($1::uuid[]) GROUP BY photo_id`,
    [ids],
  );
  return new Map(r.rows.map((x) => [x.id, x.n]));
}
