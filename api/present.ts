import type { Box } from '../src/face/index.ts';
import type { CandidateView } from '../src/store/candidates.ts';
import type { PhotoRow, FaceRow } from '../src/store/photos.ts';
import type { ReferenceFaceRow, SearchRow } from '../src/store/searches.ts';

/** JSON shapes of DESIGN.md §5: fields may be added, never renamed. */
const API = '/api/v1';

export const urls = {
  photoImage: (id: string) => `${API}/photos/${id}/image`,
  faceCrop: (id: string) => `${API}/faces/${id}/crop`,
  referenceCrop: (id: string) => `${API}/reference-faces/${id}/crop`,
  referencePhoto: (id: string) => `${API}/reference-faces/${id}/photo`,
};

/** A reference face as verifiers get it: the crop, and the whole photo with the box's frame. */
function presentReference(r: { id: string; box: Box; photoWidth: number | null; photoHeight: number | null }) {
  return { id: r.id, box: r.box, cropUrl: urls.referenceCrop(r.id), photoUrl: urls.referencePhoto(r.id), photoWidth: r.photoWidth, photoHeight: r.photoHeight };
}

export function presentCandidate(c: CandidateView) {
  return {
    id: c.id,
    searchId: c.searchId,
    rank: c.rank,
    similarity: Number(c.similarity.toFixed(4)),
    band: c.band,
    status: c.status,
    confirmations: c.confirmations,
    faceId: c.faceId,
    photoId: c.photoId,
    face: { id: c.face.id, box: c.face.box, score: c.face.score, quality: c.face.quality, cropUrl: urls.faceCrop(c.face.id) },
    // width and height are the upright original's: face boxes are in its pixels, the image served is smaller.
    photo: {
      id: c.photo.id,
      originalName: c.photo.originalName,
      source: c.photo.source,
      metadata: c.photo.metadata,
      width: c.photo.width,
      height: c.photo.height,
      imageUrl: urls.photoImage(c.photo.id),
    },
    ...(c.referenceFace ? { referenceFace: presentReference(c.referenceFace) } : {}),
    // Verifiers weigh a face against what the family knows (age, marks, unit).
    subject: c.subject,
  };
}

/** What a family may see of a confirmed match: the record, not the verifiers or other candidates. */
export function presentConfirmed(c: CandidateView) {
  const { referenceFace: _r, subject: _s, ...rest } = presentCandidate(c);
  return rest;
}

export function presentReferenceFace(r: ReferenceFaceRow) {
  return { ...presentReference(r), photoIndex: r.photoIndex, quality: r.quality };
}

export function presentSearch(s: SearchRow) {
  return { id: s.id, status: s.status, createdAt: s.createdAt };
}

export function presentPhoto(p: PhotoRow, faces: FaceRow[]) {
  return {
    id: p.id,
    originalName: p.originalName,
    sha256: p.sha256,
    status: p.status,
    ...(p.error ? { error: p.error } : {}),
    source: p.source,
    metadata: p.metadata,
    width: p.width,
    height: p.height,
    imageUrl: urls.photoImage(p.id),
    faces: faces.map((f) => ({ id: f.id, box: f.box, score: f.score, quality: f.quality, cropUrl: urls.faceCrop(f.id) })),
  };
}
