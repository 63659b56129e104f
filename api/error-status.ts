import type { ErrorCode } from '../src/errors.ts';

/** The one table from domain error codes to HTTP statuses. */
const STATUS_BY_CODE: Record<ErrorCode, number> = {
  invalid_input: 400,
  file_too_large: 413,
  upload_too_large: 413,
  empty_file: 400,
  unsupported_format: 415,
  corrupt_image: 422,
  too_many_pixels: 413,
  no_face: 422,
  choose_face: 422,
  no_such_face: 422,
  bad_landmarks: 422,
  face_engine_timeout: 422,
  too_many_photos: 400,
  unsafe_path: 400,
  symlink_skipped: 400,
  archive_too_large: 413,
  compression_ratio_too_high: 413,
  corrupt_archive: 422,
  invalid_metadata: 422,
  invalid_subject: 422,
  unauthorized: 401,
  forbidden: 403,
  rate_limited: 429,
  not_found: 404,
  conflict: 409,
  already_decided: 409,
  too_late: 409,
  leased: 409,
  too_many_leases: 409,
  store_locked: 503,
  database_unavailable: 503,
  store_unavailable: 503,
  invalid_config: 500,
  model_mismatch: 500,
  migration_changed: 500,
  schema_too_new: 500,
  notice_unsent: 502,
  internal: 500,
};

/** The HTTP status of a domain error code: the one place a code becomes a status. */
export function statusOf(code: ErrorCode): number {
  return STATUS_BY_CODE[code];
}
