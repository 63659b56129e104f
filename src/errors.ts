/**
 * Domain errors carry a stable `code` that callers (HTTP, CLI, job outcomes, the web pages) act
 * on. The message is for people and must never contain personal data or internals; pages and
 * clients decide on the code (and `details`), never on the message text.
 */

/**
 * Every code, and whether a job that met it may try again. `retry: false` means the input itself
 * is the problem (the same bytes fail the same way); `retry: true` means the world may change
 * (a lock released, a database back, a bug fixed by a restart).
 */
export const ERROR_CODES = {
  // input
  invalid_input: { retry: false },
  file_too_large: { retry: false },
  /** A whole request larger than its caller may send (KINFINDER_MAX_ANON_UPLOAD_MB for the public). */
  upload_too_large: { retry: false },
  empty_file: { retry: false },
  unsupported_format: { retry: false },
  corrupt_image: { retry: false },
  too_many_pixels: { retry: false },
  no_face: { retry: false },
  choose_face: { retry: false },
  /** A `faceIndex` that names no face of the photo (the photo has fewer). */
  no_such_face: { retry: false },
  too_many_photos: { retry: false },
  unsafe_path: { retry: false },
  /** A symbolic link met inside a folder: reported, not followed. */
  symlink_skipped: { retry: false },
  archive_too_large: { retry: false },
  /** A zip entry that declares more than MAX_ZIP_RATIO times its compressed size: a bomb, refused before it is inflated. */
  compression_ratio_too_high: { retry: false },
  corrupt_archive: { retry: false },
  invalid_metadata: { retry: false },
  /** A family's description (`subject`) with a field that cannot be right: a birth date in the future, a year that is not one. */
  invalid_subject: { retry: false },
  /** Landmarks the face aligner cannot use (too few, or all on one point). */
  bad_landmarks: { retry: false },
  /**
   * The face engine did not finish a photo within its bound (src/face/task-budget.ts: ten times
   * and more what the slowest photo costs; the wait for a free engine does not count). Not
   * retried: what is left is an input that sends the engine astray, and each retry would hold a
   * thread for the whole bound again while families' photos wait; the photo stays `failed` and
   * visible with this code.
   */
  face_engine_timeout: { retry: false },
  // access
  unauthorized: { retry: false },
  forbidden: { retry: false },
  rate_limited: { retry: true },
  // state
  not_found: { retry: false },
  conflict: { retry: false },
  already_decided: { retry: false },
  /** Too late for this (a decision retracted after its 15 minutes). */
  too_late: { retry: false },
  /** Another reviewer has the candidate open right now (a short lease). */
  leased: { retry: false },
  /** The person holds KINFINDER_MAX_LEASES candidates open already: one must be decided or released first. */
  too_many_leases: { retry: false },
  store_locked: { retry: true },
  /** The database cannot be reached right now (an outage, a restart): try again shortly. */
  database_unavailable: { retry: true },
  /** The blob store (S3) cannot be reached or answers with an error: a job retries, reads answer 503. */
  store_unavailable: { retry: true },
  // configuration and integrity
  invalid_config: { retry: false },
  model_mismatch: { retry: false },
  /** The database applied a migration whose file has changed since (src/store/migrate.ts). */
  migration_changed: { retry: false },
  /** The database is at a migration newer than this kinfinder knows. */
  schema_too_new: { retry: false },
  /** A notice's mail server or Telegram did not take it (DESIGN §20): the job tries again later. */
  notice_unsent: { retry: true },
  internal: { retry: true },
} as const satisfies Record<string, { retry: boolean }>;

export type ErrorCode = keyof typeof ERROR_CODES;

export interface ErrorOptions {
  cause?: unknown;
  /**
   * Fields an HTTP answer carries beside `error` (e.g. the faces to choose from, the per-file
   * results of an upload in which no file was accepted): data for the client, never personal.
   */
  body?: Record<string, unknown>;
}

export class KinfinderError extends Error {
  readonly code: ErrorCode;
  readonly details: Record<string, unknown> | undefined;
  readonly body: Record<string, unknown> | undefined;

  constructor(code: ErrorCode, message: string, details?: Record<string, unknown>, options?: ErrorOptions) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'KinfinderError';
    this.code = code;
    this.details = details;
    this.body = options?.body;
  }
}

export function isKinfinderError(err: unknown): err is KinfinderError {
  return err instanceof KinfinderError;
}

/** Whether a job that failed with `err` may be tried again; unknown errors may (they are ours). */
export function isRetryable(err: unknown): boolean {
  return isKinfinderError(err) ? ERROR_CODES[err.code].retry : true;
}

/** A JSON-safe description of any error: domain errors keep their code, anything else is `internal`. */
export function describeError(err: unknown): { code: ErrorCode; message: string } {
  if (isKinfinderError(err)) return { code: err.code, message: err.message };
  return { code: 'internal', message: 'internal error' };
}
