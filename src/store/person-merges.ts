import type { Queryable } from './database.ts';

// Suggested merges (0014): pairs of photos of different persons that look like one man, and the
// operators' append-only answers to them.

/** Keeps a suggestion for two photos (once per pair, in id order). */
export async function insertMergeSuggestion(
  q: Queryable,
  photoX: string,
  photoY: string,
  similarity: number,
): Promise<void> {
  const [a, b] = photoX < photoY ? [photoX, photoY] : [photoY, photoX];
  await q.query(
    `INSERT INTO person_merge_suggestions (photo_a, photo_b, similarity) VALUES ($1, $2, $3)
     ON CONFLICT (photo_a, photo_b) DO NOTHING`,
    [a, b, similarity],
  );
}

export interface MergeSuggestionRow {
  id: string;
  photoA: string;
  photoB: string;
  personA: string;
  personB: string;
  similarity: number;
  createdAt: Date;
  decision: 'accept' | 'refuse' | null;
}

const SUGGESTION = `
  SELECT s.id, s.photo_a AS "photoA", s.photo_b AS "photoB", pa.person_id AS "personA", pb.person_id AS "personB",
         s.similarity, s.created_at AS "createdAt", d.decision
  FROM person_merge_suggestions s
  JOIN photos pa ON pa.id = s.photo_a
  JOIN photos pb ON pb.id = s.photo_b
  LEFT JOIN person_merge_decisions d ON d.suggestion_id = s.id`;

/**
 * Suggestions nobody answered whose photos are still of two persons and still in the archive
 * (one accepted, or a photo moved by hand, settles the others for the same pair), best first.
 */
export async function openMergeSuggestions(q: Queryable, limit: number): Promise<MergeSuggestionRow[]> {
  const r = await q.query<MergeSuggestionRow>(
    `${SUGGESTION}
     WHERE d.id IS NULL AND pa.person_id <> pb.person_id AND pa.status <> 'withdrawn' AND pb.status <> 'withdrawn'
     ORDER BY s.similarity DESC, s.id LIMIT $1`,
    [limit],
  );
  return r.rows.map((x) => ({ ...x, similarity: Number(x.similarity) }));
}

/** One suggestion, locked (two operators answering it at once: one wins, the other is told). */
export async function lockMergeSuggestion(q: Queryable, id: string): Promise<MergeSuggestionRow | undefined> {
  const r = await q.query<MergeSuggestionRow>(`${SUGGESTION} WHERE s.id = $1 FOR UPDATE OF s`, [id]);
  const row = r.rows[0];
  return row ? { ...row, similarity: Number(row.similarity) } : undefined;
}

export async function insertMergeDecision(
  q: Queryable,
  d: { suggestionId: string; decision: 'accept' | 'refuse'; tokenId: string | null; role: string },
): Promise<string> {
  const r = await q.query<{ id: string }>(
    `INSERT INTO person_merge_decisions (suggestion_id, decision, token_id, actor_role) VALUES ($1, $2, $3, $4) RETURNING id`,
    [d.suggestionId, d.decision, d.tokenId, d.role],
  );
  return r.rows[0]!.id;
}

/** Whether an operator refused merging these two persons before (any pair of their photos). */
export async function mergeRefused(q: Queryable, personA: string, personB: string): Promise<boolean> {
  const r = await q.query(
    `SELECT 1 FROM person_merge_suggestions s
     JOIN person_merge_decisions d ON d.suggestion_id = s.id AND d.decision = 'refuse'
     JOIN photos pa ON pa.id = s.photo_a JOIN photos pb ON pb.id = s.photo_b
     WHERE (pa.person_id = $1 AND pb.person_id = $2) OR (pa.person_id = $2 AND pb.person_id = $1) LIMIT 1`,
    [personA, personB],
  );
  return r.rows.length > 0;
}
