import type { Box, Face } from '../face/index.ts';
import type { RankedHit } from '../match/rank.ts';
import { recordAudit, type AuditActor } from '../store/audit.ts';
import { getPhotosByIds } from '../store/photos.ts';
import { chooseFace, matchGallery, MAX_REFERENCE_PHOTOS, type CaseDeps, type ReferencePhoto } from './service.ts';
import { KinfinderError } from '../errors.ts';

export interface GalleryQueryResult {
  referenceFaces: Array<{ photoIndex: number; faceIndex: number; box: Box; score: number; quality: Face['quality'] }>;
  candidates: Array<RankedHit & { rank: number; photo: { originalName: string | null; source: string | null } }>;
}

/**
 * A one-off search of the gallery that opens no case (the CLI's `search`): the same face choice,
 * matching, floor and bands as a case, nothing stored but the audit row.
 */
export async function queryGallery(
  deps: Pick<CaseDeps, 'db' | 'faces' | 'manifest'>,
  input: { photos: ReferencePhoto[]; top: number; actor: AuditActor | null },
): Promise<GalleryQueryResult> {
  if (input.photos.length === 0 || input.photos.length > MAX_REFERENCE_PHOTOS) {
    throw new KinfinderError('too_many_photos', `give one to ${MAX_REFERENCE_PHOTOS} photos of one person`);
  }
  const refs: Array<{ id: string; embedding: number[] }> = [];
  const referenceFaces: GalleryQueryResult['referenceFaces'] = [];
  for (const [i, photo] of input.photos.entries()) {
    const analysis = await deps.faces.analyse(photo.bytes);
    const { face, index } = chooseFace(analysis.faces, i, photo.faceIndex);
    refs.push({ id: `reference-${i}`, embedding: face.embedding });
    referenceFaces.push({ photoIndex: i, faceIndex: index, box: face.box, score: face.score, quality: face.quality });
  }
  const hits = await deps.db.transaction((tx) => matchGallery(tx, deps.manifest, refs, input.top));
  const photos = new Map((await getPhotosByIds(deps.db, hits.map((h) => h.photoId))).map((p) => [p.id, p]));
  await recordAudit(deps.db, input.actor, { action: 'search.query', details: { referencePhotos: input.photos.length, candidates: hits.length } });
  return {
    referenceFaces,
    candidates: hits.map((h, i) => {
      const p = photos.get(h.photoId);
      return { ...h, rank: i + 1, photo: { originalName: p?.originalName ?? null, source: p?.source ?? null } };
    }),
  };
}
