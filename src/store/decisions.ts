import { CONFIRMING_DECISION_KINDS, type CandidateStatus, type DecisionKind } from '../vocabulary.ts';
import type { Queryable } from './database.ts';

// Decisions are append-only rows (0001, 0008): nothing here updates or deletes one. What counts
// now is the view `current_decisions` (not retracted, not before the candidate's last reopen).

export interface NewDecision {
  candidateId: string;
  tokenId: string;
  decision: DecisionKind;
  note: string | null;
  reason: string | null;
  familyMessage: string | null;
  /** For a retract: the decision it withdraws. */
  retracts: string | null;
}

export async function insertDecision(q: Queryable, d: NewDecision): Promise<{ id: string; createdAt: Date }> {
  const r = await q.query<{ id: string; createdAt: Date }>(
    // The photo it was made on: the candidate's best photo now (issue 26: it may change as photos join him).
    `INSERT INTO decisions (candidate_id, token_id, decision, family_message, retracts, photo_id)
     VALUES ($1, $2, $3, $4, $5, (SELECT photo_id FROM candidates WHERE id = $1))
     RETURNING id, created_at AS "createdAt"`,
    [d.candidateId, d.tokenId, d.decision, d.familyMessage, d.retracts],
  );
  const id = r.rows[0]!.id;
  // Notes and reasons live beside the decision: they go with the case if the family deletes it.
  if (d.note)
    await q.query(`INSERT INTO decision_notes (decision_id, kind, note) VALUES ($1, 'note', $2)`, [id, d.note]);
  if (d.reason)
    await q.query(`INSERT INTO decision_notes (decision_id, kind, note) VALUES ($1, 'reason', $2)`, [id, d.reason]);
  return r.rows[0]!;
}

/** A decision as reviewers read it, with the person behind it and its note and reason. */
export interface DecisionRow {
  id: string;
  candidateId: string;
  decision: DecisionKind;
  personId: string | null;
  personName: string | null;
  role: string;
  note: string | null;
  reason: string | null;
  familyMessage: string | null;
  createdAt: Date;
}

const DECISION_COLUMNS = `d.id, d.candidate_id AS "candidateId", d.decision, t.person_id AS "personId", pe.name AS "personName", t.role,
  (SELECT n.note FROM decision_notes n WHERE n.decision_id = d.id AND n.kind = 'note') AS note,
  (SELECT n.note FROM decision_notes n WHERE n.decision_id = d.id AND n.kind = 'reason') AS reason,
  d.family_message AS "familyMessage", d.created_at AS "createdAt"`;

/** The decisions that count now on these candidates, oldest first. */
export async function currentDecisionsOf(q: Queryable, candidateIds: readonly string[]): Promise<DecisionRow[]> {
  if (candidateIds.length === 0) return [];
  const r = await q.query<DecisionRow>(
    `SELECT ${DECISION_COLUMNS}
     FROM current_decisions cd
     JOIN decisions d ON d.id = cd.id
     JOIN tokens t ON t.id = d.token_id
     LEFT JOIN people pe ON pe.id = t.person_id
     WHERE cd.candidate_id = ANY($1::uuid[])
     ORDER BY cd.seq`,
    [candidateIds],
  );
  return r.rows;
}

/** This person's answer on the candidate that counts now (by any of their tokens), if any. */
export async function currentDecisionOf(
  q: Queryable,
  candidateId: string,
  personId: string,
): Promise<{ id: string; decision: DecisionKind; createdAt: Date } | undefined> {
  const r = await q.query<{ id: string; decision: DecisionKind; createdAt: Date }>(
    `SELECT id, decision, created_at AS "createdAt" FROM current_decisions
     WHERE candidate_id = $1 AND person_id = $2 ORDER BY seq DESC LIMIT 1`,
    [candidateId, personId],
  );
  return r.rows[0];
}

/** One kind of decision that counts now on a candidate: how many people made it. */
export interface DecisionTally {
  decision: DecisionKind;
  /** Distinct people, not tokens: two tokens of one verifier are one verifier. */
  people: number;
}

/**
 * The decisions that count now on a candidate, by kind, the kind decided most recently first
 * (what src/match/status.ts makes the candidate's status of). Read after the candidate is
 * locked (lockCandidate), so no decision lands between this read and the status written.
 */
export async function currentDecisionTally(q: Queryable, candidateId: string): Promise<DecisionTally[]> {
  const r = await q.query<DecisionTally>(
    `SELECT decision, count(DISTINCT person_id)::integer AS people
     FROM current_decisions WHERE candidate_id = $1
     GROUP BY decision ORDER BY max(seq) DESC`,
    [candidateId],
  );
  return r.rows;
}

/** Stores a candidate's status as src/match/status.ts decided it; `decided`: it became final now (decided_at). */
export async function writeCandidateStatus(
  q: Queryable,
  candidateId: string,
  s: { status: CandidateStatus; confirmations: number; decided: boolean },
): Promise<void> {
  await q.query(
    `UPDATE candidates SET confirmations = $2, status = $3, decided_at = CASE WHEN $4::boolean THEN now() ELSE NULL END WHERE id = $1`,
    [candidateId, s.confirmations, s.status, s.decided],
  );
}

/**
 * What the family of a confirmed candidate is told: the latest non-empty message of the
 * confirmations that count (a verifier's or an admin's). Null when none wrote one (the family
 * then reads the default sentence for the photo's category) or the candidate is not confirmed.
 */
export async function familyMessageOf(q: Queryable, candidateId: string): Promise<string | null> {
  return (await familyMessagesOf(q, [candidateId])).get(candidateId) ?? null;
}

/** familyMessageOf for several candidates at once: candidate id → message, for those that have one. */
export async function familyMessagesOf(q: Queryable, candidateIds: readonly string[]): Promise<Map<string, string>> {
  if (candidateIds.length === 0) return new Map();
  const r = await q.query<{ candidateId: string; message: string }>(
    `SELECT DISTINCT ON (cd.candidate_id) cd.candidate_id AS "candidateId", cd.family_message AS message
     FROM current_decisions cd JOIN candidates c ON c.id = cd.candidate_id AND c.status = 'confirmed'
     WHERE cd.candidate_id = ANY($1::uuid[]) AND cd.decision = ANY($2::text[])
       AND cd.family_message IS NOT NULL AND btrim(cd.family_message) <> ''
     ORDER BY cd.candidate_id, cd.seq DESC`,
    [candidateIds, CONFIRMING_DECISION_KINDS],
  );
  return new Map(r.rows.map((x) => [x.candidateId, x.message]));
}

/** A person's own decisions since a moment, newest first, with whether each still counts. */
export interface OwnDecisionRow {
  id: string;
  candidateId: string;
  caseId: string;
  decision: DecisionKind;
  createdAt: Date;
  /** Still counting (not retracted, no reopen since). */
  current: boolean;
  candidateStatus: CandidateStatus;
}

export async function decisionsByPerson(
  q: Queryable,
  personId: string,
  since: Date,
  limit: number,
): Promise<OwnDecisionRow[]> {
  const r = await q.query<OwnDecisionRow>(
    `SELECT d.id, d.candidate_id AS "candidateId", c.search_id AS "caseId", d.decision, d.created_at AS "createdAt",
            EXISTS (SELECT 1 FROM current_decisions cd WHERE cd.id = d.id) AS current, c.status AS "candidateStatus"
     FROM decisions d
     JOIN tokens t ON t.id = d.token_id AND t.person_id = $1
     JOIN candidates c ON c.id = d.candidate_id
     WHERE d.created_at >= $2
     ORDER BY d.seq DESC LIMIT $3`,
    [personId, since, limit],
  );
  return r.rows;
}
