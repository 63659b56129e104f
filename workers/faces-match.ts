import type { JobOutcome, Payload, QUEUES } from '../src/jobs.ts';
import type { Logger } from '../src/log.ts';

export interface FacesMatchDeps {
  logger: Logger;
}

/**
 * faces.match: standing search of newly ingested faces against open cases. Cases arrive with
 * the search-and-review work; until then there is nothing to match against.
 */
export async function handleFacesMatch(payload: Payload<typeof QUEUES.facesMatch>, deps: FacesMatchDeps): Promise<JobOutcome> {
  deps.logger.debug({ photoId: payload.photoId }, 'faces.match: no open cases to match yet');
  return { status: 'skipped', reason: 'standing search not enabled yet' };
}
