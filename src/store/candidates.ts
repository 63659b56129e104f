import type { Language } from '../i18n/languages.ts';
import { CONFIRMING_DECISION_KINDS, type Band, type Box, type CandidateStatus, type Category } from '../vocabulary.ts';
import type { Evidence } from '../records/weights.ts';
import type { Queryable } from './database.ts';
import { sqlWords } from './sql-words.ts';

export interface NewCandidate {
  /** The archive person proposed (0014); his best evidence is `photoId` / `faceId`. Absent: the photo's person. */
  personId?: string | undefined;
  photoId: string;
  /** Null for a photo proposed by its record alone (no face compared). */
  faceId: string | null;
  referenceFaceId: string | null;
  similarity: number | null;
  band: Band | null;
  /** Field-by-field Fellegi-Sunter evidence, the face included (src/records/weights.ts). */
  evidence: Evidence[];
  matchWeight: number;
  matchProbability: number | null;
  /** Stranger rates (src/match/bar.ts): the face's alone (null without a face), and with the record. */
  faceRate?: number | null | undefined;
  strangerRate?: number | null | undefined;
}

/**
 * Adds candidates to a case, one per archive person (issue 26). A person already proposed keeps
 * his row: a pending one takes the better-weighted finding (its best photo and face may change:
 * another photo of him weighs more), a decided one (confirmed or rejected) is never touched, so a
 * rejected man cannot come back (unless an admin reopens him). Returns how many rows were new.
 * Called through src/match/keep.ts:keepCandidates.
 *
 * The keep rule stays in this statement's ON CONFLICT on purpose: a case's own search and the
 * standing search of a new photo may find the same man at once, and only one atomic
 * insert-or-update per row neither duplicates him nor lets the weaker finding overwrite the
 * stronger, nor touches a row a verifier decided meanwhile.
 */
export async function upsertCandidates(q: Queryable, caseId: string, list: readonly NewCandidate[]): Promise<number> {
  let created = 0;
  for (const c of list) {
    const values = [
      caseId,
      c.faceId,
      c.referenceFaceId,
      c.similarity,
      c.band,
      c.photoId,
      c.matchWeight,
      c.matchProbability,
      JSON.stringify(c.evidence),
      c.personId ?? null,
      c.faceRate ?? null,
      c.strangerRate ?? null,
    ];
    const r = await q.query<{ inserted: boolean }>(
      `INSERT INTO candidates (search_id, face_id, reference_face_id, similarity, band, photo_id, match_weight, match_probability, evidence, person_id,
                               face_rate, stranger_rate)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9::jsonb, $10, $11, $12)
       ON CONFLICT (search_id, person_id) WHERE status <> 'merged' DO UPDATE
         SET face_id = EXCLUDED.face_id, photo_id = EXCLUDED.photo_id,
             similarity = EXCLUDED.similarity, band = EXCLUDED.band, reference_face_id = EXCLUDED.reference_face_id,
             match_weight = EXCLUDED.match_weight, match_probability = EXCLUDED.match_probability, evidence = EXCLUDED.evidence,
             face_rate = EXCLUDED.face_rate, stranger_rate = EXCLUDED.stranger_rate
         WHERE candidates.status = 'pending' AND EXCLUDED.match_weight > candidates.match_weight
       RETURNING (xmax = 0) AS inserted`,
      values,
    );
    if (r.rows[0]?.inserted) created++;
  }
  return created;
}

/** How many of a case's candidates are in each status, apart by whether their photo was withdrawn. */
export interface CandidateCount {
  status: CandidateStatus;
  photoWithdrawn: boolean;
  n: number;
}

export async function candidateCountsOfCase(q: Queryable, caseId: string): Promise<CandidateCount[]> {
  // By the candidate's photo: one found by its record alone has no face.
  const r = await q.query<CandidateCount>(
    `SELECT c.status, (p.status = 'withdrawn') AS "photoWithdrawn", count(*)::integer AS n
     FROM candidates c JOIN photos p ON p.id = c.photo_id
     WHERE c.search_id = $1
     GROUP BY c.status, (p.status = 'withdrawn')`,
    [caseId],
  );
  return r.rows;
}

/** A pending candidate as it was scored: what re-weighing it needs (its face's similarity stays what it was). */
export interface PendingCandidate {
  id: string;
  personId: string;
  photoId: string;
  faceId: string | null;
  referenceFaceId: string | null;
  similarity: number | null;
  bandCap: string | null;
  /** The face's stranger rate as it was found (the faces have not changed); null without one. */
  faceRate: number | null;
}

export async function pendingCandidatesOfCase(q: Queryable, caseId: string): Promise<PendingCandidate[]> {
  // FOR UPDATE: a verifier deciding one of them waits for the re-weighing (and sees its result),
  // instead of deciding on the evidence it is replacing.
  const r = await q.query<PendingCandidate>(
    `SELECT c.id, c.person_id AS "personId", c.photo_id AS "photoId", c.face_id AS "faceId", c.reference_face_id AS "referenceFaceId",
            c.similarity, f.quality->>'bandCap' AS "bandCap", c.face_rate AS "faceRate"
     FROM candidates c LEFT JOIN faces f ON f.id = c.face_id
     WHERE c.search_id = $1 AND c.status = 'pending'
     ORDER BY c.id
     FOR UPDATE OF c`,
    [caseId],
  );
  return r.rows.map((row) => ({
    ...row,
    similarity: row.similarity === null ? null : Number(row.similarity),
    faceRate: row.faceRate === null ? null : Number(row.faceRate),
  }));
}

/**
 * Replaces a pending candidate's evidence and weight, up or down (upsertCandidates only ever
 * raises them): after the family corrected its description, the evidence a verifier reads must
 * be the one the case now gives, not the one the old description gave. A decided candidate is
 * left as it was decided. Returns whether the row changed.
 */
export async function reweighPendingCandidate(
  q: Queryable,
  id: string,
  c: Pick<NewCandidate, 'band' | 'evidence' | 'matchWeight' | 'matchProbability' | 'strangerRate'>,
): Promise<boolean> {
  const r = await q.query(
    `UPDATE candidates SET band = $2, evidence = $3::jsonb, match_weight = $4, match_probability = $5, stranger_rate = $6
     WHERE id = $1 AND status = 'pending'
       AND (evidence IS DISTINCT FROM $3::jsonb OR match_weight IS DISTINCT FROM $4 OR stranger_rate IS DISTINCT FROM $6)`,
    [id, c.band, JSON.stringify(c.evidence), c.matchWeight, c.matchProbability, c.strangerRate ?? null],
  );
  return r.rowCount > 0;
}

/**
 * The place a candidate must beat to rank among a case's best `n` candidates (weight, then the
 * face's similarity, as the case is ranked), decided ones included (a rejected face still held
 * its place when it was proposed); null while the case has fewer than `n`.
 */
export async function candidateBar(
  q: Queryable,
  caseId: string,
  n: number,
): Promise<{ matchWeight: number; similarity: number | null } | null> {
  const r = await q.query<{ matchWeight: number; similarity: number | null }>(
    `SELECT match_weight AS "matchWeight", similarity FROM candidates WHERE search_id = $1 AND status <> 'merged'
     ORDER BY match_weight DESC, similarity DESC NULLS LAST OFFSET $2 LIMIT 1`,
    [caseId, n - 1],
  );
  const row = r.rows[0];
  return row
    ? { matchWeight: Number(row.matchWeight), similarity: row.similarity === null ? null : Number(row.similarity) }
    : null;
}

export interface CandidateView {
  id: string;
  caseId: string;
  rank: number;
  /** The face's similarity; null for a photo proposed by its record alone. */
  similarity: number | null;
  band: Band | null;
  status: CandidateStatus;
  confirmations: number;
  faceId: string | null;
  /** The candidate's best photo (its best evidence); decisions keep the photo each was made on. */
  photoId: string;
  /** The archive person proposed (issue 26): every photo of his is shown beside the best one. */
  personId: string;
  /** Fellegi-Sunter total (bits) the candidates are ranked by, its probability, and the field-by-field evidence. */
  matchWeight: number;
  matchProbability: number | null;
  evidence: Evidence[];
  /** The family's face this candidate was found with; null once the family deleted it. */
  referenceFace: { id: string; box: Box; photoWidth: number | null; photoHeight: number | null } | null;
  /** Null for a photo proposed by its record alone. */
  face: { id: string; box: Box; quality: Record<string, unknown>; score: number } | null;
  photo: {
    id: string;
    originalName: string | null;
    source: string | null;
    metadata: Record<string, unknown>;
    width: number | null;
    height: number | null;
  };
  /** The people whose confirmations count now (retracted and reopened ones do not). */
  confirmedBy: string[];
  /** What the family said about the person they look for (the case's `subject`). */
  subject: Record<string, unknown>;
  /** The family's language (the case's), for the message a confirming verifier writes them; null if not kept. */
  lang: Language | null;
  /** The archive photo's category, whose default sentence the family reads (DESIGN §9, §15). */
  category: Category;
  createdAt: Date;
  /** The chance a stranger shows evidence this strong, per archive record (src/match/bar.ts); null if kept before the bar. */
  strangerRate: number | null;
}

// Rank is the candidate's place in its case by weight (then similarity), counted over every
// candidate of the case (decided ones too), so a number a verifier saw does not shift under them.
// Faces are LEFT JOINed: a candidate found by its record alone has none; its photo is c.photo_id.
export const CANDIDATE_VIEW =
  `
  SELECT c.id, c.search_id AS "caseId",
         (SELECT count(*) FROM candidates c2 WHERE c2.search_id = c.search_id AND c2.status <> 'merged'
            AND (c2.match_weight > c.match_weight
                 OR (c2.match_weight = c.match_weight AND coalesce(c2.similarity, -2) > coalesce(c.similarity, -2))
                 OR (c2.match_weight = c.match_weight AND coalesce(c2.similarity, -2) = coalesce(c.similarity, -2) AND c2.id < c.id)))::integer + 1 AS rank,
         c.similarity, c.band, c.status, c.confirmations, c.face_id AS "faceId", c.photo_id AS "photoId", c.person_id AS "personId",
         c.match_weight AS "matchWeight", c.match_probability AS "matchProbability", c.evidence,
         c.created_at AS "createdAt", s.subject, s.lang, p.category, c.stranger_rate AS "strangerRate",
         CASE WHEN f.id IS NOT NULL THEN json_build_object('id', f.id, 'score', f.score, 'quality', f.quality,
           'box', json_build_object('x', f.box_x, 'y', f.box_y, 'width', f.box_width, 'height', f.box_height)) END AS face,
         CASE WHEN rf.id IS NOT NULL THEN json_build_object('id', rf.id, 'photoWidth', rf.photo_width, 'photoHeight', rf.photo_height,
           'box', json_build_object('x', rf.box_x, 'y', rf.box_y, 'width', rf.box_width, 'height', rf.box_height)) END AS "referenceFace",
         json_build_object('id', p.id, 'originalName', p.original_name, 'source', src.name, 'metadata', p.metadata, ` +
  `'width', p.width, 'height', p.height) AS photo,
         coalesce((SELECT json_agg(DISTINCT cd.person_id) FROM current_decisions cd
                   WHERE cd.candidate_id = c.id AND cd.decision IN (${sqlWords(CONFIRMING_DECISION_KINDS)})), '[]'::json) AS "confirmedBy"
  FROM candidates c
  JOIN searches s ON s.id = c.search_id AND s.deleted_at IS NULL
  LEFT JOIN faces f ON f.id = c.face_id
  JOIN photos p ON p.id = c.photo_id
  LEFT JOIN sources src ON src.id = p.source_id
  LEFT JOIN reference_faces rf ON rf.id = c.reference_face_id`;

export async function candidatesOfCase(
  q: Queryable,
  caseId: string,
  opts: { status?: CandidateStatus; limit?: number } = {},
): Promise<CandidateView[]> {
  const r = await q.query<CandidateView>(
    `${CANDIDATE_VIEW} WHERE c.search_id = $1 AND c.status <> 'merged' AND ($2::text IS NULL OR c.status = $2) ` +
      'ORDER BY c.match_weight DESC, c.similarity DESC NULLS LAST, c.id LIMIT $3',
    [caseId, opts.status ?? null, opts.limit ?? 1000],
  );
  return r.rows;
}

/**
 * A case's candidates at or above the bar (`below` false) or under it (`below` true): what the
 * queue offers of the case, and the weaker ones a verifier asks for. A candidate kept before the
 * bar existed (no rate) counts as above it, as the queue counts it.
 */
export async function candidatesOfCaseByBar(
  q: Queryable,
  caseId: string,
  maxRate: number,
  below: boolean,
  limit = 1000,
): Promise<CandidateView[]> {
  const r = await q.query<CandidateView>(
    `${CANDIDATE_VIEW} WHERE c.search_id = $1 AND c.status <> 'merged'
       AND (CASE WHEN c.stranger_rate IS NULL OR c.stranger_rate <= $2::float8 THEN false ELSE true END) = $3
     ORDER BY c.match_weight DESC, c.similarity DESC NULLS LAST, c.id LIMIT $4`,
    [caseId, maxRate, below, limit],
  );
  return r.rows;
}

export async function getCandidate(q: Queryable, id: string): Promise<CandidateView | undefined> {
  const r = await q.query<CandidateView>(`${CANDIDATE_VIEW} WHERE c.id = $1`, [id]);
  return r.rows[0];
}

export async function lockCandidate(
  q: Queryable,
  id: string,
): Promise<{ id: string; caseId: string; personId: string; status: CandidateStatus } | undefined> {
  const r = await q.query<{ id: string; caseId: string; personId: string; status: CandidateStatus }>(
    `SELECT c.id, c.search_id AS "caseId", c.person_id AS "personId", c.status FROM candidates c
     JOIN searches s ON s.id = c.search_id AND s.deleted_at IS NULL
     WHERE c.id = $1 FOR UPDATE OF c`,
    [id],
  );
  return r.rows[0];
}

/** A case's live candidate on a person (not merged), locked, for regrouping after a move. */
export interface PersonCandidate {
  id: string;
  caseId: string;
  personId: string;
  photoId: string;
  status: CandidateStatus;
  matchWeight: number;
}

/** Every live candidate on these persons, locked (in id order). */
export async function lockCandidatesOfPersons(q: Queryable, personIds: readonly string[]): Promise<PersonCandidate[]> {
  if (personIds.length === 0) return [];
  const r = await q.query<PersonCandidate>(
    `SELECT c.id, c.search_id AS "caseId", c.person_id AS "personId", c.photo_id AS "photoId", c.status,
            c.match_weight AS "matchWeight"
     FROM candidates c WHERE c.person_id = ANY($1::uuid[]) AND c.status <> 'merged' ORDER BY c.id FOR UPDATE`,
    [[...new Set(personIds)]],
  );
  return r.rows.map((x) => ({ ...x, matchWeight: Number(x.matchWeight) }));
}

/** A candidate now belongs to another person (its photo moved, or its person merged into him). */
export async function repointCandidate(q: Queryable, id: string, personId: string): Promise<void> {
  await q.query(`UPDATE candidates SET person_id = $2 WHERE id = $1`, [id, personId]);
}

/**
 * A candidate absorbed by another of the same case and person: it stops counting (status
 * `merged`), its row and decisions stay; rows merged into it follow it to the survivor.
 */
export async function mergeCandidateInto(q: Queryable, id: string, into: string, personId: string): Promise<void> {
  await q.query(`UPDATE candidates SET merged_into = $2 WHERE merged_into = $1`, [id, into]);
  await q.query(`UPDATE candidates SET status = 'merged', merged_into = $2, person_id = $3 WHERE id = $1`, [
    id,
    into,
    personId,
  ]);
}
