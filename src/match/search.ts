import type { ModelManifest } from '../face/manifest.ts';
import {
  byMatchWeight,
  linkContext,
  scorePerson,
  weighPhoto,
  type LinkContext,
  type LinkedCandidate,
  type PhotoEvidence,
} from './link.ts';
import { CASE_CANDIDATES, efSearchFor, mergeHits, type Hit, type RankedHit } from './rank.ts';
import { subjectIsSearchable, type SubjectRecord } from '../records/record.ts';
import { pendingCandidatesOfCase, reweighPendingCandidate } from '../store/candidates.ts';
import type { Queryable } from '../store/database.ts';
import { nearestFaceOfPhotos, nearestGalleryFaces } from '../store/matching.ts';
import { livePhotosOfPersons, personsOfPhotos } from '../store/persons.ts';
import { archiveCounts, archiveSize, blockArchive, decidedEvidenceCounts, photoRecords } from '../store/records.ts';
import type { CaseStatus } from '../vocabulary.ts';
import { faceRates } from './face-rates.ts';
import { keepCandidates } from './keep.ts';

/**
 * Gallery matches for one person's reference faces: best similarity per gallery face over all
 * of them, above the calibration floor, banded, best first. Runs inside the caller's
 * transaction (the HNSW settings are local to it).
 */
export async function matchGallery(
  tx: Queryable,
  manifest: ModelManifest,
  refs: Array<{ id: string; embedding: number[] }>,
  top: number,
): Promise<RankedHit[]> {
  const k = top * 2;
  const perReference: Hit[][] = [];
  for (const ref of refs) {
    const hits = await nearestGalleryFaces(tx, ref.embedding, { modelId: manifest.id, k, efSearch: efSearchFor(k) });
    perReference.push(hits.map((h) => ({ ...h, referenceFaceId: ref.id })));
  }
  return mergeHits(perReference, manifest.calibration, top);
}

/** Archive records looked at per case: far more than one surname's namesakes in a large archive. */
export const TEXT_BLOCK_LIMIT = 5000;

/**
 * A case's candidates from its faces and its subject's record, in one list (issue 14): the
 * nearest gallery faces, and the archive photos whose record agrees with the subject (a face
 * the detector missed, a photo of documents, a family with no photo). Each archive person they
 * belong to is scored on his best face and best record over all his photos (issue 26,
 * link.ts:scorePerson); ranked by total weight.
 */
export async function matchCase(
  tx: Queryable,
  manifest: ModelManifest,
  refs: Array<{ id: string; embedding: number[] }>,
  subject: SubjectRecord | undefined,
  top: number,
  /** The weighing context for `subject`, when the caller has it already (caseLinkContext). */
  known?: LinkContext,
): Promise<LinkedCandidate[]> {
  const faceHits = refs.length > 0 ? await matchGallery(tx, manifest, refs, top) : [];
  const searchable = subject !== undefined && subjectIsSearchable(subject);
  const textPhotos = searchable ? await blockArchive(tx, subject, TEXT_BLOCK_LIMIT) : [];
  const hitPhotos = new Set(faceHits.map((h) => h.photoId));
  // Candidates are persons (issue 26): every photo of a man found by a face or a record is his evidence.
  const personOf = await personsOfPhotos(tx, [...hitPhotos, ...textPhotos]);
  const theirPhotos = await livePhotosOfPersons(tx, [...new Set(personOf.values())]);
  for (const [personId, photos] of theirPhotos) for (const p of photos) personOf.set(p, personId);
  const others = [...personOf.keys()].filter((p) => !hitPhotos.has(p));
  const records = subject ? await photoRecords(tx, [...personOf.keys()]) : new Map();
  // The face of a photo found otherwise nearest the family's, however far: the face is evidence too.
  const faces = refs.length > 0 ? await nearestFaceOfPhotos(tx, refs, others, manifest.id) : new Map();
  const ctx = known ?? (await caseLinkContext(tx, manifest, subject));
  const rates = await faceRates(tx, manifest, refs, [...faceHits, ...faces.values()]);
  const byPerson = new Map<string, PhotoEvidence[]>();
  const add = (e: PhotoEvidence) => byPerson.set(e.personId, [...(byPerson.get(e.personId) ?? []), e]);
  for (const h of faceHits)
    add({
      personId: personOf.get(h.photoId)!,
      photoId: h.photoId,
      face: {
        faceId: h.faceId,
        referenceFaceId: h.referenceFaceId,
        similarity: h.similarity,
        bandCap: h.bandCap,
        strangerRate: rates.get(h.faceId),
      },
      record: records.get(h.photoId),
    });
  for (const p of others) {
    const face = faces.get(p);
    add({
      personId: personOf.get(p)!,
      photoId: p,
      face: face && { ...face, strangerRate: rates.get(face.faceId) },
      record: records.get(p),
    });
  }
  return [...byPerson.values()]
    .map((photos) => scorePerson(ctx, photos))
    .filter((c): c is LinkedCandidate => c !== undefined)
    .sort(byMatchWeight)
    .slice(0, top);
}

/** What weighing a photo for this subject needs: the archive's name frequencies, its size, the verifiers' decisions. */
async function caseLinkContext(
  tx: Queryable,
  manifest: ModelManifest,
  subject: SubjectRecord | undefined,
): Promise<LinkContext> {
  const size = await archiveSize(tx);
  return linkContext(
    subject,
    subject ? await archiveCounts(tx, subject) : {},
    Math.max(size.photos, size.records),
    manifest.calibration,
    await decidedEvidenceCounts(tx),
  );
}

/**
 * Searches the archive for a case (opened, given more photos, its description corrected) and
 * keeps what it finds: new candidates join, decided ones stay as they are and pending ones only
 * move up, and the case's status follows (keepCandidates). Inside the caller's transaction.
 *
 * `reweigh` (the description changed): first every pending candidate is weighed again against
 * the description as it now is, up or down, so none shows a verifier evidence from what the
 * family said before (a birth year that "agreed" with a date since corrected). A pending
 * candidate the new description would not have proposed stays in the case at its new, lower
 * weight: its verifiers' decisions so far are kept, and the face may still be right.
 */
export async function searchForCase(
  tx: Queryable,
  manifest: ModelManifest,
  caseId: string,
  refs: Array<{ id: string; embedding: number[] }>,
  subject: SubjectRecord | undefined,
  opts: { reweigh?: boolean } = {},
): Promise<{ created: number; reweighed: number; status: CaseStatus | undefined }> {
  let reweighed = 0;
  // One context for the re-weighing and the search (archive counts and decided pairs read once).
  const ctx = opts.reweigh ? await caseLinkContext(tx, manifest, subject) : undefined;
  if (ctx) {
    const pending = await pendingCandidatesOfCase(tx, caseId);
    const records = subject
      ? await photoRecords(
          tx,
          pending.map((p) => p.photoId),
        )
      : new Map();
    for (const p of pending) {
      const face =
        p.faceId !== null && p.similarity !== null
          ? {
              faceId: p.faceId,
              referenceFaceId: p.referenceFaceId,
              similarity: p.similarity,
              bandCap: p.bandCap,
              strangerRate: p.faceRate,
            }
          : undefined;
      if (
        await reweighPendingCandidate(
          tx,
          p.id,
          weighPhoto(ctx, { personId: p.personId, photoId: p.photoId, face, record: records.get(p.photoId) }),
        )
      )
        reweighed++;
    }
  }
  const kept = await keepCandidates(tx, caseId, await matchCase(tx, manifest, refs, subject, CASE_CANDIDATES, ctx));
  return { created: kept.created, reweighed, status: kept.status };
}
