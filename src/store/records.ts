import { archiveRecord, isLinkable, type ArchiveRecord, type SubjectRecord } from '../records/record.ts';
import type { ArchiveCounts } from '../records/weights.ts';
import { idVariants } from '../records/id-numbers.ts';
import { equivalentSkeletons } from '../records/given-names.ts';
import { TRIGRAM_CLOSE } from '../records/trigram.ts';
import type { Queryable } from './database.ts';

/**
 * Person records in the database (migration 0009): an archive photo's keyed record and its
 * blocking keys, a case's subject keys, and the counts the weights' u is estimated from.
 */

/** pg_trgm's `%` threshold for this transaction (set_config(…, true) is SET LOCAL, with a parameter). */
export async function trigramThreshold(q: Queryable): Promise<void> {
  await q.query(`SELECT set_config('pg_trgm.similarity_threshold', $1, true)`, [String(TRIGRAM_CLOSE)]);
}

/** Stores (or replaces) an archive photo's keyed record and its name and number keys. */
export async function putPhotoRecord(q: Queryable, photoId: string, r: ArchiveRecord): Promise<void> {
  await q.query(`DELETE FROM record_name_keys WHERE photo_id = $1`, [photoId]);
  await q.query(`DELETE FROM record_id_keys WHERE photo_id = $1`, [photoId]);
  await q.query(
    `INSERT INTO photo_records (photo_id, record, has_names, has_ids, birth_year) VALUES ($1, $2, $3, $4, $5)
     ON CONFLICT (photo_id) DO UPDATE SET record = EXCLUDED.record, has_names = EXCLUDED.has_names, ` +
      'has_ids = EXCLUDED.has_ids, birth_year = EXCLUDED.birth_year',
    [photoId, JSON.stringify(r), r.names.length > 0, r.idNumbers.length > 0, r.birth?.year ?? null],
  );
  const tokens = new Map<string, string[]>();
  for (const name of r.names)
    for (const t of name)
      if (!t.initial && t.skeleton.length >= 2)
        tokens.set(t.skeleton, [...new Set([...(tokens.get(t.skeleton) ?? []), ...t.dm])]);
  if (tokens.size > 0) {
    await q.query(
      `INSERT INTO record_name_keys (photo_id, skeleton, dm_codes)
       SELECT $1, k.skeleton, ARRAY(SELECT json_array_elements_text(k.dm)) FROM json_to_recordset($2::json) AS k(skeleton text, dm json)`,
      [photoId, JSON.stringify([...tokens].map(([skeleton, dm]) => ({ skeleton, dm })))],
    );
  }
  const variants = new Map<string, boolean>();
  for (const n of r.idNumbers) for (const v of idVariants(n)) variants.set(v, (variants.get(v) ?? false) || v === n);
  if (variants.size > 0) {
    await q.query(
      `INSERT INTO record_id_keys (photo_id, variant, exact) SELECT $1, v, e FROM unnest($2::text[], $3::boolean[]) AS x(v, e)`,
      [photoId, [...variants.keys()], [...variants.values()]],
    );
  }
}

/**
 * Archive photos whose record may be the subject's (blocking): a name token with the same key,
 * a shared phonetic code or a trigram-close key to the surname, or a document number within one
 * edit. Only processed photos (`done`): a queued one is linked by the standing search when it
 * is processed, a failed one has nothing to show. The closest names first, at most `limit`.
 */
export async function blockArchive(q: Queryable, s: SubjectRecord, limit: number): Promise<string[]> {
  const out = new Set<string>();
  if (s.idNumber) {
    const r = await q.query<{ photoId: string }>(
      `SELECT DISTINCT k.photo_id AS "photoId" FROM record_id_keys k JOIN photos p ON p.id = k.photo_id AND p.status = 'done'
       WHERE k.variant = ANY($1::text[]) LIMIT $2`,
      [idVariants(s.idNumber), limit],
    );
    for (const x of r.rows) out.add(x.photoId);
  }
  if (s.surname) {
    await trigramThreshold(q);
    // The three conditions each have an index (btree, GIN on the codes, GIN trigram): PostgreSQL
    // ORs their bitmaps. A common surname blocks thousands of records: the closest surnames come
    // first, and among equals those that also agree on the given name and the birth year, so the
    // limit cuts namesakes, not the person.
    const r = await q.query<{ photoId: string }>(
      `SELECT k.photo_id AS "photoId"
       FROM record_name_keys k JOIN photos p ON p.id = k.photo_id AND p.status = 'done'
       WHERE k.skeleton = $1 OR k.dm_codes && $2::text[] OR k.skeleton % $1
       GROUP BY k.photo_id
       ORDER BY max(CASE WHEN k.skeleton = $1 THEN 2 ELSE similarity(k.skeleton, $1) END)
                + CASE WHEN EXISTS (SELECT 1 FROM record_name_keys g WHERE g.photo_id = k.photo_id AND g.skeleton = ANY($4::text[])) THEN 1 ELSE 0 END
                + CASE WHEN EXISTS (SELECT 1 FROM photo_records r WHERE r.photo_id = k.photo_id ` +
        `AND abs(r.birth_year - $5::integer) <= 1) THEN 1 ELSE 0 END DESC,
                k.photo_id
       LIMIT $3`,
      [
        s.surname.skeleton,
        s.surname.dm,
        limit,
        s.givenName ? equivalentSkeletons(s.givenName.skeleton) : [],
        s.birth?.year ?? null,
      ],
    );
    for (const x of r.rows) out.add(x.photoId);
  }
  return [...out];
}

/** The keyed records of these photos (those that have one). */
export async function photoRecords(q: Queryable, photoIds: readonly string[]): Promise<Map<string, ArchiveRecord>> {
  if (photoIds.length === 0) return new Map();
  const r = await q.query<{ photoId: string; record: ArchiveRecord }>(
    `SELECT photo_id AS "photoId", record FROM photo_records WHERE photo_id = ANY($1::uuid[])`,
    [photoIds],
  );
  return new Map(r.rows.map((x) => [x.photoId, x.record]));
}

/** How many archive records there are, and how many have names: the prior of a match and the u totals. */
export async function archiveSize(q: Queryable): Promise<{ records: number; photos: number }> {
  const r = await q.query<{ records: number; photos: number }>(
    `SELECT (SELECT count(*) FROM photo_records WHERE has_names OR has_ids)::integer AS records,
            (SELECT count(*) FROM photos WHERE status = 'done')::integer AS photos`,
  );
  return r.rows[0]!;
}

/**
 * For one subject, how many archive records agree with each of its values at each level: the
 * u of the weights (src/records/weights.ts). A few indexed counts per case, not per candidate:
 * u depends on the subject's value, not on the record it is compared with.
 */
export async function archiveCounts(q: Queryable, s: SubjectRecord): Promise<ArchiveCounts> {
  const totals = await q.query<{ names: number; births: number; ids: number }>(
    'SELECT count(*) FILTER (WHERE has_names)::integer AS names, count(birth_year)::integer AS births, ' +
      'count(*) FILTER (WHERE has_ids)::integer AS ids FROM photo_records',
  );
  const t = totals.rows[0]!;
  const out: ArchiveCounts = {};
  if (s.surname) {
    await trigramThreshold(q);
    const r = await q.query<{ same: number; phonetic_trigram: number; phonetic: number; trigram: number }>(
      `SELECT count(DISTINCT photo_id) FILTER (WHERE skeleton = $1)::integer AS same,
              count(DISTINCT photo_id) FILTER (WHERE skeleton <> $1 AND dm_codes && $2::text[] AND similarity(skeleton, $1) >= $3)::integer AS phonetic_trigram,
              count(DISTINCT photo_id) FILTER (WHERE skeleton <> $1 AND dm_codes && $2::text[] AND similarity(skeleton, $1) < $3)::integer AS phonetic,
              count(DISTINCT photo_id) FILTER (WHERE skeleton <> $1 AND NOT dm_codes && $2::text[] AND similarity(skeleton, $1) >= $3)::integer AS trigram
       FROM record_name_keys WHERE skeleton = $1 OR dm_codes && $2::text[] OR skeleton % $1`,
      [s.surname.skeleton, s.surname.dm, TRIGRAM_CLOSE],
    );
    out.surname = { total: t.names, levels: r.rows[0]! };
  }
  if (s.givenName) {
    const r = await q.query<{ n: number }>(
      `SELECT count(DISTINCT photo_id)::integer AS n FROM record_name_keys WHERE skeleton = ANY($1::text[])`,
      [equivalentSkeletons(s.givenName.skeleton)],
    );
    out.givenName = { total: t.names, levels: { same: r.rows[0]!.n } };
  }
  if (s.patronymic) {
    const r = await q.query<{ n: number }>(
      `SELECT count(DISTINCT photo_id)::integer AS n FROM record_name_keys WHERE skeleton = $1`,
      [s.patronymic.skeleton],
    );
    out.patronymic = { total: t.names, levels: { same: r.rows[0]!.n } };
  }
  if (s.birth) {
    const r = await q.query<{ same: number; within_1: number; within_3: number }>(
      `SELECT count(*) FILTER (WHERE birth_year = $1)::integer AS same,
              count(*) FILTER (WHERE abs(birth_year - $1) = 1)::integer AS within_1,
              count(*) FILTER (WHERE abs(birth_year - $1) BETWEEN 2 AND 3)::integer AS within_3
       FROM photo_records WHERE birth_year BETWEEN $1::integer - 3 AND $1::integer + 3`,
      [s.birth.year],
    );
    out.birthYear = { total: t.births, levels: r.rows[0]! };
  }
  if (s.idNumber) {
    // A record with the number itself also shares its variants: one edit = all that share a variant, less those.
    const r = await q.query<{ same: number; near: number }>(
      `SELECT count(DISTINCT photo_id) FILTER (WHERE exact AND variant = $1)::integer AS same, count(DISTINCT photo_id)::integer AS near
       FROM record_id_keys WHERE variant = ANY($2::text[])`,
      [s.idNumber, idVariants(s.idNumber)],
    );
    const c = r.rows[0]!;
    out.idNumber = { total: t.ids, levels: { same: c.same, one_edit: c.near - c.same } };
  }
  return out;
}

/** Stores a case's subject keys for the standing search (replacing any earlier ones). */
export async function putCaseKeys(q: Queryable, caseId: string, s: SubjectRecord): Promise<void> {
  await q.query(`DELETE FROM case_record_keys WHERE search_id = $1`, [caseId]);
  if (s.surname) {
    await q.query(`INSERT INTO case_record_keys (search_id, kind, key, dm_codes) VALUES ($1, 'surname', $2, $3)`, [
      caseId,
      s.surname.skeleton,
      s.surname.dm,
    ]);
  }
  if (s.idNumber) {
    // The variants, so that one equality lookup with the record's variants finds a number within one edit.
    await q.query(
      `INSERT INTO case_record_keys (search_id, kind, key) SELECT $1, 'id', v FROM unnest($2::text[]) AS v ON CONFLICT DO NOTHING`,
      [caseId, idVariants(s.idNumber)],
    );
  }
}

/**
 * Open cases whose subject an archive record may be (the standing search's blocking): a name
 * token of the record with the case's surname key, a shared phonetic code or a close trigram
 * key, or a document number within one edit.
 */
export async function openCasesForRecord(
  q: Queryable,
  r: ArchiveRecord,
): Promise<Array<{ caseId: string; subject: Record<string, unknown> }>> {
  const skeletons = [
    ...new Set(
      r.names
        .flat()
        .filter((t) => !t.initial && t.skeleton.length >= 2)
        .map((t) => t.skeleton),
    ),
  ];
  const dm = [...new Set(r.names.flat().flatMap((t) => t.dm))];
  const ids = [...new Set(r.idNumbers.flatMap(idVariants))];
  if (skeletons.length === 0 && ids.length === 0) return [];
  await trigramThreshold(q);
  const res = await q.query<{ caseId: string; subject: Record<string, unknown> }>(
    `SELECT s.id AS "caseId", s.subject FROM searches s
     WHERE s.status <> 'closed' AND s.deleted_at IS NULL AND s.id IN (
       SELECT k.search_id FROM case_record_keys k
       WHERE (k.kind = 'surname' AND (k.key = ANY($1::text[]) OR k.dm_codes && $2::text[]
                                      OR EXISTS (SELECT 1 FROM unnest($1::text[]) AS t(sk) WHERE k.key % t.sk)))
          OR (k.kind = 'id' AND k.key = ANY($3::text[])))`,
    [skeletons, dm, ids],
  );
  return res.rows;
}

/** Keys and stores the record of a newly registered archive photo's metadata, when it holds anything to link on. */
export async function recordArchivePhoto(
  q: Queryable,
  photoId: string,
  metadata: Record<string, unknown>,
): Promise<boolean> {
  const r = archiveRecord(metadata);
  if (!isLinkable(r) && !r.birth) return false;
  await putPhotoRecord(q, photoId, r);
  return true;
}

/** Whether a photo has a record to link on (the standing search then runs for it even without a face). */
export async function hasLinkableRecord(q: Queryable, photoId: string): Promise<boolean> {
  const r = await q.query(`SELECT 1 FROM photo_records WHERE photo_id = $1 AND (has_names OR has_ids)`, [photoId]);
  return r.rows.length > 0;
}

/**
 * What verifiers decided: per field and level, how many confirmed and how many rejected
 * candidates' evidence holds it (src/records/weights.ts: confirmed pairs move m from its priors,
 * rejected ones raise u). One pass over the decided candidates; pending ones say nothing yet.
 */
export async function decidedEvidenceCounts(
  q: Queryable,
): Promise<{ confirmed: Record<string, Record<string, number>>; rejected: Record<string, Record<string, number>> }> {
  const r = await q.query<{ status: 'confirmed' | 'rejected'; field: string; level: string; n: number }>(
    `SELECT c.status, e->>'field' AS field, e->>'level' AS level, count(*)::integer AS n
     FROM candidates c, jsonb_array_elements(c.evidence) AS e
     WHERE c.status IN ('confirmed', 'rejected') GROUP BY 1, 2, 3`,
  );
  const out = {
    confirmed: {} as Record<string, Record<string, number>>,
    rejected: {} as Record<string, Record<string, number>>,
  };
  for (const x of r.rows) (out[x.status][x.field] ??= {})[x.level] = x.n;
  return out;
}

/**
 * Keys the records of archive photos that have none yet: photos registered before migration
 * 0009 (their `names` were stored and never matched). A batch at a time, each in its own
 * transaction; returns how many were keyed. Photos whose metadata holds nothing to link on get
 * no row and are looked at again next time (an anti-join on the primary key: cheap).
 */
export async function keyUnrecordedPhotos(
  db: { transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> },
  batch = 500,
): Promise<number> {
  let keyed = 0;
  let after = '00000000-0000-0000-0000-000000000000';
  for (;;) {
    const r = await db.transaction(async (tx) => {
      const rows = await tx.query<{ id: string; metadata: Record<string, unknown> }>(
        `SELECT p.id, p.metadata FROM photos p
         WHERE p.id > $1 AND p.metadata ?| array['names', 'idNumbers', 'birthDate']
           AND NOT EXISTS (SELECT 1 FROM photo_records r WHERE r.photo_id = p.id)
         ORDER BY p.id LIMIT $2`,
        [after, batch],
      );
      let n = 0;
      for (const row of rows.rows) if (await recordArchivePhoto(tx, row.id, row.metadata)) n++;
      return { n, last: rows.rows[rows.rows.length - 1]?.id, full: rows.rows.length === batch };
    });
    keyed += r.n;
    if (!r.full || !r.last) return keyed;
    after = r.last;
  }
}
