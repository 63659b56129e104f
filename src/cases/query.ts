import { authorize } from '../access/policy.ts';
import { auditActor, type Caller } from '../access/principal.ts';
import type { FaceAnalyser, FaceQuality } from '../face/index.ts';
import type { ModelManifest } from '../face/manifest.ts';
import type { ImageLimits } from '../image/index.ts';
import type { RankedHit } from '../match/rank.ts';
import { recordAudit } from '../store/audit.ts';
import type { Database } from '../store/database.ts';
import { getPhotosByIds } from '../store/photos.ts';
import type { Box } from '../vocabulary.ts';
import { matchGallery } from './match.ts';
import { chooseReferenceFaces, type ReferencePhoto } from './reference-photos.ts';

export interface GalleryQueryResult {
  referenceFaces: Array<{ photoIndex: number; faceIndex: number; box: Box; score: number; quality: FaceQuality }>;
  candidates: Array<RankedHit & { rank: number; photo: { originalName: string | null; source: string | null } }>;
}

/**
 * A one-off search of the gallery that opens no case (the CLI's `search`): the same pipeline,
 * face choice, matching, floor and bands as a case; nothing stored but the audit row.
 */
export async function queryGallery(
  deps: { db: Database; faces: FaceAnalyser; manifest: ModelManifest; limits: ImageLimits },
  caller: Caller,
  input: { photos: ReferencePhoto[]; top: number },
): Promise<GalleryQueryResult> {
  authorize(caller, 'gallery.query');
  const chosen = await chooseReferenceFaces(deps, input.photos);
  const refs = chosen.map((c, i) => ({ id: `reference-${i}`, embedding: c.face.embedding }));
  return deps.db.transaction(async (tx) => {
    const hits = await matchGallery(tx, deps.manifest, refs, input.top);
    const photos = new Map((await getPhotosByIds(tx, hits.map((h) => h.photoId))).map((p) => [p.id, p]));
    await recordAudit(tx, auditActor(caller), { action: 'search.query', details: { referencePhotos: input.photos.length, candidates: hits.length } });
    return {
      referenceFaces: chosen.map((c, i) => ({ photoIndex: i, faceIndex: c.index, box: c.face.box, score: c.face.score, quality: c.face.quality })),
      candidates: hits.map((h, i) => {
        const p = photos.get(h.photoId);
        return { ...h, rank: i + 1, photo: { originalName: p?.originalName ?? null, source: p?.source ?? null } };
      }),
    };
  });
}
