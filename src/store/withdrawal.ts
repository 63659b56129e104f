import type { Queryable } from './database.ts';
import type { CandidateStatus, CaseStatus } from '../vocabulary.ts';
import { refreshCaseStatus } from './cases.ts';

export interface WithdrawnPhoto {
  /** Candidates nobody had decided on: deleted with the faces. */
  removedCandidates: number;
  /** Candidates with decisions: kept, without their face, as the record of what was decided. */
  keptCandidates: Array<{ id: string; caseId: string; status: CandidateStatus }>;
  /** Every case that had a candidate on the photo, with its status before and after. */
  cases: Array<{ id: string; before: CaseStatus; after: CaseStatus }>;
  /** Crops and the display copy: no longer referenced by this photo. */
  blobKeys: string[];
  faces: number;
}

/**
 * Takes a photo out of the archive inside the caller's transaction: its faces (embeddings) and
 * crops go, so it matches nothing again; candidates no verifier touched go with them; decided
 * ones stay with their decisions (append-only) and lose their face (ON DELETE SET NULL, 0007).
 * The cases concerned get their status recomputed: one whose confirmed match was on this photo
 * is open again. Undefined for an unknown photo; `already` when it was withdrawn before.
 */
export async function withdrawPhotoRows(
  tx: Queryable,
  photoId: string,
  withdrawal: { reason: string; by: { id: string | null; role: string; personId: string | null } },
): Promise<WithdrawnPhoto | 'already' | undefined> {
  const locked = await tx.query<{ status: string; displaySha256: string | null }>(
    `SELECT status, display_sha256 AS "displaySha256" FROM photos WHERE id = $1 FOR UPDATE`,
    [photoId],
  );
  const photo = locked.rows[0];
  if (!photo) return undefined;
  if (photo.status === 'withdrawn') return 'already';
  const cands = await tx.query<{ id: string; caseId: string; status: CandidateStatus; decided: boolean; caseStatus: CaseStatus }>(
    `SELECT c.id, c.search_id AS "caseId", c.status, s.status AS "caseStatus",
            EXISTS (SELECT 1 FROM decisions d WHERE d.candidate_id = c.id) AS decided
     FROM candidates c JOIN faces f ON f.id = c.face_id JOIN searches s ON s.id = c.search_id
     WHERE f.photo_id = $1 FOR UPDATE OF c`,
    [photoId],
  );
  const undecided = cands.rows.filter((c) => !c.decided).map((c) => c.id);
  if (undecided.length > 0) await tx.query(`DELETE FROM candidates WHERE id = ANY($1::uuid[])`, [undecided]);
  const faces = await tx.query<{ crop: string | null }>(`DELETE FROM faces WHERE photo_id = $1 RETURNING crop_sha256 AS crop`, [photoId]);
  await tx.query(
    `UPDATE photos SET status = 'withdrawn', error = NULL, heartbeat_at = NULL, display_sha256 = NULL,
            withdrawal = $2, updated_at = now()
     WHERE id = $1`,
    [photoId, JSON.stringify({ reason: withdrawal.reason, at: new Date().toISOString(), by: withdrawal.by })],
  );
  const before = new Map<string, CaseStatus>();
  for (const c of cands.rows) before.set(c.caseId, c.caseStatus);
  const cases: WithdrawnPhoto['cases'] = [];
  for (const [id, was] of before) cases.push({ id, before: was, after: (await refreshCaseStatus(tx, id)) ?? was });
  const keys = new Set<string>();
  if (photo.displaySha256) keys.add(photo.displaySha256);
  for (const f of faces.rows) if (f.crop) keys.add(f.crop);
  return {
    removedCandidates: undecided.length,
    keptCandidates: cands.rows.filter((c) => c.decided).map((c) => ({ id: c.id, caseId: c.caseId, status: c.status })),
    cases,
    blobKeys: [...keys],
    faces: faces.rows.length,
  };
}

/** Changes what is recorded about a photo; undefined for an unknown one. */
export async function correctPhotoRow(
  tx: Queryable,
  photoId: string,
  change: { category?: string | undefined; metadata?: Record<string, unknown> | undefined; sourceId?: string | null | undefined },
): Promise<{ before: { category: string; status: string } } | undefined> {
  const r = await tx.query<{ category: string; status: string }>(`SELECT category, status FROM photos WHERE id = $1 FOR UPDATE`, [photoId]);
  const row = r.rows[0];
  if (!row) return undefined;
  await tx.query(
    `UPDATE photos SET category = coalesce($2, category), metadata = coalesce($3::jsonb, metadata),
            source_id = CASE WHEN $4::boolean THEN $5::uuid ELSE source_id END, updated_at = now()
     WHERE id = $1`,
    [photoId, change.category ?? null, change.metadata ? JSON.stringify(change.metadata) : null, change.sourceId !== undefined, change.sourceId ?? null],
  );
  return { before: row };
}
