import { probe, type ImageLimits } from '../image/index.ts';
import { QUEUES } from '../jobs.ts';
import type { JobQueue } from '../queue.ts';
import type { BlobStore } from '../store/blobs.ts';
import type { Database } from '../store/database.ts';
import { ensureSource, insertPhoto, type PhotoStatus } from '../store/photos.ts';

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

/**
 * Accepts one photo: checks it is an image within the limits (without decoding it), stores
 * the bytes, and in one transaction records the photo and queues its processing. Known bytes
 * are reported as a duplicate and not processed again. Throws a KinfinderError for a file that
 * is not an acceptable image; nothing is stored then.
 */
export async function enqueuePhoto(deps: EnqueueDeps, input: PhotoInput): Promise<EnqueuedPhoto> {
  const header = await probe(input.bytes, deps.limits);
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
    return {
      id: photo.id,
      sha256,
      originalName: input.name,
      status: photo.status,
      ...(photo.created ? {} : { duplicateOf: photo.id }),
    };
  });
}
