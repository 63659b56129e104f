import { JOBS } from '../src/access/principal.ts';
import { ingestQueuedPhoto, type PhotoJobDeps } from '../src/ingest/photo-job.ts';
import type { JobOutcome, Payload, QUEUES } from '../src/jobs.ts';

export type PhotoIngestDeps = PhotoJobDeps;

/** photo.ingest: one queued archive photo through the pipeline (src/ingest/photo-job.ts). */
export function handlePhotoIngest(
  payload: Payload<typeof QUEUES.photoIngest>,
  deps: PhotoIngestDeps,
  attempt: { lastAttempt: boolean } = { lastAttempt: true },
): Promise<JobOutcome> {
  return ingestQueuedPhoto(deps, JOBS, payload.photoId, attempt);
}
