import type { Box, Category, PhotoStatus } from '../vocabulary.ts';
import type { Queryable } from './database.ts';

// Archive persons (0014): which photos are one man, and how they came to be. photos.person_id
// is where a photo is now; person_photo_moves (append-only) is how it got there. What a move does
// to candidates is decided in src/match/regroup.ts.

export interface PersonRow {
  id: string;
  ref: string | null;
  /** Set once all his photos went to another person (a merge). */
  mergedInto: string | null;
  createdAt: Date;
  withdrawal: Record<string, unknown> | null;
}

const PERSON_COLUMNS = `id, ref, merged_into AS "mergedInto", created_at AS "createdAt", withdrawal`;

export async function getPerson(q: Queryable, id: string): Promise<PersonRow | undefined> {
  const r = await q.query<PersonRow>(`SELECT ${PERSON_COLUMNS} FROM archive_persons WHERE id = $1`, [id]);
  return r.rows[0];
}

/** Locks persons (in id order, so two moves between the same two persons cannot deadlock). */
export async function lockPersons(q: Queryable, ids: readonly string[]): Promise<PersonRow[]> {
  const r = await q.query<PersonRow>(
    `SELECT ${PERSON_COLUMNS} FROM archive_persons WHERE id = ANY($1::uuid[]) ORDER BY id FOR UPDATE`,
    [[...new Set(ids)]],
  );
  return r.rows;
}

export async function insertPerson(q: Queryable, ref: string | null = null): Promise<string> {
  const r = await q.query<{ id: string }>(`INSERT INTO archive_persons (ref) VALUES ($1) RETURNING id`, [ref]);
  return r.rows[0]!.id;
}

/**
 * The person an operator's `person_ref` names, made on first use. A ref is the installation's:
 * the same ref in a later batch is the same man. Safe against two ingests naming it at once.
 */
export async function ensurePersonByRef(q: Queryable, ref: string): Promise<string> {
  await q.query(`INSERT INTO archive_persons (ref) VALUES ($1) ON CONFLICT (ref) WHERE ref IS NOT NULL DO NOTHING`, [
    ref,
  ]);
  const r = await q.query<{ id: string }>(`SELECT id FROM archive_persons WHERE ref = $1`, [ref]);
  return r.rows[0]!.id;
}

/** Each photo's person. */
export async function personsOfPhotos(q: Queryable, photoIds: readonly string[]): Promise<Map<string, string>> {
  if (photoIds.length === 0) return new Map();
  const r = await q.query<{ photoId: string; personId: string }>(
    `SELECT id AS "photoId", person_id AS "personId" FROM photos WHERE id = ANY($1::uuid[])`,
    [[...new Set(photoIds)]],
  );
  return new Map(r.rows.map((x) => [x.photoId, x.personId]));
}

/** The photos of each person that are still in the archive (not withdrawn), oldest first. */
export async function livePhotosOfPersons(q: Queryable, personIds: readonly string[]): Promise<Map<string, string[]>> {
  const out = new Map<string, string[]>();
  if (personIds.length === 0) return out;
  const r = await q.query<{ id: string; personId: string }>(
    `SELECT id, person_id AS "personId" FROM photos
     WHERE person_id = ANY($1::uuid[]) AND status <> 'withdrawn' ORDER BY created_at, id`,
    [[...new Set(personIds)]],
  );
  for (const x of r.rows) out.set(x.personId, [...(out.get(x.personId) ?? []), x.id]);
  return out;
}

/** A photo of a person as the console and the operator page show it. */
export interface PersonPhoto {
  id: string;
  personId: string;
  originalName: string | null;
  source: string | null;
  status: PhotoStatus;
  category: Category;
  metadata: Record<string, unknown>;
  width: number | null;
  height: number | null;
  createdAt: Date;
  faces: Array<{ id: string; box: Box }>;
}

/** Every photo of these persons (withdrawn ones too: they are part of his record), oldest first. */
export async function photosOfPersons(q: Queryable, personIds: readonly string[]): Promise<PersonPhoto[]> {
  if (personIds.length === 0) return [];
  const r = await q.query<PersonPhoto>(
    `SELECT p.id, p.person_id AS "personId", p.original_name AS "originalName", s.name AS source, p.status, p.category,
            p.metadata, p.width, p.height, p.created_at AS "createdAt",
            coalesce((SELECT json_agg(json_build_object('id', f.id, 'box',
                        json_build_object('x', f.box_x, 'y', f.box_y, 'width', f.box_width, 'height', f.box_height))
                        ORDER BY f.face_index)
                      FROM faces f WHERE f.photo_id = p.id), '[]'::json) AS faces
     FROM photos p LEFT JOIN sources s ON s.id = p.source_id
     WHERE p.person_id = ANY($1::uuid[])
     ORDER BY p.created_at, p.id`,
    [[...new Set(personIds)]],
  );
  return r.rows;
}

/** Locks photos and returns each one's person and status. */
export async function lockPhotosForMove(
  q: Queryable,
  photoIds: readonly string[],
): Promise<Array<{ id: string; personId: string; status: PhotoStatus }>> {
  const r = await q.query<{ id: string; personId: string; status: PhotoStatus }>(
    `SELECT id, person_id AS "personId", status FROM photos WHERE id = ANY($1::uuid[]) ORDER BY id FOR UPDATE`,
    [[...new Set(photoIds)]],
  );
  return r.rows;
}

export type MoveCause = 'add' | 'remove' | 'merge';

/** Moves a photo to another person, with its append-only row saying who, why and from where. */
export async function movePhotoRow(
  q: Queryable,
  m: {
    photoId: string;
    from: string;
    to: string;
    cause: MoveCause;
    suggestionId?: string | null;
    tokenId: string | null;
    role: string;
  },
): Promise<void> {
  await q.query(`UPDATE photos SET person_id = $2, updated_at = now() WHERE id = $1`, [m.photoId, m.to]);
  await q.query(
    `INSERT INTO person_photo_moves (photo_id, from_person_id, to_person_id, cause, suggestion_id, token_id, actor_role)
     VALUES ($1, $2, $3, $4, $5, $6, $7)`,
    [m.photoId, m.from, m.to, m.cause, m.suggestionId ?? null, m.tokenId, m.role],
  );
}

/** How the person's photos came and went, oldest first. */
export async function movesOfPerson(
  q: Queryable,
  personId: string,
): Promise<
  Array<{ photoId: string; from: string; to: string; cause: MoveCause; suggestionId: string | null; at: Date }>
> {
  const r = await q.query<{
    photoId: string;
    from: string;
    to: string;
    cause: MoveCause;
    suggestionId: string | null;
    at: Date;
  }>(
    `SELECT photo_id AS "photoId", from_person_id AS "from", to_person_id AS "to", cause, suggestion_id AS "suggestionId",
            created_at AS at
     FROM person_photo_moves WHERE from_person_id = $1 OR to_person_id = $1 ORDER BY seq`,
    [personId],
  );
  return r.rows;
}

/** A person left with no photo became part of another: his events and history are that man's now. */
export async function markPersonMerged(q: Queryable, personId: string, into: string): Promise<void> {
  await q.query(`UPDATE archive_persons SET merged_into = $2 WHERE merged_into = $1`, [personId, into]);
  await q.query(`UPDATE archive_persons SET merged_into = $2 WHERE id = $1`, [personId, into]);
}

/** How many photos a person has (withdrawn ones too). */
export async function photoCountOfPerson(q: Queryable, personId: string): Promise<number> {
  const r = await q.query<{ n: number }>(`SELECT count(*)::integer AS n FROM photos WHERE person_id = $1`, [personId]);
  return Number(r.rows[0]!.n);
}

export async function markPersonWithdrawn(
  q: Queryable,
  personId: string,
  withdrawal: { reason: string; at: Date; by: Record<string, unknown> },
): Promise<void> {
  await q.query(`UPDATE archive_persons SET withdrawal = $2 WHERE id = $1`, [
    personId,
    JSON.stringify({ ...withdrawal, at: withdrawal.at.toISOString() }),
  ]);
}

/** The persons of a batch's photos, each with how many photos he has in all and in this batch. */
export async function personsOfBatch(
  q: Queryable,
  batchId: string,
): Promise<Array<{ id: string; ref: string | null; photos: number; inBatch: number }>> {
  const r = await q.query<{ id: string; ref: string | null; photos: number; inBatch: number }>(
    `SELECT ap.id, ap.ref,
            (SELECT count(*) FROM photos a WHERE a.person_id = ap.id)::integer AS photos,
            count(DISTINCT p.id)::integer AS "inBatch"
     FROM batch_files bf JOIN photos p ON p.id = bf.photo_id JOIN archive_persons ap ON ap.id = p.person_id
     WHERE bf.batch_id = $1
     GROUP BY ap.id, ap.ref
     ORDER BY min(bf.id)`,
    [batchId],
  );
  return r.rows;
}
