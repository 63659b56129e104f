import type { Evidence } from '../records/weights.ts';
import type { Category } from '../vocabulary.ts';
import type { Queryable } from './database.ts';
import { familyMessagesOf } from './decisions.ts';

/**
 * "Confirmed for this case", the one answer every read of it uses (what a family sees, which of
 * the archive's photos and faces it may fetch, whether the review queue shows a case as already
 * matched): a confirmed candidate, of a case that was not deleted, on a photo that was not
 * withdrawn (a candidate on a withdrawn photo is only the record of what was decided, and its
 * case no longer counts it: src/match/status.ts:caseStatusOf). A condition on the candidate
 * aliased `c`, with its own subqueries so any query can use it.
 */
export function confirmedForCase(c: string): string {
  return `(${c}.status = 'confirmed'
    AND EXISTS (SELECT 1 FROM searches cf_s WHERE cf_s.id = ${c}.search_id AND cf_s.deleted_at IS NULL)
    AND EXISTS (SELECT 1 FROM photos cf_p WHERE cf_p.id = ${c}.photo_id AND cf_p.status <> 'withdrawn'))`;
}

/** A confirmed match with what its family may be told (reduced further by src/access/visibility.ts). */
export interface ConfirmedMatchRow {
  id: string;
  caseId: string;
  photoId: string;
  /** The archive person confirmed (issue 26): what became of him reaches the family once approved. */
  personId: string;
  category: Category;
  /** The newest non-empty message a confirming verifier wrote for the family, if any. */
  familyMessage: string | null;
  confirmedAt: Date;
  /** The face's similarity; null when the candidate was found by its record alone. */
  similarity: number | null;
  /** How each field of the family's description compared (the face included). */
  evidence: Evidence[];
}

/**
 * The confirmed matches of a case, oldest confirmation first (the order the family learned of
 * them). Only confirmed candidates of a case that was not deleted, each with the message its
 * confirming verifiers (or an admin settling a dispute) wrote for the family.
 */
export async function confirmedMatchesOfCase(q: Queryable, caseId: string): Promise<ConfirmedMatchRow[]> {
  const r = await q.query<Omit<ConfirmedMatchRow, 'familyMessage'>>(
    `SELECT c.id, c.search_id AS "caseId", c.photo_id AS "photoId", c.person_id AS "personId", p.category,
            coalesce(c.decided_at, c.created_at) AS "confirmedAt", c.similarity, c.evidence
     -- by the candidate's photo: one found by its record alone has no face
     FROM candidates c JOIN photos p ON p.id = c.photo_id
     WHERE c.search_id = $1 AND ${confirmedForCase('c')}
     ORDER BY coalesce(c.decided_at, c.created_at), c.id`,
    [caseId],
  );
  // The message rule is the review's (src/store/decisions.ts): the newest of the confirmations that still count.
  const messages = await familyMessagesOf(
    q,
    r.rows.map((x) => x.id),
  );
  return r.rows.map((x) => ({
    ...x,
    similarity: x.similarity === null ? null : Number(x.similarity),
    evidence: Array.isArray(x.evidence) ? x.evidence : [],
    familyMessage: messages.get(x.id) ?? null,
  }));
}

/**
 * The cases whose confirmed result is this archive person: the families who hear (through the
 * notices they asked for) that what became of him changed once a verifier approved it.
 */
export async function casesConfirmedOnPerson(q: Queryable, personId: string): Promise<string[]> {
  const r = await q.query<{ id: string }>(
    `SELECT DISTINCT c.search_id AS id FROM candidates c WHERE c.person_id = $1 AND ${confirmedForCase('c')}`,
    [personId],
  );
  return r.rows.map((x) => x.id);
}

/**
 * When a confirmed result of this case was last taken back, or null if none ever was: an admin
 * reopened it (the reopen's audit row says what it reopened) or its archive photo was withdrawn
 * (the candidate keeps its `confirmed` status as the record of what was decided, src/match/withdrawal.ts).
 * Read from rows that are never rewritten, so what a family was told cannot be lost by a later
 * edit. Reopens are rare: the audit's (action, at) index finds them without scanning the log.
 */
export async function lastResultTakenBack(q: Queryable, caseId: string): Promise<Date | null> {
  const r = await q.query<{ at: Date | null }>(
    `SELECT max(e.at) AS at FROM (
       SELECT a.at FROM audit_events a
       WHERE a.action = 'candidate.reopen' AND a.details->>'searchId' = $1::uuid::text AND a.details->>'was' = 'confirmed'
       UNION ALL
       SELECT (p.withdrawal->>'at')::timestamptz FROM candidates c JOIN photos p ON p.id = c.photo_id
       WHERE c.search_id = $1::uuid AND c.status = 'confirmed' AND p.status = 'withdrawn'
     ) e`,
    [caseId],
  );
  const at = r.rows[0]?.at;
  return at ? new Date(at) : null;
}

/** One confirmed match of a case, for its photo (null when it is not, or no longer, confirmed). */
export async function confirmedMatch(
  q: Queryable,
  caseId: string,
  candidateId: string,
): Promise<{ photoId: string; displaySha256: string | null } | undefined> {
  const r = await q.query<{ photoId: string; displaySha256: string | null }>(
    `SELECT p.id AS "photoId", p.display_sha256 AS "displaySha256"
     FROM candidates c JOIN photos p ON p.id = c.photo_id
     WHERE c.id = $1 AND c.search_id = $2 AND ${confirmedForCase('c')}`,
    [candidateId, caseId],
  );
  return r.rows[0];
}

/** Whether an archive photo is confirmed for this case (a family may then see it). */
export async function photoVisibleToCase(q: Queryable, photoId: string, caseId: string): Promise<boolean> {
  const r = await q.query(
    `SELECT 1 FROM candidates c WHERE c.search_id = $1 AND c.photo_id = $2 AND ${confirmedForCase('c')} LIMIT 1`,
    [caseId, photoId],
  );
  return r.rows.length > 0;
}

/** Whether an archive face is confirmed for this case (a family may then see its crop). */
export async function faceVisibleToCase(q: Queryable, faceId: string, caseId: string): Promise<boolean> {
  const r = await q.query(
    `SELECT 1 FROM candidates c WHERE c.search_id = $1 AND c.face_id = $2 AND ${confirmedForCase('c')} LIMIT 1`,
    [caseId, faceId],
  );
  return r.rows.length > 0;
}
