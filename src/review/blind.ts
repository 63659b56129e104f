import { may } from '../access/policy.ts';
import type { Principal } from '../access/principal.ts';
import { expectedStrangers } from '../match/bar.ts';
import type { CandidateView } from '../store/candidates.ts';
import type { Queryable } from '../store/database.ts';
import { currentDecisionsOf, type DecisionRow } from '../store/decisions.ts';
import { familyHistories } from '../persons/events.ts';
import { photosOfPersons, type PersonPhoto } from '../store/persons.ts';
import {
  isAdminDecision,
  isFinal,
  type CandidateStatus,
  type DecisionKind,
  type PersonEventKind,
} from '../vocabulary.ts';

/** A verifier may withdraw their own decision for this long while the candidate is not final. */
export const RETRACT_WINDOW_MS = 15 * 60_000;

export interface OwnDecision {
  id: string;
  decision: DecisionKind;
  note: string | null;
  reason: string | null;
  familyMessage: string | null;
  createdAt: Date;
  /** Until when `retract` is accepted; null when it no longer is (final, or too late). */
  retractableUntil: Date | null;
}

/**
 * A candidate as one reviewer may see it. Review is blind: until this person has answered, the
 * item carries nothing of other reviewers' answers (no decisions, notes, confirmation count or
 * names), so the second review is independent of the first. After answering, or once the
 * candidate is final, or for an admin (who settles disagreements), everything is shown.
 */
export interface ReviewItem extends Omit<CandidateView, 'confirmations' | 'confirmedBy'> {
  confirmations?: number;
  confirmedBy?: string[];
  myDecision: OwnDecision | null;
  /** Every decision that counts now, the caller's included; absent while the review is blind. */
  decisions?: DecisionRow[];
  /** The candidate's case already has a confirmed match (this one may still be him in another photo). */
  caseConfirmed?: boolean;
  /**
   * Strangers a search of the archive as it is now is expected to put this high (src/match/bar.ts):
   * what the candidate's evidence means at this archive's size; null when kept before the bar.
   */
  strangersPerSearch?: number | null;
  /** Every photo of the archive person proposed, side by side with the best one (issue 26). */
  photos: PersonPhoto[];
  /** What became of him, as verifiers approved it for families (null: nothing approved yet). */
  personStatus: PersonEventKind | null;
}

/** Items with what their evidence means at the archive's current size (expectedStrangers). */
export function withStrangers<I extends ReviewItem>(items: readonly I[], bar: { archiveSize: number }): I[] {
  return items.map((i) => ({
    ...i,
    strangersPerSearch: i.strangerRate === null ? null : expectedStrangers(i.strangerRate, bar.archiveSize),
  }));
}

/**
 * Until when a decision that counts may be retracted: a verifier's answer, within
 * RETRACT_WINDOW_MS, while the candidate is not final; an admin's settling never. Null once not.
 */
export function retractableUntil(
  d: { decision: DecisionKind; createdAt: Date },
  status: CandidateStatus,
  now: Date,
): Date | null {
  const until = new Date(d.createdAt.getTime() + RETRACT_WINDOW_MS);
  return !isFinal(status) && !isAdminDecision(d.decision) && until > now ? until : null;
}

function own(d: DecisionRow, status: CandidateStatus, now: Date): OwnDecision {
  return {
    id: d.id,
    decision: d.decision,
    note: d.note,
    reason: d.reason,
    familyMessage: d.familyMessage,
    createdAt: d.createdAt,
    retractableUntil: retractableUntil(d, status, now),
  };
}

/** Builds the reviewer's items for candidates (in their order), loading the decisions once. */
export async function reviewItemsFor<C extends CandidateView>(
  q: Queryable,
  viewer: Principal,
  candidates: readonly C[],
  now: Date,
): Promise<Array<ReviewItem & Omit<C, 'confirmations' | 'confirmedBy'>>> {
  const all = await currentDecisionsOf(
    q,
    candidates.map((c) => c.id),
  );
  const personIds = candidates.map((c) => c.personId);
  const photos = await photosOfPersons(q, personIds);
  const histories = await familyHistories(q, personIds);
  const byCandidate = new Map<string, DecisionRow[]>();
  for (const d of all) byCandidate.set(d.candidateId, [...(byCandidate.get(d.candidateId) ?? []), d]);
  return candidates.map((c) => {
    const decisions = byCandidate.get(c.id) ?? [];
    const mine = viewer.personId ? decisions.filter((d) => d.personId === viewer.personId).at(-1) : undefined;
    const revealed = may(viewer, 'review.see_answers') || mine !== undefined || isFinal(c.status);
    const { confirmations, confirmedBy, ...rest } = c;
    return {
      ...rest,
      myDecision: mine ? own(mine, c.status, now) : null,
      photos: photos.filter((x) => x.personId === c.personId),
      personStatus: histories.get(c.personId)?.status ?? null,
      ...(revealed ? { confirmations, confirmedBy, decisions } : {}),
    };
  });
}
