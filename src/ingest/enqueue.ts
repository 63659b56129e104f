import { authorize } from '../access/policy.ts';
import { auditActor, type Caller } from '../access/principal.ts';
import { describeError, isKinfinderError, KinfinderError, type ErrorCode } from '../errors.ts';
import { verifyDecodable, type ImageLimits } from '../image/index.ts';
import { QUEUES } from '../jobs.ts';
import type { JobQueue } from '../queue.ts';
import { recordAudit } from '../store/audit.ts';
import type { BlobStore } from '../store/blobs.ts';
import type { Database } from '../store/database.ts';
import { ensureSource, insertPhoto } from '../store/photos.ts';
import { assertValidText } from '../text.ts';
import { checkArchiveMetadata } from '../records/record.ts';
import { recordArchivePhoto } from '../store/records.ts';
import type { PhotoStatus } from '../vocabulary.ts';

export interface EnqueueDeps {
  db: Database;
  blobs: BlobStore;
  queue: JobQueue;
  limits: ImageLimits;
}

export interface PhotoInput {
  /** What the operator recognises: a path, `archive.zip!entry`, or an upload's file name. */
  name: string;
  bytes: Uint8Array;
  source?: string | undefined;
  metadata?: Record<string, unknown> | undefined;
}

export interface EnqueuedPhoto {
  id: string;
  sha256: string;
  originalName: string;
  status: PhotoStatus;
  /** Set when these bytes were already known: the id is then the earlier photo's. */
  duplicateOf?: string;
}

/** Files one upload request may carry (each within the size cap). */
export const MAX_FILES_PER_UPLOAD = 50;

/**
 * Accepts one photo into the archive: checks it is an image within the limits that decodes without
 * damage (verifyDecodable), stores the bytes, and in one transaction records the photo, queues its processing and
 * writes its `photo.upload` audit row, so no photo is ever committed unaccounted for. Known
 * bytes are reported as a duplicate and not processed again. Throws a KinfinderError for a file
 * that is not an acceptable image; nothing is recorded then.
 */
export async function enqueuePhoto(deps: EnqueueDeps, caller: Caller, input: PhotoInput): Promise<EnqueuedPhoto> {
  authorize(caller, 'photos.upload');
  // Text the database would refuse fails here, before the blob is written (it left orphans).
  assertValidText(input.name, 'file name');
  assertValidText(input.source, 'source');
  assertValidText(input.metadata, 'metadata');
  checkArchiveMetadata(input.metadata);
  const header = await verifyDecodable(input.bytes, deps.limits);
  // Blob first: a crash after it leaves an unreferenced blob that the next attempt reuses,
  // never a photo row whose bytes are missing.
  const sha256 = await deps.blobs.put(input.bytes);
  return deps.db.transaction(async (tx) => {
    const sourceId = input.source ? await ensureSource(tx, input.source) : null;
    const photo = await insertPhoto(tx, {
      sha256,
      originalName: input.name,
      byteSize: input.bytes.byteLength,
      format: header.format,
      sourceId,
      metadata: input.metadata ?? {},
    });
    if (photo.created) await deps.queue.send(QUEUES.photoIngest, { photoId: photo.id }, { tx });
    // The person record (names, birth date, document numbers…), keyed for linkage (issue 14).
    if (photo.created) await recordArchivePhoto(tx, photo.id, input.metadata ?? {});
    await recordAudit(tx, auditActor(caller), { action: 'photo.upload', subjectType: 'photo', subjectId: photo.id, details: { duplicate: !photo.created } });
    return {
      id: photo.id,
      sha256,
      originalName: input.name,
      status: photo.status,
      ...(photo.created ? {} : { duplicateOf: photo.id }),
    };
  });
}

export type UploadResult = EnqueuedPhoto | { originalName: string; error: { code: ErrorCode; message: string } };

/**
 * An operator's upload of several files: each is accepted or refused on its own, so one bad
 * file does not sink the others. A request in which no file was accepted is itself an error
 * (the first file's), carrying every file's result.
 */
export async function uploadPhotos(
  deps: EnqueueDeps,
  caller: Caller,
  input: { files: Array<{ name: string; bytes: Uint8Array }>; source?: string | undefined; metadata?: Record<string, unknown> | undefined },
): Promise<{ photos: UploadResult[] }> {
  authorize(caller, 'photos.upload');
  if (input.files.length === 0) throw new KinfinderError('invalid_input', 'attach at least one photo in the "file" field');
  if (input.files.length > MAX_FILES_PER_UPLOAD) throw new KinfinderError('too_many_photos', `send at most ${MAX_FILES_PER_UPLOAD} photos per request`);
  // Shared by every file: refused for the request as a whole, not once per file.
  assertValidText(input.source, 'source');
  assertValidText(input.metadata, 'metadata');
  checkArchiveMetadata(input.metadata);
  const photos: UploadResult[] = [];
  let firstError: KinfinderError | undefined;
  for (const f of input.files) {
    try {
      photos.push(await enqueuePhoto(deps, caller, { name: f.name, bytes: f.bytes, source: input.source, metadata: input.metadata }));
    } catch (err) {
      if (!isKinfinderError(err)) throw err;
      firstError ??= err;
      photos.push({ originalName: f.name, error: describeError(err) });
    }
  }
  if (firstError && photos.every((p) => 'error' in p)) {
    throw new KinfinderError(firstError.code, firstError.message, firstError.details, { body: { photos } });
  }
  return { photos };
}
