import {
  lockCandidatesOfPersons,
  mergeCandidateInto,
  repointCandidate,
  type PersonCandidate,
} from '../store/candidates.ts';
import { getCase } from '../store/cases.ts';
import type { Queryable } from '../store/database.ts';
import type { CandidateStatus, CaseStatus } from '../vocabulary.ts';
import { refreshCaseStatus } from './status.ts';

/** Which of two candidates of one case on one man stays: the most decided, then the best weighted. */
const KEEP_ORDER: Record<CandidateStatus, number> = { confirmed: 0, disputed: 1, pending: 2, rejected: 3, merged: 4 };

function survivor(a: PersonCandidate, b: PersonCandidate): PersonCandidate {
  const order =
    KEEP_ORDER[a.status] - KEEP_ORDER[b.status] || b.matchWeight - a.matchWeight || a.id.localeCompare(b.id);
  return order <= 0 ? a : b;
}

export interface Regrouped {
  /** Candidates now on the other person. */
  moved: string[];
  /** Candidates absorbed by another of the same case and man: `{id, into}`. */
  merged: Array<{ id: string; into: string }>;
  /** Cases whose status was recomputed, before and after. */
  cases: Array<{ id: string; before: CaseStatus | undefined; after: CaseStatus | undefined }>;
}

/**
 * What photos moving from one archive person to another does to cases' candidates (issue 26):
 * a candidate is a (case, person) pair, so
 * - when `from` is left with no photo (a merge, his only photo added elsewhere), every candidate
 *   of his goes to `to`;
 * - otherwise a pending candidate whose best photo moved goes with it (its evidence went);
 *   a decided one stays with the man it was decided on (its decisions name their photos).
 * A candidate arriving where the case already has one on `to` meets it: the most decided of the
 * two stays (confirmed, disputed, pending, rejected; then the best weighted) and the other is
 * merged into it (row and decisions kept as the record). Each touched case's status follows.
 */
export async function regroupCandidates(
  tx: Queryable,
  move: { from: string; to: string; photoIds: readonly string[]; fromEmptied: boolean },
): Promise<Regrouped> {
  const all = await lockCandidatesOfPersons(tx, [move.from, move.to]);
  const moving = all.filter(
    (c) =>
      c.personId === move.from && (move.fromEmptied || (c.status === 'pending' && move.photoIds.includes(c.photoId))),
  );
  const atTarget = new Map(all.filter((c) => c.personId === move.to).map((c) => [c.caseId, c]));
  const out: Regrouped = { moved: [], merged: [], cases: [] };
  const touched = new Set<string>();
  for (const c of moving) {
    const there = atTarget.get(c.caseId);
    if (!there) {
      await repointCandidate(tx, c.id, move.to);
      out.moved.push(c.id);
      continue;
    }
    const keep = survivor(c, there);
    const drop = keep === c ? there : c;
    await mergeCandidateInto(tx, drop.id, keep.id, move.to);
    if (keep === c) await repointCandidate(tx, c.id, move.to);
    out.merged.push({ id: drop.id, into: keep.id });
    atTarget.set(c.caseId, { ...keep, personId: move.to });
    touched.add(c.caseId);
  }
  for (const id of touched) {
    const before = (await getCase(tx, id))?.status;
    out.cases.push({ id, before, after: await refreshCaseStatus(tx, id) });
  }
  return out;
}
