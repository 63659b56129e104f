import type { Queryable } from './database.ts';

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
  await q.query(`UPDATE searches SET subject = $2, updated_at = now() WHERE id = $1 AND deleted_at IS NULL`, [
    caseId,
    JSON.stringify(subject),
  ]);
}
