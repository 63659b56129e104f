import { KinfinderError } from '../errors.ts';
import type { Role } from '../vocabulary.ts';
import {
  isSystem,
  SYSTEM_ACTORS,
  type Caller,
  type Principal,
  type SystemActor,
  type SystemActorName,
} from './principal.ts';

/**
 * Who may do what: the one table. Use cases call `authorize` with their action (or `may`, where
 * a role changes what an allowed caller gets); routes that must refuse before reading a large
 * body (uploads) ask the same table first. `anonymous` is a caller without a token; `cli` the
 * command line and `jobs` the job workers; `system` either of them.
 */
export const POLICY = {
  'photos.upload': ['operator', 'system'],
  'photos.read': ['operator', 'verifier'],
  /** The display copy and the face crops; a family only for its own confirmed matches (visibility.ts). */
  // Admins too: they settle disputed candidates (DESIGN §10) and must see both faces to do it.
  'photos.image': ['operator', 'verifier', 'family', 'admin'],
  'references.read': ['verifier', 'family', 'admin'],
  // A family's code opens its own case, never another one (issue 16: a code is not a way round
  // the anonymous rate limit); staff may open a case for a family on the phone.
  'cases.open': ['anonymous', 'operator', 'verifier', 'admin', 'hotline'],
  // Admins too: they reopen a case's final candidates and re-issue codes (issue 29).
  'cases.read': ['verifier', 'family', 'admin'],
  /**
   * Finding cases by the subject's surname, birth date, number, code or id (src/cases/find.ts),
   * audited; the hotline desk finds a caller's case so (DESIGN §20).
   */
  'cases.find': ['verifier', 'admin', 'hotline'],
  'cases.delete': ['family', 'admin'],
  /** A family's own case through its code alone (GET and DELETE /case, a confirmed match's photo). */
  'cases.own': ['family'],
  /** A family adding photos or details to its own case (issue 12). */
  'cases.update': ['family'],
  /** A new code for a family who lost theirs, after a verifier checked who is calling (audited). */
  'cases.reissue_code': ['verifier', 'admin', 'hotline'],
  /** Where a family hears that there is news (DESIGN §20): their own case, by its code. */
  'cases.notify': ['family'],
  /** Sending a notice that there is news: the job runner only. */
  'notices.send': ['jobs'],
  'gallery.query': ['verifier', 'system'],
  'review.queue': ['verifier'],
  /** Verifiers answer pending candidates; an admin settles disputed ones (src/review/decide.ts). */
  'review.decide': ['verifier', 'admin'],
  /** Candidates confirmed and rejected by different verifiers, waiting for an admin. */
  'review.disputed': ['admin'],
  /** Holding a candidate open for a short while, so no other reviewer is shown it meanwhile. */
  'review.lease': ['verifier', 'admin'],
  /** A case's candidates on either side of its bar ("show weaker candidates"). */
  'review.candidates': ['verifier', 'admin'],
  /** A reviewer's own day: their decisions, what waits in each queue. */
  'review.self': ['verifier', 'admin'],
  /** Taking a final candidate back to review, with a reason. */
  'candidates.reopen': ['admin'],
  'tokens.manage': ['admin', 'system'],
  'audit.read': ['admin'],
  /** Removing stored files nothing refers to (the command line; a periodic job later). */
  'blobs.collect': ['system'],
  // Operators and admins (DESIGN §12).
  /** Batches and their failures; reading a summary is not a photo read. */
  'batches.read': ['operator', 'admin'],
  /** The archive's photos, page by page, with their names and metadata. */
  'photos.list': ['operator', 'verifier'],
  /** Taking a photo out of the archive (its faces go; decided matches keep their record). */
  'photos.withdraw': ['operator', 'admin'],
  /** Changing a photo's category, source or metadata after ingest. */
  'photos.correct': ['operator', 'admin'],
  // Archive persons (DESIGN §16).
  /** A person: his photos, records and events (families never: they see what verifiers confirmed). */
  'persons.read': ['operator', 'verifier', 'admin'],
  /** Grouping photos into persons, answering suggested merges, entering what became of him. */
  'persons.manage': ['operator', 'admin'],
  /** Approving (or rejecting) an event for the families whose case confirmed him. */
  'persons.events.decide': ['verifier'],
  /** Withdrawing a person: every photo of him, as a photo is withdrawn. */
  'persons.withdraw': ['operator', 'admin'],
  /** Recomputing faces with the current model (the command line, the server at start-up). */
  'faces.reembed': ['system'],
  /** Erasing closed and deleted cases' personal data after the retention period. */
  'cases.purge': ['system'],
  /** A backup holds every photo and case: the admin (over the API) and the command line only. */
  'backup.create': ['admin', 'system'],
  // The job runner's own work: no person and not the command line runs a job in its place.
  /** Processing a queued archive photo (faces, crops, display copy). */
  'photos.process': ['jobs'],
  /** A new photo's standing search against every open case. */
  'faces.match': ['jobs'],
  // What a role changes inside an action it is allowed (asked with `may`, never refused).
  /** An admin settles a disputed candidate rather than answering a pending one (DESIGN §10). */
  'review.settle': ['admin'],
  /** Review is blind except for whoever settles disputes: they see every answer at once. */
  'review.see_answers': ['admin'],
  /** A verifier opening a case (a family on the phone) reviews it: its candidates at once, no family code. */
  'cases.open_to_review': ['verifier'],
} as const satisfies Record<string, ReadonlyArray<Role | 'system' | SystemActorName | 'anonymous'>>;

export type Action = keyof typeof POLICY;

function allows(caller: Principal | SystemActor, action: Action): boolean {
  const allowed: ReadonlyArray<string> = POLICY[action];
  return isSystem(caller)
    ? allowed.includes('system') || allowed.includes(caller.system)
    : allowed.includes(caller.role);
}

/** Whether `caller` is among those `action` names, without refusing: for behaviour that differs by role. */
export function may(caller: Caller, action: Action): boolean {
  if (caller === null) return (POLICY[action] as ReadonlyArray<string>).includes('anonymous');
  return allows(caller, action);
}

/** The roles (and `anonymous`) a token or no token may be to do `action`: what the API document lists. */
export function tokenRolesFor(action: Action): ReadonlyArray<Role | 'anonymous'> {
  const system: ReadonlyArray<string> = ['system', ...SYSTEM_ACTORS];
  return (POLICY[action] as ReadonlyArray<Role | 'system' | SystemActorName | 'anonymous'>).filter(
    (r): r is Role | 'anonymous' => !system.includes(r),
  );
}

/**
 * Throws unless `caller` may do `action`: 401 `unauthorized` for nobody (when a token is needed),
 * 403 `forbidden` for the wrong role. Returns the caller, narrowed.
 */
export function authorize(caller: Caller, action: Action): Principal | SystemActor | null {
  const allowed: ReadonlyArray<string> = POLICY[action];
  if (caller === null) {
    if (allowed.includes('anonymous')) return caller;
    throw new KinfinderError('unauthorized', 'sign in with an access token');
  }
  if (allows(caller, action)) return caller;
  if (isSystem(caller))
    throw new KinfinderError(
      'forbidden',
      `${caller.system === 'jobs' ? 'the job workers' : 'the command line'} may not do this`,
    );
  throw new KinfinderError('forbidden', 'your access token does not allow this');
}

/** As `authorize`, for actions only a token holder can take (no anonymous, no system actor). */
export function authorizePrincipal(caller: Caller, action: Action): Principal {
  const c = authorize(caller, action);
  if (c === null || isSystem(c)) throw new KinfinderError('forbidden', 'this needs a personal access token');
  return c;
}
