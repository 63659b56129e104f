import type { ModelManifest } from '../face/manifest.ts';
import type { Queryable } from '../store/database.ts';
import { rescorePendingCandidate } from '../store/candidates.ts';
import { livePhotosOfPersons } from '../store/persons.ts';
import { candidatesOnPhoto, deleteCandidates } from '../store/withdrawal.ts';
import type { CandidateStatus, CaseStatus } from '../vocabulary.ts';
import { queueNews, type NoticeQueue } from '../notices/news.ts';
import { rescorePersonForCase } from './standing.ts';
import { isNewsForFamily, refreshCaseStatus } from './status.ts';

/** What withdrawing a photo did to the candidates on it. */
export interface WithdrawnCandidates {
  /** Candidates nobody had decided on whose man has nothing else that matches: deleted with the faces. */
  removedCandidates: number;
  /** Candidates nobody had decided on, scored again from their man's other photos and now on his next-best one. */
  rescoredCandidates: number;
  /** Candidates with decisions: kept, without their face, as the record of what was decided. */
  keptCandidates: Array<{ id: string; caseId: string; status: CandidateStatus }>;
  /** Every case that had a candidate on the photo, with its status before. */
  casesBefore: Map<string, CaseStatus>;
  /** Undecided candidates whose man has other live photos: scored again once the photo is gone (rescoreAfterWithdrawal). */
  toRescore: Array<{ id: string; caseId: string; personId: string }>;
}

/**
 * The candidates of a photo being withdrawn: decided ones stay with their decisions
 * (append-only), as the record of what was decided. An undecided one is a (case, man) pair
 * (issue 26): when the man has other photos still in the archive it is kept to be scored again
 * from them (a missed match would leave a family searching for years, and the case may never be
 * searched again); otherwise it goes. Before the photo's faces go (a decided candidate then loses
 * its face, ON DELETE SET NULL).
 */
export async function dropCandidatesOfPhoto(tx: Queryable, photoId: string): Promise<WithdrawnCandidates> {
  const cands = await candidatesOnPhoto(tx, photoId);
  const undecided = cands.filter((c) => !c.decided);
  const live = await livePhotosOfPersons(
    tx,
    undecided.map((c) => c.personId),
  );
  // A pending one only: an undecided candidate merged into another is the record of the merge.
  const rescorable = (c: (typeof undecided)[number]) =>
    c.status === 'pending' && (live.get(c.personId) ?? []).some((p) => p !== photoId);
  const toRescore = undecided.filter(rescorable);
  const gone = undecided.filter((c) => !rescorable(c)).map((c) => c.id);
  await deleteCandidates(tx, gone);
  const casesBefore = new Map<string, CaseStatus>();
  for (const c of cands) casesBefore.set(c.caseId, c.caseStatus);
  return {
    removedCandidates: gone.length,
    rescoredCandidates: 0,
    keptCandidates: cands.filter((c) => c.decided).map((c) => ({ id: c.id, caseId: c.caseId, status: c.status })),
    casesBefore,
    toRescore: toRescore.map((c) => ({ id: c.id, caseId: c.caseId, personId: c.personId })),
  };
}

/**
 * Once the photo is marked withdrawn (its faces gone, so it is no longer his evidence), each
 * undecided candidate kept for it is scored again for its case from the man's remaining photos
 * and records, as the case's search would score him (standing.ts:rescorePersonForCase), and
 * moves to his next-best photo and face with the new evidence, weight and rates; when nothing of
 * his would be proposed any more (no face above the floor, no record that says enough) it is
 * deleted as before. Counts land in `dropped`.
 */
export async function rescoreAfterWithdrawal(
  tx: Queryable,
  manifest: ModelManifest,
  dropped: WithdrawnCandidates,
): Promise<void> {
  const gone: string[] = [];
  for (const c of dropped.toRescore) {
    const scored = await rescorePersonForCase(tx, manifest, c.caseId, c.personId);
    if (scored && (await rescorePendingCandidate(tx, c.id, scored))) dropped.rescoredCandidates++;
    else gone.push(c.id);
  }
  await deleteCandidates(tx, gone);
  dropped.removedCandidates += gone.length;
}

/**
 * Once the photo is marked withdrawn, the status of every case that had a candidate on it: one
 * whose confirmed match was on this photo is open again (its candidate counts for nothing now).
 */
export async function refreshCasesAfterWithdrawal(
  tx: Queryable,
  dropped: WithdrawnCandidates,
  notices?: NoticeQueue,
): Promise<Array<{ id: string; before: CaseStatus; after: CaseStatus }>> {
  const cases: Array<{ id: string; before: CaseStatus; after: CaseStatus }> = [];
  for (const [id, was] of dropped.casesBefore) {
    const now = await refreshCaseStatus(tx, id);
    cases.push({ id, before: was, after: now ?? was });
    // A result the family was shown, on the photo withdrawn, is taken back: that is news.
    if (
      now !== undefined &&
      dropped.keptCandidates.some((k) => k.caseId === id && isNewsForFamily(k.status, 'withdrawn'))
    )
      await queueNews(tx, notices, id);
  }
  return cases;
}
