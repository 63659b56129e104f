import type { Category } from '../vocabulary.ts';
import type { Queryable } from './database.ts';
import { familyMessagesOf } from './decisions.ts';

/** A confirmed match with what its family may be told (reduced further by src/access/visibility.ts). */
export interface ConfirmedMatchRow {
  id: string;
  caseId: string;
  photoId: string;
  category: Category;
  /** The newest non-empty message a confirming verifier wrote for the family, if any. */
  familyMessage: string | null;
  confirmedAt: Date;
}

/**
 * The confirmed matches of a case, oldest confirmation first (the order the family learned of
 * them). Only confirmed candidates of a case that was not deleted, each with the message its
 * confirming verifiers (or an admin settling a dispute) wrote for the family.
 */
export async function confirmedMatchesOfCase(q: Queryable, caseId: string): Promise<ConfirmedMatchRow[]> {
  const r = await q.query<Omit<ConfirmedMatchRow, 'familyMessage'>>(
    `SELECT c.id, c.search_id AS "caseId", f.photo_id AS "photoId", p.category,
            coalesce(c.decided_at, c.created_at) AS "confirmedAt"
     FROM candidates c
     JOIN searches s ON s.id = c.search_id AND s.deleted_at IS NULL
     JOIN faces f ON f.id = c.face_id
     JOIN photos p ON p.id = f.photo_id
     WHERE c.search_id = $1 AND c.status = 'confirmed'
     ORDER BY coalesce(c.decided_at, c.created_at), c.id`,
    [caseId],
  );
  // The message rule is the review's (src/store/decisions.ts): the newest of the confirmations that still count.
  const messages = await familyMessagesOf(q, r.rows.map((x) => x.id));
  return r.rows.map((x) => ({ ...x, familyMessage: messages.get(x.id) ?? null }));
}

/** One confirmed match of a case, for its photo (null when it is not, or no longer, confirmed). */
export async function confirmedMatch(q: Queryable, caseId: string, candidateId: string): Promise<{ photoId: string; displaySha256: string | null } | undefined> {
  const r = await q.query<{ photoId: string; displaySha256: string | null }>(
    `SELECT p.id AS "photoId", p.display_sha256 AS "displaySha256"
     FROM candidates c
     JOIN searches s ON s.id = c.search_id AND s.deleted_at IS NULL
     JOIN faces f ON f.id = c.face_id
     JOIN photos p ON p.id = f.photo_id
     WHERE c.id = $1 AND c.search_id = $2 AND c.status = 'confirmed'`,
    [candidateId, caseId],
  );
  return r.rows[0];
}

/** How many reference photos a case holds, and the index the next one gets (a family adds more later). */
export async function referencePhotoCount(q: Queryable, caseId: string): Promise<{ count: number; nextIndex: number }> {
  const r = await q.query<{ n: number; next: number }>(
    `SELECT count(DISTINCT photo_index)::integer AS n, coalesce(max(photo_index) + 1, 0)::integer AS next FROM reference_faces WHERE search_id = $1`,
    [caseId],
  );
  return { count: r.rows[0]?.n ?? 0, nextIndex: r.rows[0]?.next ?? 0 };
}

/** Replaces what the family told us about the person (the case's `subject`). */
export async function updateCaseSubject(q: Queryable, caseId: string, subject: Record<string, unknown>): Promise<void> {
  await q.query(`UPDATE searches SET subject = $2, updated_at = now() WHERE id = $1 AND deleted_at IS NULL`, [caseId, JSON.stringify(subject)]);
}
