import { authorizePrincipal } from '../access/policy.ts';
import { auditActor, type Caller } from '../access/principal.ts';
import { KinfinderError } from '../errors.ts';
import { recordAudit } from '../store/audit.ts';
import { getCase } from '../store/cases.ts';
import { referencePhotoCount } from '../store/family.ts';
import { searchForCase } from '../match/search.ts';
import { caseSubjectRecord } from '../records/record.ts';
import type { CaseDeps } from './open.ts';
import { chooseReferenceFaces, type ReferencePhoto } from './reference-photos.ts';
import { insertReferenceFaces, putReferenceBlobs } from './store-reference-faces.ts';

/** Photos one case may hold in all, however many times the family comes back. */
export const MAX_CASE_PHOTOS = 10;

/**
 * A family adds photos to its own case (issue 12: "a family can come back"): each through the
 * same pipeline and face choice as when the case was opened, matched against the gallery, the
 * new candidates queued for review. The standing search then uses every reference face.
 */
export async function addCasePhotos(
  deps: CaseDeps,
  caller: Caller,
  input: { photos: ReferencePhoto[]; client?: string | undefined },
): Promise<{ added: number; referencePhotos: number }> {
  const p = authorizePrincipal(caller, 'cases.update');
  const caseId = p.caseId;
  if (!caseId) throw new KinfinderError('forbidden', 'this needs a case code');
  const before = await referencePhotoCount(deps.db, caseId);
  if (before.count + input.photos.length > MAX_CASE_PHOTOS) {
    throw new KinfinderError(
      'too_many_photos',
      `a case holds at most ${MAX_CASE_PHOTOS} photos; this one has ${before.count}`,
      { max: MAX_CASE_PHOTOS, current: before.count },
    );
  }
  const chosen = await chooseReferenceFaces(deps, input.photos, input.client ?? p.id ?? undefined);
  const stored = await putReferenceBlobs(deps.blobs, chosen);
  return deps.db.transaction(async (tx) => {
    const found = await getCase(tx, caseId);
    if (!found) throw new KinfinderError('not_found', 'no such case');
    if (found.status === 'closed') throw new KinfinderError('conflict', 'this case is closed');
    // Read again inside the transaction: two uploads at once must not both take the same indexes.
    const { nextIndex } = await referencePhotoCount(tx, caseId);
    const refs = await insertReferenceFaces(tx, caseId, deps.manifest.id, stored, nextIndex);
    // Face and record together, as when the case was opened (issue 14).
    const { created } = await searchForCase(tx, deps.manifest, caseId, refs, caseSubjectRecord(found.subject));
    await recordAudit(tx, auditActor(p), {
      action: 'search.photos.add',
      subjectType: 'search',
      subjectId: caseId,
      details: { referencePhotos: stored.length, candidates: created },
    });
    return { added: stored.length, referencePhotos: before.count + stored.length };
  });
}
