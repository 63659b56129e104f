import { authorizePrincipal } from '../access/policy.ts';
import { auditActor, type Caller } from '../access/principal.ts';
import { assertMaySeeFace, assertMaySeePhoto, assertMaySeeReference } from '../access/visibility.ts';
import { KinfinderError } from '../errors.ts';
import { displayJpeg, type ImageLimits } from '../image/index.ts';
import { recordAudit } from '../store/audit.ts';
import type { BlobStore } from '../store/blobs.ts';
import { getReferenceFace } from '../store/cases.ts';
import type { Database } from '../store/database.ts';
import { facesOfPhoto, getFace, getPhoto, type FaceRow, type PhotoRow } from '../store/photos.ts';

export interface GalleryDeps {
  db: Database;
  blobs: BlobStore;
  limits: ImageLimits;
}

/**
 * Reads of the archive and of families' reference photos. Each checks the caller against the
 * policy and the visibility rules, and leaves an audit row: who looked at which photo is part of
 * the record (DESIGN §7).
 */

/** A gallery photo's record and its faces (staff). */
export async function readPhoto(deps: GalleryDeps, caller: Caller, photoId: string): Promise<{ photo: PhotoRow; faces: FaceRow[] }> {
  const p = authorizePrincipal(caller, 'photos.read');
  return deps.db.transaction(async (tx) => {
    const photo = await getPhoto(tx, photoId);
    if (!photo) throw new KinfinderError('not_found', 'no such photo');
    await recordAudit(tx, auditActor(p), { action: 'photo.read', subjectType: 'photo', subjectId: photoId });
    return { photo, faces: await facesOfPhoto(tx, photoId) };
  });
}

/** The display copy of a gallery photo (upright, ≤ 2048 px, no metadata). */
export async function readPhotoImage(deps: GalleryDeps, caller: Caller, photoId: string): Promise<Uint8Array> {
  const p = authorizePrincipal(caller, 'photos.image');
  const key = await deps.db.transaction(async (tx) => {
    const photo = await getPhoto(tx, photoId);
    if (!photo) throw new KinfinderError('not_found', 'no such photo');
    await assertMaySeePhoto(tx, p, photoId);
    if (!photo.displaySha256) throw new KinfinderError('not_found', 'this photo has not been processed yet');
    await recordAudit(tx, auditActor(p), { action: 'photo.image.read', subjectType: 'photo', subjectId: photoId });
    return photo.displaySha256;
  });
  return deps.blobs.get(key);
}

/** One face of a gallery photo, cut out with some margin. */
export async function readFaceCrop(deps: GalleryDeps, caller: Caller, faceId: string): Promise<Uint8Array> {
  const p = authorizePrincipal(caller, 'photos.image');
  const key = await deps.db.transaction(async (tx) => {
    const face = await getFace(tx, faceId);
    if (!face?.cropSha256) throw new KinfinderError('not_found', 'no such face');
    await assertMaySeeFace(tx, p, faceId);
    await recordAudit(tx, auditActor(p), { action: 'face.crop.read', subjectType: 'face', subjectId: faceId });
    return face.cropSha256;
  });
  return deps.blobs.get(key);
}

/** The family's chosen face in one of their photos. */
export async function readReferenceCrop(deps: GalleryDeps, caller: Caller, referenceFaceId: string): Promise<Uint8Array> {
  const p = authorizePrincipal(caller, 'references.read');
  const key = await deps.db.transaction(async (tx) => {
    const ref = await getReferenceFace(tx, referenceFaceId);
    if (!ref) throw new KinfinderError('not_found', 'no such reference face');
    assertMaySeeReference(p, ref);
    if (!ref.cropSha256) throw new KinfinderError('not_found', 'no such reference face');
    await recordAudit(tx, auditActor(p), { action: 'reference.crop.read', subjectType: 'reference_face', subjectId: ref.id });
    return ref.cropSha256;
  });
  return deps.blobs.get(key);
}

/**
 * The family's whole photo, so a verifier can weigh hair, ears and build as well as the face:
 * upright, at most 2048 px, and without the upload's metadata (a phone photo's EXIF can hold
 * where the family lives). Made when the case was opened; for older cases, made here.
 */
export async function readReferencePhoto(deps: GalleryDeps, caller: Caller, referenceFaceId: string): Promise<Uint8Array> {
  const p = authorizePrincipal(caller, 'references.read');
  const ref = await deps.db.transaction(async (tx) => {
    const r = await getReferenceFace(tx, referenceFaceId);
    if (!r) throw new KinfinderError('not_found', 'no such reference face');
    assertMaySeeReference(p, r);
    await recordAudit(tx, auditActor(p), { action: 'reference.photo.read', subjectType: 'reference_face', subjectId: r.id });
    return r;
  });
  if (ref.displaySha256) return deps.blobs.get(ref.displaySha256);
  return displayJpeg(await deps.blobs.get(ref.photoSha256), deps.limits);
}
