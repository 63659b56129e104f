import { KinfinderError } from '../errors.ts';
import type { Role } from '../vocabulary.ts';
import { isSystem, type Caller, type Principal, type SystemActor } from './principal.ts';

/**
 * Who may do what: the one table. Use cases call `authorize` with their action; routes that must
 * refuse before reading a large body (uploads) ask the same table first. `anonymous` is a caller
 * without a token; `system` is the command line and the job workers.
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
  'cases.open': ['anonymous', 'operator', 'verifier', 'admin'],
  'cases.read': ['verifier', 'family'],
  'cases.delete': ['family', 'admin'],
  /** A family's own case through its code alone (GET and DELETE /case, a confirmed match's photo). */
  'cases.own': ['family'],
  /** A family adding photos or details to its own case (issue 12). */
  'cases.update': ['family'],
  /** A new code for a family who lost theirs, after a verifier checked who is calling (audited). */
  'cases.reissue_code': ['verifier'],
  'gallery.query': ['verifier', 'system'],
  'review.queue': ['verifier'],
  /** Verifiers answer pending candidates; an admin settles disputed ones (src/review/decide.ts). */
  'review.decide': ['verifier', 'admin'],
  /** Candidates confirmed and rejected by different verifiers, waiting for an admin. */
  'review.disputed': ['admin'],
  /** Holding a candidate open for a short while, so no other reviewer is shown it meanwhile. */
  'review.lease': ['verifier', 'admin'],
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
  /** Recomputing faces with the current model (the command line, the server at start-up). */
  'faces.reembed': ['system'],
  /** Erasing closed and deleted cases' personal data after the retention period. */
  'cases.purge': ['system'],
  /** A backup holds every photo and case: the admin (over the API) and the command line only. */
  'backup.create': ['admin', 'system'],
} as const satisfies Record<string, ReadonlyArray<Role | 'system' | 'anonymous'>>;

export type Action = keyof typeof POLICY;

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
  if (isSystem(caller) ? allowed.includes('system') : allowed.includes(caller.role)) return caller;
  throw new KinfinderError('forbidden', 'your access token does not allow this');
}

/** As `authorize`, for actions only a token holder can take (no anonymous, no system actor). */
export function authorizePrincipal(caller: Caller, action: Action): Principal {
  const c = authorize(caller, action);
  if (c === null || isSystem(c)) throw new KinfinderError('forbidden', 'this needs a personal access token');
  return c;
}
