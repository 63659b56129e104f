import type { FamilyMatch } from '../src/access/visibility.ts';
import type { CandidateView } from '../src/store/candidates.ts';
import type { CaseRow, ReferenceFaceRow } from '../src/store/cases.ts';
import type { FaceRow, PhotoRow } from '../src/store/photos.ts';
import type { Box } from '../src/vocabulary.ts';

/**
 * JSON shapes of DESIGN.md §5: fields may be added, never renamed. What each caller may see was
 * decided in `src` (src/access/visibility.ts); this file only turns data into JSON and adds URLs.
 * (`src` says case where the API, by contract, says search.)
 */
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

function presentMatch(c: FamilyMatch) {
  return {
    id: c.id,
    searchId: c.caseId,
    rank: c.rank,
    similarity: c.similarity === null ? null : Number(c.similarity.toFixed(4)),
    band: c.band,
    status: c.status,
    confirmations: c.confirmations,
    faceId: c.faceId,
    photoId: c.photoId,
    face: c.face ? { id: c.face.id, box: c.face.box, score: c.face.score, quality: c.face.quality, cropUrl: urls.faceCrop(c.face.id) } : null,
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
  };
}

/** A candidate as staff see it, with the family's face and what the family told us. */
export function presentCandidate(c: CandidateView) {
  return {
    ...presentMatch(c),
    ...(c.referenceFace ? { referenceFace: presentReference(c.referenceFace) } : {}),
    subject: c.subject,
    matchWeight: Number(c.matchWeight.toFixed(3)),
    matchProbability: c.matchProbability,
    evidence: c.evidence,
  };
}

/** A confirmed match as its family sees it (already reduced to what they may see). */
export const presentConfirmed = presentMatch;

export function presentReferenceFace(r: ReferenceFaceRow) {
  return { ...presentReference(r), photoIndex: r.photoIndex, quality: r.quality };
}

export function presentCase(s: CaseRow) {
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
