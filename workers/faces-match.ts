import type { ModelManifest } from '../src/face/manifest.ts';
import type { JobOutcome, Payload, QUEUES } from '../src/jobs.ts';
import type { Logger } from '../src/log.ts';
import { JOBS } from '../src/access/principal.ts';
import { matchNewPhoto } from '../src/match/standing.ts';
import type { Database } from '../src/store/database.ts';

export interface FacesMatchDeps {
  db: Database;
  manifest: ModelManifest;
  logger: Logger;
}

/** faces.match: standing search of a newly ingested photo against every open case. */
export async function handleFacesMatch(
  payload: Payload<typeof QUEUES.facesMatch>,
  deps: FacesMatchDeps,
): Promise<JobOutcome> {
  const r = await matchNewPhoto(deps, JOBS, payload.photoId);
  if (r.faces === 0 && r.candidates === 0)
    return { status: 'skipped', reason: 'no faces of the current model, and its record matched no open case' };
  if (r.candidates > 0)
    deps.logger.info(
      { photoId: payload.photoId, candidates: r.candidates, cases: r.cases },
      'standing search found candidates',
    );
  return { status: 'done', candidates: r.candidates };
}
