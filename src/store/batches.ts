import type { AuditActor } from './audit.ts';
import type { Queryable } from './database.ts';
import type { BatchChannel, Category } from '../vocabulary.ts';

export interface BatchRow {
  id: string;
  createdAt: Date;
  channel: BatchChannel;
  source: string | null;
  category: Category;
  createdBy: { tokenId: string | null; role: string; personId: string | null };
}

export interface BatchCounts {
  /** Every file handed to the batch. */
  files: number;
  /** Files that became a new photo, by that photo's status now. */
  queued: number;
  processing: number;
  done: number;
  /** Refused on arrival, or failed while processed. */
  failed: number;
  withdrawn: number;
  /** Files whose bytes were already in the archive. */
  duplicates: number;
  /** Of `failed`: refused before they were stored. */
  refused: number;
  /** Faces found on the batch's new photos. */
  faces: number;
}

const BATCH_COLUMNS = `b.id, b.created_at AS "createdAt", b.channel, s.name AS source, b.category,
  json_build_object('tokenId', b.actor_id, 'role', b.actor_role, 'personId', b.actor_person_id) AS "createdBy"`;

export async function insertBatch(
  q: Queryable,
  b: { actor: AuditActor | null; channel: BatchChannel; sourceId: string | null; category: Category },
): Promise<BatchRow> {
  const r = await q.query<{ id: string }>(
    `INSERT INTO batches (actor_id, actor_role, actor_person_id, channel, source_id, category) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`,
    [b.actor?.id ?? null, b.actor?.role ?? 'anonymous', b.actor?.personId ?? null, b.channel, b.sourceId, b.category],
  );
  return (await getBatch(q, r.rows[0]!.id))!;
}

export async function getBatch(q: Queryable, id: string): Promise<BatchRow | undefined> {
  const r = await q.query<BatchRow>(
    `SELECT ${BATCH_COLUMNS} FROM batches b LEFT JOIN sources s ON s.id = b.source_id WHERE b.id = $1`,
    [id],
  );
  return r.rows[0];
}

/** Newest first; `before` is the id of the last batch of the previous page. */
export async function listBatches(
  q: Queryable,
  opts: { limit: number; before?: string | undefined },
): Promise<BatchRow[]> {
  const r = await q.query<BatchRow>(
    `SELECT ${BATCH_COLUMNS} FROM batches b LEFT JOIN sources s ON s.id = b.source_id
     WHERE ($1::uuid IS NULL OR (b.created_at, b.id) < (SELECT created_at, id FROM batches WHERE id = $1::uuid))
     ORDER BY b.created_at DESC, b.id DESC LIMIT $2`,
    [opts.before ?? null, opts.limit],
  );
  return r.rows;
}

/** What became of one file handed to a batch (in the transaction that stored its photo, if any). */
export async function recordBatchFile(
  q: Queryable,
  f: {
    batchId: string;
    file: string;
    photoId: string | null;
    outcome: 'new' | 'duplicate' | 'refused';
    error?: { code: string; message: string } | undefined;
  },
): Promise<void> {
  await q.query(`INSERT INTO batch_files (batch_id, file, photo_id, outcome, error) VALUES ($1, $2, $3, $4, $5)`, [
    f.batchId,
    f.file,
    f.photoId,
    f.outcome,
    f.error ? JSON.stringify(f.error) : null,
  ]);
}

/**
 * Counts of several batches in one query (a page of the list). A batch's new photos are those
 * its files added (outcome `new`), counted by their status now; a photo added twice within one
 * batch (the same bytes under two names) is a new photo once and a duplicate once.
 */
export async function batchCounts(q: Queryable, ids: readonly string[]): Promise<Map<string, BatchCounts>> {
  const out = new Map<string, BatchCounts>();
  if (ids.length === 0) return out;
  const r = await q.query<{ batchId: string } & Omit<BatchCounts, 'failed'> & { failedPhotos: number }>(
    `SELECT bf.batch_id AS "batchId",
            count(*)::integer AS files,
            count(*) FILTER (WHERE bf.outcome = 'duplicate')::integer AS duplicates,
            count(*) FILTER (WHERE bf.outcome = 'refused')::integer AS refused,
            count(*) FILTER (WHERE bf.outcome = 'new' AND p.status = 'queued')::integer AS queued,
            count(*) FILTER (WHERE bf.outcome = 'new' AND p.status = 'processing')::integer AS processing,
            count(*) FILTER (WHERE bf.outcome = 'new' AND p.status = 'done')::integer AS done,
            count(*) FILTER (WHERE bf.outcome = 'new' AND p.status = 'failed')::integer AS "failedPhotos",
            count(*) FILTER (WHERE bf.outcome = 'new' AND p.status = 'withdrawn')::integer AS withdrawn,
            coalesce(sum((SELECT count(*) FROM faces f WHERE f.photo_id = p.id)) FILTER (WHERE bf.outcome = 'new'), 0)::integer AS faces
     FROM batch_files bf LEFT JOIN photos p ON p.id = bf.photo_id
     WHERE bf.batch_id = ANY($1::uuid[])
     GROUP BY bf.batch_id`,
    [ids],
  );
  for (const id of ids)
    out.set(id, {
      files: 0,
      queued: 0,
      processing: 0,
      done: 0,
      failed: 0,
      withdrawn: 0,
      duplicates: 0,
      refused: 0,
      faces: 0,
    });
  for (const row of r.rows) {
    const { batchId, failedPhotos, ...rest } = row;
    out.set(batchId, { ...rest, failed: failedPhotos + rest.refused });
  }
  return out;
}

export interface BatchFileRow {
  file: string;
  status: 'refused' | 'failed' | 'duplicate';
  photoId: string | null;
  code: string | null;
  message: string | null;
}

/**
 * The files of a batch that did not become a processed photo: refused on arrival, failed while
 * processed, and (with `duplicates`) those already in the archive. In the order handed in.
 */
export async function batchProblems(
  q: Queryable,
  batchId: string,
  opts: { duplicates: boolean },
): Promise<BatchFileRow[]> {
  const r = await q.query<BatchFileRow>(
    `SELECT bf.file,
            CASE WHEN bf.outcome = 'refused' THEN 'refused' WHEN bf.outcome = 'duplicate' THEN 'duplicate' ELSE 'failed' END AS status,
            bf.photo_id AS "photoId",
            coalesce(bf.error, p.error) ->> 'code' AS code,
            coalesce(bf.error, p.error) ->> 'message' AS message
     FROM batch_files bf LEFT JOIN photos p ON p.id = bf.photo_id
     WHERE bf.batch_id = $1
       AND (bf.outcome = 'refused' OR (bf.outcome = 'new' AND p.status = 'failed') OR ($2::boolean AND bf.outcome = 'duplicate'))
     ORDER BY bf.id`,
    [batchId, opts.duplicates],
  );
  return r.rows;
}

/** Ids of the photos a batch added that are not finished yet (a run waiting for its batch). */
export async function unfinishedPhotosOfBatch(q: Queryable, batchId: string): Promise<string[]> {
  const r = await q.query<{ id: string }>(
    `SELECT DISTINCT bf.photo_id AS id FROM batch_files bf JOIN photos p ON p.id = bf.photo_id
     WHERE bf.batch_id = $1 AND p.status IN ('queued', 'processing')`,
    [batchId],
  );
  return r.rows.map((x) => x.id);
}
