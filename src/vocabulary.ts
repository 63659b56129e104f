/**
 * The words every layer shares: store, use cases, API, CLI and pages take their lists from here,
 * so a status or a role is spelled once. (What the API and the tables call a "search" is a
 * *case* everywhere in `src`: one person's file, opened by a family or a verifier.)
 */
export type { Box } from './face/types.ts';

/** `hotline`: a desk that opens cases for families who call (DESIGN §20). */
export const ROLES = ['operator', 'verifier', 'family', 'admin', 'hotline'] as const;
export type Role = (typeof ROLES)[number];

/** Roles an admin can hand out; a family token is made only by opening a case. */
export const STAFF_ROLES = ['operator', 'verifier', 'admin', 'hotline'] as const satisfies readonly Role[];
export type StaffRole = (typeof STAFF_ROLES)[number];

/** `withdrawn`: taken out of the archive by an operator (its faces gone, the row kept as the record). */
export const PHOTO_STATUSES = ['queued', 'processing', 'done', 'failed', 'withdrawn'] as const;
export type PhotoStatus = (typeof PHOTO_STATUSES)[number];

/** A case's status as staff read it (the `searches.status` column). */
export const CASE_STATUSES = ['searching', 'under_review', 'match_confirmed', 'closed'] as const;
export type CaseStatus = (typeof CASE_STATUSES)[number];

/**
 * A case's status as its family reads it (DESIGN §14): `open` until a result is confirmed, then
 * `answered`. Never whether the archive holds candidates (src/access/visibility.ts:familyStatus).
 */
export const FAMILY_CASE_STATUSES = ['open', 'answered'] as const;
export type FamilyCaseStatus = (typeof FAMILY_CASE_STATUSES)[number];

/**
 * `result_rechecked`: a result the family was given was reopened or withdrawn, and no new one
 * confirmed. `status_changed`: what became of a confirmed man changed for families (DESIGN §16).
 */
export const FAMILY_NOTICE_KINDS = ['result_rechecked', 'status_changed'] as const;
export type FamilyNoticeKind = (typeof FAMILY_NOTICE_KINDS)[number];

/** How a confirmed result was found: by the face, by the family's description alone, or both. */
export const REACHED_BY = ['photo', 'record', 'both'] as const;
export type ReachedBy = (typeof REACHED_BY)[number];

/** `disputed`: confirmed and rejected by different verifiers; an admin decides (DESIGN §10). */
/**
 * `merged`: the candidate of a person who became part of another (two persons merged, issue 26):
 * the case keeps the other's candidate; this row and its decisions stay as the record.
 */
export const CANDIDATE_STATUSES = ['pending', 'confirmed', 'rejected', 'disputed', 'merged'] as const;
export type CandidateStatus = (typeof CANDIDATE_STATUSES)[number];

/** Final: decided for good; only an admin's reopen takes it back to review (nobody answers or retracts it). */
export const FINAL_CANDIDATE_STATUSES = ['confirmed', 'rejected'] as const satisfies readonly CandidateStatus[];

export function isFinal(status: CandidateStatus): boolean {
  return (FINAL_CANDIDATE_STATUSES as readonly CandidateStatus[]).includes(status);
}

/** Similarity bands from the model's calibration (DESIGN §4). */
export const BANDS = ['strong', 'possible', 'weak'] as const;
export type Band = (typeof BANDS)[number];

/**
 * What a reviewer may send (DESIGN §10): `unsure` counts neither way and passes the candidate on;
 * `retract` withdraws the caller's own decision within RETRACT_WINDOW_MS while not final.
 */
export const DECISIONS = ['confirm', 'reject', 'unsure', 'retract'] as const;
export type Decision = (typeof DECISIONS)[number];

/** The rows of the decisions table: the answers above plus an admin's settling and reopening. */
export const DECISION_KINDS = [
  'confirm',
  'reject',
  'unsure',
  'retract',
  'admin_confirm',
  'admin_reject',
  'reopen',
] as const;
export type DecisionKind = (typeof DECISION_KINDS)[number];

/** An admin settling a dispute: it outweighs every verifier's answer, and it is not retracted. */
export const ADMIN_DECISION_KINDS = ['admin_confirm', 'admin_reject'] as const satisfies readonly DecisionKind[];
export type AdminDecisionKind = (typeof ADMIN_DECISION_KINDS)[number];

/** The decisions that say "this is him": a verifier's confirmation and an admin's settling for it. */
export const CONFIRMING_DECISION_KINDS = ['confirm', 'admin_confirm'] as const satisfies readonly DecisionKind[];

export function isAdminDecision(kind: DecisionKind): kind is AdminDecisionKind {
  return (ADMIN_DECISION_KINDS as readonly DecisionKind[]).includes(kind);
}

/** The review queues: candidates waiting for verifiers, and disagreements waiting for an admin. */
export const REVIEW_QUEUES = ['pending', 'disputed'] as const;
export type ReviewQueue = (typeof REVIEW_QUEUES)[number];

/** What an archive photo shows, as the family is told it (DESIGN §9, §12). */
export const CATEGORIES = ['prisoner', 'deceased', 'unknown'] as const;
export type Category = (typeof CATEGORIES)[number];

/** What became of an archive person (DESIGN §16), as operators enter it and families read it. */
export const PERSON_EVENT_KINDS = ['captured', 'held', 'released', 'died', 'remains_returned'] as const;
export type PersonEventKind = (typeof PERSON_EVENT_KINDS)[number];

/** How a batch of photos arrived (DESIGN §12). */
export const BATCH_CHANNELS = ['cli', 'api', 'page'] as const;
export type BatchChannel = (typeof BATCH_CHANNELS)[number];

/**
 * What the audit log records (`audit_events.action`), spelled once so a filter by action
 * (`GET /api/v1/audit?action=`) finds every row a use case writes. `search.*` is a case (the
 * API's name for it).
 */
export const AUDIT_ACTIONS = [
  'audit.export',
  'backup.created',
  'batch.create',
  'batch.failures.export',
  'blobs.gc',
  'blobs.gc.dry_run',
  'candidate.confirm',
  'candidate.read',
  'candidate.lease',
  'candidate.reject',
  'candidate.release',
  'candidate.reopen',
  'candidate.retract',
  'candidate.settle_confirm',
  'candidate.settle_reject',
  'candidate.unsure',
  'case.reopen',
  'cases.purge',
  'cases.purge.dry_run',
  'cases.purge.started',
  'face.crop.read',
  'notice.address.remove',
  'notice.address.set',
  'notice.sent',
  'faces.reembed',
  'faces.reembed.start',
  'photo.correct',
  'photo.image.read',
  'photo.read',
  'photo.upload',
  'photo.withdraw',
  'photos.list',
  'person.create',
  'person.event.approve',
  'person.event.create',
  'person.event.reject',
  'person.merge.accept',
  'person.merge.refuse',
  'person.photos.add',
  'person.photo.remove',
  'person.read',
  'person.withdraw',
  'reference.crop.read',
  'reference.photo.read',
  'search.code.reissue',
  'search.create',
  'search.delete',
  'search.find',
  'search.photos.add',
  'search.purge',
  'search.query',
  'search.read',
  'search.subject.update',
  'token.create',
  'token.revoke',
] as const;
export type AuditAction = (typeof AUDIT_ACTIONS)[number];
