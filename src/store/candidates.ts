import type { Band, Box, CandidateStatus } from '../vocabulary.ts';
import type { Queryable } from './database.ts';


export interface NewCandidate {
  faceId: string;
  referenceFaceId: string;
  similarity: number;
  band: Band;
}

/**
 * Adds candidates to a case. A face already proposed keeps its row: a pending one takes the
 * better similarity, a decided one (confirmed or rejected) is never touched, so a rejected
 * pair cannot come back (unless an admin reopens it). Returns how many rows were new.
 */
export async function upsertCandidates(q: Queryable, caseId: string, list: readonly NewCandidate[]): Promise<number> {
  let created = 0;
  for (const c of list) {
    const r = await q.query<{ inserted: boolean }>(
      `INSERT INTO candidates (search_id, face_id, reference_face_id, similarity, band)
       VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (search_id, face_id) DO UPDATE
         SET similarity = EXCLUDED.similarity, band = EXCLUDED.band, reference_face_id = EXCLUDED.reference_face_id
         WHERE candidates.status = 'pending' AND EXCLUDED.similarity > candidates.similarity
       RETURNING (xmax = 0) AS inserted`,
      [caseId, c.faceId, c.referenceFaceId, c.similarity, c.band],
    );
    if (r.rows[0]?.inserted) created++;
  }
  return created;
}

/**
 * The similarity a face must beat to rank among a case's best `n` candidates, decided ones
 * included (a rejected face still held its place when it was proposed); null while the case
 * has fewer than `n`.
 */
export async function candidateBar(q: Queryable, caseId: string, n: number): Promise<number | null> {
  const r = await q.query<{ similarity: number }>(
    `SELECT similarity FROM candidates WHERE search_id = $1 ORDER BY similarity DESC OFFSET $2 LIMIT 1`,
    [caseId, n - 1],
  );
  return r.rows[0] ? Number(r.rows[0].similarity) : null;
}

export interface CandidateView {
  id: string;
  caseId: string;
  rank: number;
  similarity: number;
  band: Band;
  status: CandidateStatus;
  confirmations: number;
  faceId: string;
  photoId: string;
  /** The family's face this candidate was found with; null once the family deleted it. */
  referenceFace: { id: string; box: Box; photoWidth: number | null; photoHeight: number | null } | null;
  face: { id: string; box: Box; quality: Record<string, unknown>; score: number };
  photo: { id: string; originalName: string | null; source: string | null; metadata: Record<string, unknown>; width: number | null; height: number | null };
  /** The people whose confirmations count now (retracted and reopened ones do not). */
  confirmedBy: string[];
  /** What the family said about the person they look for (the case's `subject`). */
  subject: Record<string, unknown>;
  createdAt: Date;
}

// Rank is the candidate's place in its case by similarity, counted over every candidate of the
// case (decided ones too), so a number a verifier saw does not shift under them.
export const CANDIDATE_VIEW = `
  SELECT c.id, c.search_id AS "caseId",
         (SELECT count(*) FROM candidates c2 WHERE c2.search_id = c.search_id
            AND (c2.similarity > c.similarity OR (c2.similarity = c.similarity AND c2.id < c.id)))::integer + 1 AS rank,
         c.similarity, c.band, c.status, c.confirmations, c.face_id AS "faceId", f.photo_id AS "photoId",
         c.created_at AS "createdAt", s.subject,
         json_build_object('id', f.id, 'score', f.score, 'quality', f.quality,
           'box', json_build_object('x', f.box_x, 'y', f.box_y, 'width', f.box_width, 'height', f.box_height)) AS face,
         CASE WHEN rf.id IS NOT NULL THEN json_build_object('id', rf.id, 'photoWidth', rf.photo_width, 'photoHeight', rf.photo_height,
           'box', json_build_object('x', rf.box_x, 'y', rf.box_y, 'width', rf.box_width, 'height', rf.box_height)) END AS "referenceFace",
         json_build_object('id', p.id, 'originalName', p.original_name, 'source', src.name, 'metadata', p.metadata, 'width', p.width, 'height', p.height) AS photo,
         coalesce((SELECT json_agg(DISTINCT cd.person_id) FROM current_decisions cd
                   WHERE cd.candidate_id = c.id AND cd.decision IN ('confirm', 'admin_confirm')), '[]'::json) AS "confirmedBy"
  FROM candidates c
  JOIN searches s ON s.id = c.search_id AND s.deleted_at IS NULL
  JOIN faces f ON f.id = c.face_id
  JOIN photos p ON p.id = f.photo_id
  LEFT JOIN sources src ON src.id = p.source_id
  LEFT JOIN reference_faces rf ON rf.id = c.reference_face_id`;

export async function candidatesOfCase(q: Queryable, caseId: string, opts: { status?: CandidateStatus; limit?: number } = {}): Promise<CandidateView[]> {
  const r = await q.query<CandidateView>(
    `${CANDIDATE_VIEW} WHERE c.search_id = $1 AND ($2::text IS NULL OR c.status = $2) ORDER BY c.similarity DESC, c.id LIMIT $3`,
    [caseId, opts.status ?? null, opts.limit ?? 1000],
  );
  return r.rows;
}

export async function getCandidate(q: Queryable, id: string): Promise<CandidateView | undefined> {
  const r = await q.query<CandidateView>(`${CANDIDATE_VIEW} WHERE c.id = $1`, [id]);
  return r.rows[0];
}

export async function lockCandidate(q: Queryable, id: string): Promise<{ id: string; caseId: string; status: CandidateStatus } | undefined> {
  const r = await q.query<{ id: string; caseId: string; status: CandidateStatus }>(
    `SELECT c.id, c.search_id AS "caseId", c.status FROM candidates c
     JOIN searches s ON s.id = c.search_id AND s.deleted_at IS NULL
     WHERE c.id = $1 FOR UPDATE OF c`,
    [id],
  );
  return r.rows[0];
}

/** Candidates found for a gallery face whose case a family token may see (confirmed only). */
export async function photoVisibleToCase(q: Queryable, photoId: string, caseId: string): Promise<boolean> {
  const r = await q.query(
    `SELECT 1 FROM candidates c JOIN faces f ON f.id = c.face_id
     WHERE c.search_id = $1 AND f.photo_id = $2 AND c.status = 'confirmed' LIMIT 1`,
    [caseId, photoId],
  );
  return r.rows.length > 0;
}

export async function faceVisibleToCase(q: Queryable, faceId: string, caseId: string): Promise<boolean> {
  const r = await q.query(`SELECT 1 FROM candidates c WHERE c.search_id = $1 AND c.face_id = $2 AND c.status = 'confirmed' LIMIT 1`, [caseId, faceId]);
  return r.rows.length > 0;
}
