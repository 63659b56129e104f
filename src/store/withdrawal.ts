import type { Queryable } from './database.ts';
import type { CandidateStatus, CaseStatus } from '../vocabulary.ts';

// The rows a withdrawal reads and writes. What it keeps and drops is decided in src: the
// candidates by src/match/withdrawal.ts, the photo by src/gallery/corrections.ts:withdrawPhoto.

/** A photo about to be withdrawn, its row locked so two withdrawals (or an ingest) do not cross. */
export async function lockPhotoForWithdrawal(
  tx: Queryable,
  photoId: string,
): Promise<{ status: string; displaySha256: string | null } | undefined> {
  const r = await tx.query<{ status: string; displaySha256: string | null }>(
    `SELECT status, display_sha256 AS "displaySha256" FROM photos WHERE id = $1 FOR UPDATE`,
    [photoId],
  );
  return r.rows[0];
}

/** A candidate on a photo, with whether anyone ever decided on it (retracted decisions included) and its case's status. */
export interface PhotoCandidate {
  id: string;
  caseId: string;
  /** The archive person the candidate proposes (0014). */
  personId: string;
  status: CandidateStatus;
  decided: boolean;
  caseStatus: CaseStatus;
}

/** Every candidate on a photo, locked: no verifier decides one while the photo goes. */
export async function candidatesOnPhoto(tx: Queryable, photoId: string): Promise<PhotoCandidate[]> {
  const r = await tx.query<PhotoCandidate>(
    `SELECT c.id, c.search_id AS "caseId", c.person_id AS "personId", c.status, s.status AS "caseStatus",
            EXISTS (SELECT 1 FROM decisions d WHERE d.candidate_id = c.id) AS decided
     FROM candidates c JOIN searches s ON s.id = c.search_id
     WHERE c.photo_id = $1 FOR UPDATE OF c`,
    [photoId],
  );
  return r.rows;
}

/** Deletes candidates (only ones without decisions: decisions reference their candidate). */
export async function deleteCandidates(tx: Queryable, ids: readonly string[]): Promise<void> {
  if (ids.length > 0) await tx.query(`DELETE FROM candidates WHERE id = ANY($1::uuid[])`, [ids]);
}

/**
 * Deletes a photo's faces (its embeddings: it matches nothing again); decided candidates lose their
 * face (ON DELETE SET NULL, 0007). Returns their crops' keys.
 */
export async function deleteFacesOfPhoto(tx: Queryable, photoId: string): Promise<Array<{ crop: string | null }>> {
  const r = await tx.query<{ crop: string | null }>(
    `DELETE FROM faces WHERE photo_id = $1 RETURNING crop_sha256 AS crop`,
    [photoId],
  );
  return r.rows;
}

/** Marks a photo withdrawn, its display copy let go, with who withdrew it and why (the row stays as the record). */
export async function markPhotoWithdrawn(
  tx: Queryable,
  photoId: string,
  withdrawal: { reason: string; at: Date; by: { id: string | null; role: string; personId: string | null } },
): Promise<void> {
  await tx.query(
    `UPDATE photos SET status = 'withdrawn', error = NULL, heartbeat_at = NULL, display_sha256 = NULL,
            withdrawal = $2, updated_at = now()
     WHERE id = $1`,
    [photoId, JSON.stringify({ reason: withdrawal.reason, at: withdrawal.at.toISOString(), by: withdrawal.by })],
  );
}

/** Changes what is recorded about a photo; undefined for an unknown one. */
export async function correctPhotoRow(
  tx: Queryable,
  photoId: string,
  change: {
    category?: string | undefined;
    metadata?: Record<string, unknown> | undefined;
    sourceId?: string | null | undefined;
  },
): Promise<{ before: { category: string; status: string } } | undefined> {
  const r = await tx.query<{ category: string; status: string }>(
    `SELECT category, status FROM photos WHERE id = $1 FOR UPDATE`,
    [photoId],
  );
  const row = r.rows[0];
  if (!row) return undefined;
  await tx.query(
    `UPDATE photos SET category = coalesce($2, category), metadata = coalesce($3::jsonb, metadata),
            source_id = CASE WHEN $4::boolean THEN $5::uuid ELSE source_id END, updated_at = now()
     WHERE id = $1`,
    [
      photoId,
      change.category ?? null,
      change.metadata ? JSON.stringify(change.metadata) : null,
      change.sourceId !== undefined,
      change.sourceId ?? null,
    ],
  );
  return { before: row };
}
