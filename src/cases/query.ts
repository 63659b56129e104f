import { authorize } from '../access/policy.ts';
import { auditActor, type Caller } from '../access/principal.ts';
import { KinfinderError } from '../errors.ts';
import type { FaceAnalyser, FaceQuality } from '../face/index.ts';
import type { ModelManifest } from '../face/manifest.ts';
import type { ImageLimits } from '../image/index.ts';
import type { LinkedCandidate } from '../match/link.ts';
import { checkSubjectFields, subjectIsSearchable, subjectRecord } from '../records/record.ts';
import { recordAudit } from '../store/audit.ts';
import type { Database } from '../store/database.ts';
import { getPhotosByIds } from '../store/photos.ts';
import { assertValidText } from '../text.ts';
import type { Box } from '../vocabulary.ts';
import { matchCase } from '../match/search.ts';
import { chooseReferenceFaces, type ReferencePhoto } from './reference-photos.ts';

export interface GalleryQueryResult {
  referenceFaces: Array<{ photoIndex: number; faceIndex: number; box: Box; score: number; quality: FaceQuality }>;
  candidates: Array<LinkedCandidate & { rank: number; photo: { originalName: string | null; source: string | null } }>;
}

/**
 * A one-off search of the archive that opens no case (the CLI's `search`): the same pipeline,
 * face choice, matching, record linkage, floor and ranking as a case; nothing stored but the
 * audit row. Photos are optional when the subject has a surname or a document number.
 */
export async function queryGallery(
  /** `faces` may be left out for a search by the subject alone (no engine to load). */
  deps: { db: Database; faces?: FaceAnalyser | undefined; manifest: ModelManifest; limits: ImageLimits },
  caller: Caller,
  input: { photos: ReferencePhoto[]; top: number; subject?: Record<string, unknown> | undefined },
): Promise<GalleryQueryResult> {
  authorize(caller, 'gallery.query');
  assertValidText(input.subject, 'subject');
  const record = subjectRecord(checkSubjectFields(input.subject ?? {}));
  const textToo = subjectIsSearchable(record);
  if (input.photos.length === 0 && !textToo)
    throw new KinfinderError(
      'invalid_input',
      'give at least one photo of the person, or a subject with a surname or a document number',
    );
  const faces = deps.faces;
  if (input.photos.length > 0 && !faces)
    throw new KinfinderError('internal', 'a search with photos needs the face engine');
  const chosen = faces
    ? await chooseReferenceFaces({ faces, limits: deps.limits }, input.photos, undefined, { textToo })
    : [];
  const refs = chosen.map((c, i) => ({ id: `reference-${i}`, embedding: c.face.embedding }));
  return deps.db.transaction(async (tx) => {
    const hits = await matchCase(tx, deps.manifest, refs, input.subject ? record : undefined, input.top);
    const photos = new Map(
      (
        await getPhotosByIds(
          tx,
          hits.map((h) => h.photoId),
        )
      ).map((p) => [p.id, p]),
    );
    await recordAudit(tx, auditActor(caller), {
      action: 'search.query',
      details: { referencePhotos: input.photos.length, subject: input.subject !== undefined, candidates: hits.length },
    });
    return {
      referenceFaces: chosen.map((c, i) => ({
        photoIndex: i,
        faceIndex: c.index,
        box: c.face.box,
        score: c.face.score,
        quality: c.face.quality,
      })),
      candidates: hits.map((h, i) => {
        const p = photos.get(h.photoId);
        return { ...h, rank: i + 1, photo: { originalName: p?.originalName ?? null, source: p?.source ?? null } };
      }),
    };
  });
}
