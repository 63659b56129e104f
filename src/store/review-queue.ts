import type { ReviewQueue } from '../vocabulary.ts';
import { CANDIDATE_VIEW, type CandidateView } from './candidates.ts';
import { confirmedForCase } from './confirmed.ts';
import type { Queryable } from './database.ts';

/**
 * The place of a candidate in the review queue. Work goes by case: cases without a confirmed
 * match first, oldest case first (the family that has waited longest), a case's candidates
 * best first. A case that has a confirmed match drops to the end with what is left of it
 * (those may still be the same man in another photo). Every key is stable while a verifier
 * pages, except `caseConfirmed`, which only ever moves a case later.
 */
export interface QueuePlace {
  caseConfirmed: boolean;
  /** The case's opening time in microseconds since 1970 (exact, unlike a JS Date). */
  caseOpened: string;
  caseId: string;
  similarity: number;
  id: string;
}

export interface QueueRow extends CandidateView {
  caseConfirmed: boolean;
  place: QueuePlace;
}

/**
 * The bar (src/match/search-bar.ts) as the queue applies it, with the positions of its two
 * parameters: `maxRate`, the highest stranger rate offered (null: no bar, as for the disputed
 * queue), and `sameMan`, the similarity at which a face counts as the confirmed man's own.
 * A candidate is offered when its evidence is at or above its case's bar (one kept before the
 * bar existed has no rate and stays); once its case has a confirmed match, only when its face
 * is that man's face in another photo (at `sameMan` to a confirmed candidate's face, whatever
 * its similarity to the family's photo): the rest stay with the case, shown with it, out of
 * the queue.
 */
function barFilter(maxRate: string, sameMan: string): string {
  return `
    AND (${maxRate}::float8 IS NULL OR
         CASE WHEN EXISTS (SELECT 1 FROM candidates o WHERE o.search_id = c.search_id AND ${confirmedForCase('o')})
         THEN EXISTS (SELECT 1 FROM candidates o JOIN faces fo ON fo.id = o.face_id JOIN faces fc ON fc.id = c.face_id
                      WHERE o.search_id = c.search_id AND ${confirmedForCase('o')}
                        -- whichever column the recogniser fills (0016): the other is NULL in both faces
                        AND 1 - COALESCE(fc.embedding <=> fo.embedding, fc.embedding_320 <=> fo.embedding_320) >= ${sameMan}::float8)
         ELSE c.stranger_rate IS NULL OR c.stranger_rate <= ${maxRate}::float8 END)`;
}

/** The bar's two figures as the queue reads them; absent: every candidate is offered. */
export interface QueueBar {
  maxRate: number;
  sameMan: number;
}

// Which candidates a queue holds for this reviewer: open cases only; for verifiers, not those
// they already answered (by any token) nor those another reviewer holds open right now.
const QUEUE_FILTER = `
  FROM candidates c
  JOIN searches s ON s.id = c.search_id AND s.deleted_at IS NULL AND s.status <> 'closed'
  WHERE c.status = $1
    AND ($2::uuid IS NULL OR $1 = 'disputed' OR NOT EXISTS (SELECT 1 FROM current_decisions cd WHERE cd.candidate_id = c.id AND cd.person_id = $2))
    AND NOT EXISTS (SELECT 1 FROM candidate_leases l WHERE l.candidate_id = c.id AND l.person_id IS DISTINCT FROM $2 AND l.expires_at > now())
    ${barFilter('$9', '$10')}`;

/** One page of a queue for a person, from `after` on (exclusive). */
export async function reviewQueuePage(
  q: Queryable,
  opts: { queue: ReviewQueue; personId: string | null; limit: number; after?: QueuePlace; bar?: QueueBar | undefined },
): Promise<QueueRow[]> {
  const a = opts.after;
  const places = await q.query<{ id: string; cc: boolean; opened: string; caseId: string; similarity: number }>(
    `WITH places AS (
       -- a candidate found by its record alone has no face similarity: it comes after the faces of its case
       SELECT c.id, c.search_id AS "caseId", coalesce(c.similarity, -2) AS similarity,
              EXISTS (SELECT 1 FROM candidates o WHERE o.search_id = c.search_id AND ${confirmedForCase('o')}) AS cc,
              (extract(epoch FROM s.created_at) * 1000000)::bigint AS opened
       ${QUEUE_FILTER})
     SELECT id, cc, opened::text AS opened, "caseId", similarity FROM places
     WHERE $3::boolean IS NULL
        OR (cc::int, opened, "caseId") > ($3::boolean::int, $4::bigint, $5::uuid)
        OR ((cc::int, opened, "caseId") = ($3::boolean::int, $4::bigint, $5::uuid)
            AND (similarity < $6::real OR (similarity = $6::real AND id > $7::uuid)))
     ORDER BY cc, opened, "caseId", similarity DESC, id
     LIMIT $8`,
    [
      opts.queue,
      opts.personId,
      a?.caseConfirmed ?? null,
      a?.caseOpened ?? null,
      a?.caseId ?? null,
      a?.similarity ?? null,
      a?.id ?? null,
      opts.limit,
      opts.bar?.maxRate ?? null,
      opts.bar?.sameMan ?? null,
    ],
  );
  if (places.rows.length === 0) return [];
  const views = await q.query<CandidateView>(`${CANDIDATE_VIEW} WHERE c.id = ANY($1::uuid[])`, [
    places.rows.map((p) => p.id),
  ]);
  const byId = new Map(views.rows.map((v) => [v.id, v]));
  const out: QueueRow[] = [];
  for (const p of places.rows) {
    const v = byId.get(p.id);
    if (!v) continue;
    out.push({
      ...v,
      caseConfirmed: p.cc,
      place: {
        caseConfirmed: p.cc,
        caseOpened: p.opened,
        caseId: p.caseId,
        similarity: Number(p.similarity),
        id: p.id,
      },
    });
  }
  return out;
}

/** How many candidates a queue holds for this person now (leased ones included: they come back). */
export async function queueCount(
  q: Queryable,
  queue: ReviewQueue,
  personId: string | null,
  bar?: QueueBar,
): Promise<number> {
  const r = await q.query<{ n: number }>(
    `SELECT count(*)::integer AS n
     FROM candidates c
     JOIN searches s ON s.id = c.search_id AND s.deleted_at IS NULL AND s.status <> 'closed'
     WHERE c.status = $1
       AND ($2::uuid IS NULL OR $1 = 'disputed' OR NOT EXISTS (SELECT 1 FROM current_decisions cd WHERE cd.candidate_id = c.id AND cd.person_id = $2))
       ${barFilter('$3', '$4')}`,
    [queue, personId, bar?.maxRate ?? null, bar?.sameMan ?? null],
  );
  return Number(r.rows[0]!.n);
}

/**
 * Takes or renews the lease on a candidate for this person until `until`, unless another
 * person holds an unexpired one. Returns when the holder's lease runs out and who holds it.
 */
export async function leaseCandidate(
  q: Queryable,
  candidateId: string,
  personId: string,
  seconds: number,
): Promise<{ mine: boolean; expiresAt: Date }> {
  const r = await q.query<{ personId: string; expiresAt: Date }>(
    `INSERT INTO candidate_leases (candidate_id, person_id, expires_at) VALUES ($1, $2, now() + make_interval(secs => $3))
     ON CONFLICT (candidate_id) DO UPDATE SET person_id = EXCLUDED.person_id, expires_at = EXCLUDED.expires_at
       WHERE candidate_leases.person_id = EXCLUDED.person_id OR candidate_leases.expires_at <= now()
     RETURNING person_id AS "personId", expires_at AS "expiresAt"`,
    [candidateId, personId, seconds],
  );
  if (r.rows[0]) return { mine: true, expiresAt: r.rows[0].expiresAt };
  const held = await q.query<{ expiresAt: Date }>(
    `SELECT expires_at AS "expiresAt" FROM candidate_leases WHERE candidate_id = $1`,
    [candidateId],
  );
  return { mine: false, expiresAt: held.rows[0]!.expiresAt };
}

/** Ends any lease on the candidate: once someone has decided, others may be shown it. */
export async function releaseLease(q: Queryable, candidateId: string): Promise<void> {
  await q.query(`DELETE FROM candidate_leases WHERE candidate_id = $1`, [candidateId]);
}

/**
 * Serialises one person's lease requests (a row lock on the person) so two at once cannot both
 * pass the limit, and says what the limit needs: how many other candidates the person holds
 * open now, whether they already hold this one, and whether they have decided it.
 */
export async function leaseStanding(
  q: Queryable,
  candidateId: string,
  personId: string,
): Promise<{ othersHeld: number; holdsThis: boolean; decided: boolean }> {
  await q.query(`SELECT 1 FROM people WHERE id = $1 FOR UPDATE`, [personId]);
  const r = await q.query<{ othersHeld: number; holdsThis: boolean; decided: boolean }>(
    `SELECT (SELECT count(*) FROM candidate_leases WHERE person_id = $2 AND candidate_id <> $1 AND expires_at > now())::integer AS "othersHeld",
            EXISTS (SELECT 1 FROM candidate_leases WHERE person_id = $2 AND candidate_id = $1 AND expires_at > now()) AS "holdsThis",
            EXISTS (SELECT 1 FROM current_decisions WHERE person_id = $2 AND candidate_id = $1) AS decided`,
    [candidateId, personId],
  );
  const row = r.rows[0]!;
  return { othersHeld: Number(row.othersHeld), holdsThis: row.holdsThis, decided: row.decided };
}

/** Ends this person's own lease on the candidate; returns whether they held one. */
export async function releaseOwnLease(q: Queryable, candidateId: string, personId: string): Promise<boolean> {
  const r = await q.query(`DELETE FROM candidate_leases WHERE candidate_id = $1 AND person_id = $2`, [
    candidateId,
    personId,
  ]);
  return r.rowCount > 0;
}

/** Another case that may look for the same man: opened with the same photo, or describing him alike. */
export interface RelatedCase {
  id: string;
  why: 'same_photo' | 'same_subject';
}

/**
 * Cases the verifier should see beside this one (issue 25): another live case opened with the
 * same photo (its hash), or whose subject has the same surname key and birth date, or a
 * document number within one edit (case_record_keys). Two families, or one family twice,
 * looking for one man: an answer in one concerns the other.
 */
export async function relatedCases(q: Queryable, caseId: string): Promise<RelatedCase[]> {
  const r = await q.query<RelatedCase>(
    `SELECT DISTINCT o.search_id AS id, 'same_photo' AS why
     FROM reference_faces mine
     JOIN reference_faces o ON o.photo_sha256 = mine.photo_sha256 AND o.search_id <> mine.search_id
     JOIN searches s ON s.id = o.search_id AND s.deleted_at IS NULL
     WHERE mine.search_id = $1
     UNION
     SELECT DISTINCT k2.search_id AS id, 'same_subject' AS why
     FROM case_record_keys k1
     JOIN case_record_keys k2 ON k2.kind = k1.kind AND k2.key = k1.key AND k2.search_id <> k1.search_id
     JOIN searches s1 ON s1.id = k1.search_id
     JOIN searches s2 ON s2.id = k2.search_id AND s2.deleted_at IS NULL
     WHERE k1.search_id = $1
       AND (k1.kind = 'id' OR (s1.subject->>'birthDate' IS NOT NULL AND s1.subject->>'birthDate' = s2.subject->>'birthDate'))
     ORDER BY id, why`,
    [caseId],
  );
  return r.rows;
}
