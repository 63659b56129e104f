import type { FamilyCase, FamilyMatch } from '../src/access/visibility.ts';
import type { ReviewItem } from '../src/review/blind.ts';
import type { QueueCase } from '../src/review/queue.ts';
import type { MyReview } from '../src/review/mine.ts';
import type { CandidateView } from '../src/store/candidates.ts';
import type { PersonPhoto } from '../src/store/persons.ts';
import type { DecisionRow } from '../src/store/decisions.ts';
import type { CaseRow, ReferenceFaceRow } from '../src/store/cases.ts';
import type { FaceRow, PhotoRow } from '../src/store/photos.ts';
import { isAdminDecision, type Box } from '../src/vocabulary.ts';
import type { FamilyCaseView } from '../src/cases/view.ts';
import type { Category } from '../src/vocabulary.ts';

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
  confirmedPhoto: (id: string) => `${API}/case/confirmed/${id}/photo`,
};

/** A reference face as verifiers get it: the crop, and the whole photo with the box's frame. */
function presentReference(r: { id: string; box: Box; photoWidth: number | null; photoHeight: number | null }) {
  return {
    id: r.id,
    box: r.box,
    cropUrl: urls.referenceCrop(r.id),
    photoUrl: urls.referencePhoto(r.id),
    photoWidth: r.photoWidth,
    photoHeight: r.photoHeight,
  };
}

function presentMatch(c: CandidateView) {
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
    personId: c.personId,
    face: c.face
      ? {
          id: c.face.id,
          box: c.face.box,
          score: c.face.score,
          quality: c.face.quality,
          cropUrl: urls.faceCrop(c.face.id),
        }
      : null,
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
    // The family's language and the photo's category: the console writes to the family in it (DESIGN §15).
    lang: c.lang,
    category: c.category,
    matchWeight: Number(c.matchWeight.toFixed(3)),
    matchProbability: c.matchProbability,
    evidence: c.evidence,
    strangerRate: c.strangerRate === null ? null : Number(c.strangerRate),
  };
}

/**
 * A confirmed match as its family sees it, already reduced in src/access/visibility.ts: only the
 * URL of its photo is added (by the match's id), and the default sentence for its category in
 * the family's language. `familyMessage` is the verifier's words, or that sentence when they
 * wrote none (DESIGN §9); `defaultMessage` and `verifierMessage` keep the two apart, so a page can
 * show the sentence in the family's language first and the verifier's own words beneath, marked
 * as theirs: a verifier may have written in another language.
 */
export function presentConfirmed(c: FamilyMatch, defaultMessage: (category: Category) => string) {
  return {
    id: c.id,
    category: c.category,
    reachedBy: c.reachedBy,
    familyMessage: c.familyMessage ?? defaultMessage(c.category),
    defaultMessage: defaultMessage(c.category),
    verifierMessage: c.familyMessage,
    confirmedAt: c.confirmedAt,
    photoUrl: urls.confirmedPhoto(c.id),
    status: c.status,
    history: c.history,
  };
}

/** A case's head as its family reads it: `open` or `answered` (DESIGN §14). */
export function presentFamilyCaseHead(s: FamilyCase) {
  return { id: s.id, status: s.status, createdAt: s.createdAt };
}

/** The family's view of its case (`GET /case`, and `GET /searches/:id` with the case code). */
export function presentFamilyCase(v: FamilyCaseView, defaultMessage: (category: Category) => string) {
  return {
    search: presentFamilyCaseHead(v.case),
    subject: v.subject,
    notices: v.notices.map((n) => ({ kind: n.kind, at: n.at })),
    confirmed: v.confirmed.map((c) => presentConfirmed(c, defaultMessage)),
    referencePhotos: v.referencePhotos,
  };
}

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
    faces: faces.map((f) => ({
      id: f.id,
      box: f.box,
      score: f.score,
      quality: f.quality,
      cropUrl: urls.faceCrop(f.id),
    })),
    category: p.category,
    batchId: p.batchId,
    modelId: p.modelId,
    ...(p.withdrawal ? { withdrawal: { reason: p.withdrawal.reason, at: p.withdrawal.at } } : {}),
  };
}

/** A photo in a listing (GET /photos): how many faces, not the faces themselves. */
export function presentPhotoListItem(p: PhotoRow & { faceCount: number }) {
  return {
    id: p.id,
    originalName: p.originalName,
    sha256: p.sha256,
    status: p.status,
    ...(p.error ? { error: p.error } : {}),
    category: p.category,
    source: p.source,
    metadata: p.metadata,
    batchId: p.batchId,
    modelId: p.modelId,
    faceCount: p.faceCount,
    createdAt: new Date(p.createdAt).toISOString(),
    imageUrl: urls.photoImage(p.id),
  };
}

/** A decision as reviewers read it once they may (blind review: src/review/blind.ts). */
function presentDecision(d: DecisionRow) {
  return {
    id: d.id,
    decision: d.decision,
    by: { personId: d.personId, name: d.personName, role: d.role },
    note: d.note,
    reason: d.reason,
    familyMessage: d.familyMessage,
    at: d.createdAt,
  };
}

/**
 * A candidate in a reviewer's queue or just decided: the staff candidate, the caller's own
 * decision, and only once the review is no longer blind the others' decisions and the count.
 */
export function presentReviewItem(i: ReviewItem) {
  const { confirmations: _c, ...base } = presentCandidate({
    ...i,
    confirmations: i.confirmations ?? 0,
    confirmedBy: i.confirmedBy ?? [],
  });
  const mine = i.myDecision;
  return {
    ...base,
    ...(i.confirmations !== undefined ? { confirmations: i.confirmations } : {}),
    myDecision: mine
      ? {
          id: mine.id,
          decision: mine.decision,
          note: mine.note,
          reason: mine.reason,
          familyMessage: mine.familyMessage,
          at: mine.createdAt,
          retractableUntil: mine.retractableUntil,
          settles: isAdminDecision(mine.decision),
        }
      : null,
    ...(i.decisions ? { decisions: i.decisions.map(presentDecision) } : {}),
    caseConfirmed: i.caseConfirmed ?? false,
    ...(i.strangersPerSearch !== undefined ? { strangersPerSearch: i.strangersPerSearch } : {}),
    photos: i.photos.map(presentPersonPhoto),
    personStatus: i.personStatus,
  };
}

/** A photo of an archive person, for staff: the image and the face crops by URL. */
export function presentPersonPhoto(p: PersonPhoto) {
  return {
    ...p,
    imageUrl: urls.photoImage(p.id),
    faces: p.faces.map((f) => ({ id: f.id, box: f.box, cropUrl: urls.faceCrop(f.id) })),
  };
}

/** A case heading its candidates in the queue: the family's photos and what they told us. */
export function presentQueueCase(c: QueueCase) {
  return {
    ...presentCase(c.case),
    subject: c.case.subject,
    referenceFaces: c.referenceFaces.map(presentReferenceFace),
    confirmedMatch: c.confirmedMatch,
    related: c.related,
  };
}

export function presentMyReview(m: MyReview) {
  return {
    role: m.role,
    name: m.name,
    since: m.since,
    decisions: m.decisions.map((d) => ({
      id: d.id,
      candidateId: d.candidateId,
      searchId: d.caseId,
      decision: d.decision,
      at: d.createdAt,
      counts: d.current,
      candidateStatus: d.candidateStatus,
      retractableUntil: d.retractableUntil,
    })),
    queues: m.queues,
  };
}
