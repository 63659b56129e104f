import type { Queryable } from './database.ts';

export interface PurgeCandidate {
  id: string;
  /** Why it is due: deleted by its family or an admin, or closed, longer ago than the retention period. */
  reason: 'deleted' | 'closed';
  since: Date;
  referenceFaces: number;
  notes: number;
  familyTokens: number;
  /** The case's subject (what the family told us) is not empty yet. */
  subject: boolean;
  /** An earlier purge marked it and did not finish (killed, or its store failed): this run completes it. */
  resumed: boolean;
}

/**
 * Cases whose personal data is due to go: deleted, or closed, before `cutoff`, and not purged
 * yet; and every case an unfinished purge marked, whatever the cutoff (a run with a longer
 * retention period must not leave a half-erased case behind), as long as it is still deleted or
 * closed. Counted exactly as `purgeCaseRows` removes, so a dry run says what a real run does.
 */
export async function casesDueForPurge(q: Queryable, cutoff: Date): Promise<PurgeCandidate[]> {
  const r = await q.query<PurgeCandidate>(
    `SELECT s.id,
            CASE WHEN s.deleted_at IS NOT NULL THEN 'deleted' ELSE 'closed' END AS reason,
            coalesce(s.deleted_at, s.closed_at) AS since,
            (SELECT count(*) FROM reference_faces rf WHERE rf.search_id = s.id)::integer AS "referenceFaces",
            (SELECT count(*) FROM decision_notes n JOIN decisions d ON d.id = n.decision_id JOIN candidates c ON c.id = d.candidate_id
              WHERE c.search_id = s.id)::integer AS notes,
            (SELECT count(*) FROM tokens t WHERE t.search_id = s.id AND t.role = 'family')::integer AS "familyTokens",
            (s.subject <> '{}'::jsonb) AS subject,
            (s.purge_started_at IS NOT NULL) AS resumed
     FROM searches s
     WHERE s.purged_at IS NULL
       AND ((s.purge_started_at IS NOT NULL AND (s.deleted_at IS NOT NULL OR s.status = 'closed'))
            OR s.deleted_at < $1::timestamptz OR (s.deleted_at IS NULL AND s.status = 'closed' AND s.closed_at < $1::timestamptz))
     ORDER BY coalesce(s.deleted_at, s.closed_at), s.id`,
    [cutoff.toISOString()],
  );
  return r.rows;
}

/** Blob keys of these cases' reference photos, crops and display copies that nothing else refers to. */
export async function blobsOnlyOfCases(q: Queryable, caseIds: readonly string[]): Promise<string[]> {
  if (caseIds.length === 0) return [];
  const r = await q.query<{ k: string }>(
    `WITH mine AS (
       SELECT photo_sha256 AS k FROM reference_faces WHERE search_id = ANY($1::uuid[])
       UNION SELECT crop_sha256 FROM reference_faces WHERE search_id = ANY($1::uuid[]) AND crop_sha256 IS NOT NULL
       UNION SELECT display_sha256 FROM reference_faces WHERE search_id = ANY($1::uuid[]) AND display_sha256 IS NOT NULL)
     SELECT k FROM mine WHERE
       NOT EXISTS (SELECT 1 FROM photos WHERE sha256 = k OR display_sha256 = k)
       AND NOT EXISTS (SELECT 1 FROM faces WHERE crop_sha256 = k)
       AND NOT EXISTS (SELECT 1 FROM reference_faces WHERE NOT (search_id = ANY($1::uuid[])) AND (photo_sha256 = k OR crop_sha256 = k OR display_sha256 = k))
     ORDER BY k`,
    [caseIds],
  );
  return r.rows.map((x) => x.k);
}

/**
 * Marks cases as being purged before any of their files or rows go (migration 0010): a run that
 * dies after deleting files finds them again by the mark and finishes, instead of leaving rows
 * that point at nothing, or files that no row names any more. A case marked earlier keeps its
 * first mark.
 */
export async function markCasesForPurge(q: Queryable, caseIds: readonly string[]): Promise<void> {
  if (caseIds.length === 0) return;
  await q.query(
    `UPDATE searches SET purge_started_at = coalesce(purge_started_at, now()) WHERE id = ANY($1::uuid[]) AND purged_at IS NULL`,
    [caseIds],
  );
}

/**
 * Erases a case's personal data, in the caller's transaction: the family's reference faces
 * (photos' keys, crops, embeddings), what they told us (subject), the verifiers' notes about it
 * and the family's tokens. What stays is the case's id, status and times, its candidates and the
 * append-only decisions (who decided what, on which archive photo), and the audit rows, which
 * hold ids and counts only: the record an organisation must keep of what it did.
 */
export async function purgeCaseRows(tx: Queryable, caseId: string): Promise<void> {
  await tx.query(
    `DELETE FROM decision_notes WHERE decision_id IN
       (SELECT d.id FROM decisions d JOIN candidates c ON c.id = d.candidate_id WHERE c.search_id = $1)`,
    [caseId],
  );
  await tx.query(`DELETE FROM reference_faces WHERE search_id = $1`, [caseId]);
  await tx.query(`DELETE FROM notify_addresses WHERE search_id = $1`, [caseId]);
  await tx.query(`DELETE FROM tokens WHERE search_id = $1 AND role = 'family'`, [caseId]);
  await tx.query(`UPDATE searches SET subject = '{}'::jsonb, purged_at = now(), updated_at = now() WHERE id = $1`, [
    caseId,
  ]);
}
