import { displayJpeg, faceCrop, type ImageLimits } from '../src/image/index.ts';
import { isKinfinderError, type ErrorCode } from '../src/errors.ts';
import type { FaceAnalyser } from '../src/face/index.ts';
import { QUEUES, type JobOutcome, type Payload } from '../src/jobs.ts';
import type { Logger } from '../src/log.ts';
import type { JobQueue } from '../src/queue.ts';
import type { BlobStore } from '../src/store/blobs.ts';
import type { Database } from '../src/store/database.ts';
import { completePhoto, markFailed, markRetrying, startAttempt, type NewFace } from '../src/store/photos.ts';
import type { Counters } from '../src/metrics.ts';

export interface PhotoIngestDeps {
  db: Database;
  blobs: BlobStore;
  faces: FaceAnalyser;
  queue: JobQueue;
  limits: ImageLimits;
  logger: Logger;
  counters: Counters;
}

/** Failures that no retry can fix: the bytes themselves are the problem. */
const PERMANENT: ReadonlySet<ErrorCode> = new Set(['unsupported_format', 'corrupt_image', 'too_many_pixels', 'file_too_large', 'empty_file']);

/**
 * photo.ingest: blob → normalise → faces and embeddings → derivative and crops → faces stored
 * and photo done in one transaction, with faces.match queued in that same transaction.
 * Running it again for a done photo changes nothing.
 */
export async function handlePhotoIngest(
  payload: Payload<typeof QUEUES.photoIngest>,
  deps: PhotoIngestDeps,
  attempt: { lastAttempt: boolean } = { lastAttempt: true },
): Promise<JobOutcome> {
  const { photoId } = payload;
  const started = await startAttempt(deps.db, photoId);
  if (!started) return { status: 'skipped', reason: 'already done or unknown photo' };
  try {
    const bytes = await deps.blobs.get(started.sha256);
    const analysis = await deps.faces.analyse(bytes);
    const displaySha256 = await deps.blobs.put(await displayJpeg(bytes, deps.limits));
    const faces: NewFace[] = [];
    for (const [i, f] of analysis.faces.entries()) {
      const cropSha256 = await deps.blobs.put(await faceCrop(bytes, f.box, deps.limits));
      faces.push({ faceIndex: i, box: f.box, score: f.score, landmarks: f.landmarks, quality: { ...f.quality }, cropSha256, embedding: f.embedding });
    }
    const { stored } = await deps.db.transaction(async (tx) => {
      const r = await completePhoto(tx, photoId, {
        width: analysis.width,
        height: analysis.height,
        format: analysis.format,
        displaySha256,
        modelId: deps.faces.modelId,
        faces,
      });
      if (r.stored && faces.length > 0) await deps.queue.send(QUEUES.facesMatch, { photoId }, { tx });
      return r;
    });
    if (!stored) return { status: 'skipped', reason: 'already done' };
    deps.counters.inc('photos_done');
    deps.counters.inc('faces_stored', faces.length);
    deps.logger.info({ photoId, faces: faces.length }, 'photo ingested');
    return { status: 'done', faces: faces.length };
  } catch (err) {
    if (isKinfinderError(err) && PERMANENT.has(err.code)) {
      await markFailed(deps.db, photoId, { code: err.code, message: err.message });
      deps.counters.inc('photos_failed');
      deps.logger.warn({ photoId, code: err.code }, 'photo rejected');
      return { status: 'failed', code: err.code, message: err.message };
    }
    if (attempt.lastAttempt) {
      const error = isKinfinderError(err) ? { code: err.code, message: err.message } : { code: 'internal', message: 'processing failed repeatedly' };
      await markFailed(deps.db, photoId, error);
      deps.counters.inc('photos_failed');
      deps.logger.error({ photoId, err }, 'photo failed after its last attempt');
      return { status: 'failed', ...error };
    }
    await markRetrying(deps.db, photoId).catch(() => undefined);
    deps.logger.warn({ photoId, err }, 'photo attempt failed; will retry');
    throw err;
  }
}
