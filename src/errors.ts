/**
 * Domain errors carry a stable `code` that callers (HTTP, CLI, job outcomes) act on.
 * The message is for people and must never contain personal data or internals.
 */
export type ErrorCode =
  // input
  | 'invalid_input'
  | 'file_too_large'
  | 'empty_file'
  | 'unsupported_format'
  | 'corrupt_image'
  | 'too_many_pixels'
  | 'no_face'
  | 'choose_face'
  | 'too_many_photos'
  | 'unsafe_path'
  | 'archive_too_large'
  | 'corrupt_archive'
  | 'invalid_metadata'
  // access
  | 'unauthorized'
  | 'forbidden'
  | 'rate_limited'
  // state
  | 'not_found'
  | 'conflict'
  | 'already_decided'
  | 'store_locked'
  // the blob store (S3 and the like) cannot be reached or refuses: transient, retried
  | 'store_unavailable'
  // configuration and integrity
  | 'invalid_config'
  | 'model_mismatch'
  | 'internal';

export class KinfinderError extends Error {
  readonly code: ErrorCode;
  readonly details: Record<string, unknown> | undefined;

  constructor(code: ErrorCode, message: string, details?: Record<string, unknown>, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'KinfinderError';
    this.code = code;
    this.details = details;
  }
}

export function isKinfinderError(err: unknown): err is KinfinderError {
  return err instanceof KinfinderError;
}

/** A JSON-safe description of any error: domain errors keep their code, anything else is `internal`. */
export function describeError(err: unknown): { code: ErrorCode; message: string } {
  if (isKinfinderError(err)) return { code: err.code, message: err.message };
  return { code: 'internal', message: 'internal error' };
}
