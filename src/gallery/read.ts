import { authorizePrincipal } from '../access/policy.ts';
import { auditActor, type Caller, type Principal } from '../access/principal.ts';
import { assertMaySeeFace, assertMaySeePhoto, assertMaySeeReference } from '../access/visibility.ts';
import { KinfinderError } from '../errors.ts';
import { displayJpeg, type ImageLimits } from '../image/index.ts';
import { recordAudit, type AuditEvent } from '../store/audit.ts';
import type { BlobStore } from '../store/blobs.ts';
import { getReferenceFace } from '../store/cases.ts';
import type { Database, Queryable } from '../store/database.ts';
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
export async function readPhoto(
  deps: GalleryDeps,
  caller: Caller,
  photoId: string,
): Promise<{ photo: PhotoRow; faces: FaceRow[] }> {
  const p = authorizePrincipal(caller, 'photos.read');
  return deps.db.transaction(async (tx) => {
    const photo = await getPhoto(tx, photoId);
    if (!photo) throw new KinfinderError('not_found', 'no such photo');
    await recordAudit(tx, auditActor(p), { action: 'photo.read', subjectType: 'photo', subjectId: photoId });
    return { photo, faces: await facesOfPhoto(tx, photoId) };
  });
}

/**
 * Finds a blob the caller may read (`find` checks visibility and names the audit event), audits
 * the read in the same transaction, then fetches the bytes.
 */
async function auditedBlob(
  deps: GalleryDeps,
  p: Principal,
  find: (tx: Queryable) => Promise<{ key: string; event: AuditEvent }>,
): Promise<Uint8Array> {
  const key = await deps.db.transaction(async (tx) => {
    const found = await find(tx);
    await recordAudit(tx, auditActor(p), found.event);
    return found.key;
  });
  return deps.blobs.get(key);
}

/** The display copy of a gallery photo (upright, ≤ 2048 px, no metadata). */
export async function readPhotoImage(deps: GalleryDeps, caller: Caller, photoId: string): Promise<Uint8Array> {
  const p = authorizePrincipal(caller, 'photos.image');
  return auditedBlob(deps, p, async (tx) => {
    const photo = await getPhoto(tx, photoId);
    if (!photo) throw new KinfinderError('not_found', 'no such photo');
    await assertMaySeePhoto(tx, p, photoId);
    if (!photo.displaySha256) throw new KinfinderError('not_found', 'this photo has not been processed yet');
    return {
      key: photo.displaySha256,
      event: { action: 'photo.image.read', subjectType: 'photo', subjectId: photoId },
    };
  });
}

/** One face of a gallery photo, cut out with some margin. */
export async function readFaceCrop(deps: GalleryDeps, caller: Caller, faceId: string): Promise<Uint8Array> {
  const p = authorizePrincipal(caller, 'photos.image');
  return auditedBlob(deps, p, async (tx) => {
    const face = await getFace(tx, faceId);
    if (!face?.cropSha256) throw new KinfinderError('not_found', 'no such face');
    await assertMaySeeFace(tx, p, faceId);
    return { key: face.cropSha256, event: { action: 'face.crop.read', subjectType: 'face', subjectId: faceId } };
  });
}

/** The family's chosen face in one of their photos. */
export async function readReferenceCrop(
  deps: GalleryDeps,
  caller: Caller,
  referenceFaceId: string,
): Promise<Uint8Array> {
  const p = authorizePrincipal(caller, 'references.read');
  return auditedBlob(deps, p, async (tx) => {
    const ref = await visibleReference(tx, p, referenceFaceId);
    if (!ref.cropSha256) throw new KinfinderError('not_found', 'no such reference face');
    return {
      key: ref.cropSha256,
      event: { action: 'reference.crop.read', subjectType: 'reference_face', subjectId: ref.id },
    };
  });
}

/**
 * The family's whole photo, so a verifier can weigh hair, ears and build as well as the face:
 * upright, at most 2048 px, and without the upload's metadata (a phone photo's EXIF can hold
 * where the family lives). Made when the case was opened; for older cases, made here.
 */
export async function readReferencePhoto(
  deps: GalleryDeps,
  caller: Caller,
  referenceFaceId: string,
): Promise<Uint8Array> {
  const p = authorizePrincipal(caller, 'references.read');
  let made = false;
  const bytes = await auditedBlob(deps, p, async (tx) => {
    const ref = await visibleReference(tx, p, referenceFaceId);
    made = !ref.displaySha256;
    return {
      key: ref.displaySha256 ?? ref.photoSha256,
      event: { action: 'reference.photo.read', subjectType: 'reference_face', subjectId: ref.id },
    };
  });
  return made ? displayJpeg(bytes, deps.limits) : bytes;
}

async function visibleReference(tx: Queryable, p: Principal, id: string) {
  const ref = await getReferenceFace(tx, id);
  if (!ref) throw new KinfinderError('not_found', 'no such reference face');
  assertMaySeeReference(p, ref);
  return ref;
}
