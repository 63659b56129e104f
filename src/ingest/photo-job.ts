import { authorize } from '../access/policy.ts';
import type { Caller } from '../access/principal.ts';
import { isKinfinderError, isRetryable } from '../errors.ts';
import type { FaceAnalyser } from '../face/index.ts';
import type { ImageLimits } from '../image/index.ts';
import { QUEUES, type JobOutcome } from '../jobs.ts';
import type { Logger } from '../log.ts';
import type { Counters } from '../metrics.ts';
import type { JobQueue } from '../queue.ts';
import type { BlobStore } from '../store/blobs.ts';
import type { Database } from '../store/database.ts';
import { completePhoto, markFailed, markRetrying, renewLease, startAttempt } from '../store/photos.ts';
import { HEARTBEAT_MS } from './lease.ts';
import { processPhoto } from './process.ts';
import { storeProcessedFaces } from './store-faces.ts';
import { hasLinkableRecord } from '../store/records.ts';

export interface PhotoJobDeps {
  db: Database;
  blobs: BlobStore;
  faces: FaceAnalyser;
  queue: JobQueue;
  limits: ImageLimits;
  logger: Logger;
  counters: Counters;
}

/**
 * Processes one queued archive photo: blob → the photo pipeline → faces, crops and display copy
 * stored and the photo marked done in one transaction, with its standing search (faces.match)
 * queued in that same transaction. Running it again for a done photo changes nothing.
 * A failure the input causes (see `ERROR_CODES`) fails the photo at once, with its code; any
 * other is thrown for the queue to retry, and the last attempt marks the photo failed.
 */
export async function ingestQueuedPhoto(
  deps: PhotoJobDeps,
  caller: Caller,
  photoId: string,
  attempt: { lastAttempt: boolean } = { lastAttempt: true },
): Promise<JobOutcome> {
  authorize(caller, 'photos.process');
  const started = await startAttempt(deps.db, photoId);
  if (!started) return { status: 'skipped', reason: 'already done or unknown photo' };
  // The lease says this photo is being worked on; if this process dies the sweep re-queues it.
  const heartbeat = setInterval(() => {
    renewLease(deps.db, photoId).catch((err: unknown) =>
      deps.logger.warn({ photoId, err }, 'photo lease renewal failed'),
    );
  }, HEARTBEAT_MS);
  heartbeat.unref();
  try {
    const processed = await processPhoto(deps, await deps.blobs.get(started.sha256), 'jobs');
    const displaySha256 = await deps.blobs.put(processed.display);
    const faces = await storeProcessedFaces(deps.blobs, processed.faces);
    const { stored } = await deps.db.transaction(async (tx) => {
      const r = await completePhoto(tx, photoId, {
        width: processed.width,
        height: processed.height,
        format: processed.format,
        displaySha256,
        modelId: deps.faces.modelId,
        faces,
      });
      // A photo without a face is still matched by its record (issue 14), when it has one.
      if (r.stored && (faces.length > 0 || (await hasLinkableRecord(tx, photoId))))
        await deps.queue.send(QUEUES.facesMatch, { photoId }, { tx });
      return r;
    });
    if (!stored) return { status: 'skipped', reason: 'already done' };
    deps.counters.inc('photos_done');
    deps.counters.inc('faces_stored', faces.length);
    deps.logger.info({ photoId, faces: faces.length }, 'photo ingested');
    return { status: 'done', faces: faces.length };
  } catch (err) {
    if (isKinfinderError(err) && !isRetryable(err)) {
      await markFailed(deps.db, photoId, { code: err.code, message: err.message });
      deps.counters.inc('photos_failed');
      deps.logger.warn({ photoId, code: err.code }, 'photo rejected');
      return { status: 'failed', code: err.code, message: err.message };
    }
    if (attempt.lastAttempt) {
      const error = isKinfinderError(err)
        ? { code: err.code, message: err.message }
        : { code: 'internal', message: 'processing failed repeatedly' };
      await markFailed(deps.db, photoId, error);
      deps.counters.inc('photos_failed');
      deps.logger.error({ photoId, err }, 'photo failed after its last attempt');
      return { status: 'failed', ...error };
    }
    await markRetrying(deps.db, photoId).catch(() => undefined);
    deps.logger.warn({ photoId, err }, 'photo attempt failed; will retry');
    throw err;
  } finally {
    clearInterval(heartbeat);
  }
}
