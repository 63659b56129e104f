import { createToken, type Principal } from '../auth/tokens.ts';
import { KinfinderError } from '../errors.ts';
import type { FaceAnalyser, Face } from '../face/index.ts';
import type { ModelManifest } from '../face/manifest.ts';
import { displayJpeg, faceCrop, type ImageLimits } from '../image/index.ts';
import { CASE_CANDIDATES, efSearchFor, mergeHits, type Hit } from '../match/rank.ts';
import { recordAudit } from '../store/audit.ts';
import type { BlobStore } from '../store/blobs.ts';
import {
  applyDecisions,
  candidatesOfSearch,
  getCandidate,
  hasDecided,
  insertDecision,
  lockCandidate,
  upsertCandidates,
  type CandidateView,
} from '../store/candidates.ts';
import type { Database, Queryable } from '../store/database.ts';
import { nearestGalleryFaces } from '../store/matching.ts';
import { revokeTokensOfSearch } from '../store/tokens.ts';
import { ensureModel } from '../store/photos.ts';
import {
  blobKeysInUse,
  deleteSearchData,
  getSearch,
  insertReferenceFace,
  insertSearch,
  refreshSearchStatus,
  referenceFacesOf,
  type ReferenceFaceRow,
  type SearchRow,
} from '../store/searches.ts';

export interface CaseDeps {
  db: Database;
  blobs: BlobStore;
  faces: FaceAnalyser;
  manifest: ModelManifest;
  limits: ImageLimits;
  /** Distinct verifiers needed to confirm (KINFINDER_CONFIRMATIONS). */
  confirmations: number;
}

export const MAX_REFERENCE_PHOTOS = 5;

export interface ReferencePhoto {
  bytes: Uint8Array;
  /** Which face to use when the photo shows several (0-based, largest first). */
  faceIndex?: number | undefined;
}

export interface CreatedCase {
  search: SearchRow;
  referenceFaces: ReferenceFaceRow[];
  /** Only for a verifier: families never see unreviewed candidates. */
  candidates?: CandidateView[];
  /** Only for a non-verifier caller: the one-time token that opens this case. */
  accessToken?: string;
}

function actor(p: Principal | null) {
  return p ? { id: p.id, role: p.role } : null;
}

export function chooseFace(faces: Face[], photoIndex: number, faceIndex: number | undefined): { face: Face; index: number } {
  if (faces.length === 0) {
    throw new KinfinderError('no_face', `no face was found in photo ${photoIndex + 1}; try a clearer photo where the face is visible`, { photoIndex });
  }
  if (faceIndex === undefined) {
    if (faces.length === 1) return { face: faces[0]!, index: 0 };
    throw new KinfinderError('choose_face', `photo ${photoIndex + 1} shows ${faces.length} faces: say which one is the person you are looking for`, {
      photoIndex,
      faces: faces.map((f, index) => ({ index, box: f.box })),
    });
  }
  const face = faces[faceIndex];
  if (!face) throw new KinfinderError('invalid_input', `photo ${photoIndex + 1} has no face number ${faceIndex} (it has ${faces.length})`, { photoIndex });
  return { face, index: faceIndex };
}

/** Gallery matches for reference faces, best per gallery face, banded, above the floor. */
export async function matchGallery(tx: Queryable, manifest: ModelManifest, refs: Array<{ id: string; embedding: number[] }>, top: number) {
  const k = top * 2;
  const perReference: Hit[][] = [];
  for (const ref of refs) {
    const hits = await nearestGalleryFaces(tx, ref.embedding, { modelId: manifest.id, k, efSearch: efSearchFor(k) });
    perReference.push(hits.map((h) => ({ ...h, referenceFaceId: ref.id })));
  }
  return mergeHits(perReference, manifest.calibration, top);
}

/**
 * Opens a case from one to five photos of one person: finds the face in each, stores the
 * reference faces, matches them against the gallery and records the ranked candidates.
 * Everything is written in one transaction; the audit row is part of it.
 */
export async function createCase(
  deps: CaseDeps,
  input: { photos: ReferencePhoto[]; subject?: Record<string, unknown>; principal: Principal | null },
): Promise<CreatedCase> {
  if (input.photos.length === 0) throw new KinfinderError('invalid_input', 'upload at least one photo of the person');
  if (input.photos.length > MAX_REFERENCE_PHOTOS) {
    throw new KinfinderError('too_many_photos', `upload at most ${MAX_REFERENCE_PHOTOS} photos of one person`);
  }
  const chosen: Array<{ bytes: Uint8Array; face: Face; index: number; width: number; height: number }> = [];
  for (const [i, photo] of input.photos.entries()) {
    const analysis = await deps.faces.analyse(photo.bytes);
    chosen.push({ bytes: photo.bytes, width: analysis.width, height: analysis.height, ...chooseFace(analysis.faces, i, photo.faceIndex) });
  }
  const stored: Array<(typeof chosen)[number] & { photoSha256: string; cropSha256: string; displaySha256: string }> = [];
  for (const c of chosen) {
    const photoSha256 = await deps.blobs.put(c.bytes);
    const cropSha256 = await deps.blobs.put(await faceCrop(c.bytes, c.face.box, deps.limits));
    const displaySha256 = await deps.blobs.put(await displayJpeg(c.bytes, deps.limits));
    stored.push({ ...c, photoSha256, cropSha256, displaySha256 });
  }
  const isVerifier = input.principal?.role === 'verifier';
  const result = await deps.db.transaction(async (tx) => {
    await ensureModel(tx, { id: deps.manifest.id, dims: deps.manifest.dims, manifest: deps.manifest });
    const search = await insertSearch(tx, { subject: input.subject ?? {}, modelId: deps.manifest.id, createdBy: input.principal?.id ?? null });
    const refs = [];
    for (const [photoIndex, s] of stored.entries()) {
      const id = await insertReferenceFace(tx, search.id, deps.manifest.id, {
        photoSha256: s.photoSha256,
        photoIndex,
        photoWidth: s.width,
        photoHeight: s.height,
        displaySha256: s.displaySha256,
        faceIndex: s.index,
        box: s.face.box,
        score: s.face.score,
        landmarks: s.face.landmarks,
        quality: { ...s.face.quality },
        cropSha256: s.cropSha256,
        embedding: s.face.embedding,
      });
      refs.push({ id, embedding: s.face.embedding });
    }
    const ranked = await matchGallery(tx, deps.manifest, refs, CASE_CANDIDATES);
    await upsertCandidates(tx, search.id, ranked);
    const status = (await refreshSearchStatus(tx, search.id)) ?? search.status;
    let accessToken: string | undefined;
    if (!isVerifier) {
      accessToken = (await createToken(tx, { role: 'family', name: 'case access', searchId: search.id, createdBy: input.principal?.id ?? null })).token;
    }
    await recordAudit(tx, actor(input.principal), {
      action: 'search.create',
      subjectType: 'search',
      subjectId: search.id,
      details: { referencePhotos: stored.length, candidates: ranked.length },
    });
    return {
      search: { ...search, status },
      referenceFaces: await referenceFacesOf(tx, search.id),
      ...(isVerifier ? { candidates: await candidatesOfSearch(tx, search.id) } : {}),
      ...(accessToken ? { accessToken } : {}),
    };
  });
  return result;
}

export interface CaseView {
  search: SearchRow;
  referenceFaces?: ReferenceFaceRow[];
  candidates?: CandidateView[];
  confirmed?: CandidateView[];
}

/** A verifier sees everything of a case; its family sees the status and confirmed matches only. */
export async function viewCase(deps: Pick<CaseDeps, 'db'>, searchId: string, principal: Principal): Promise<CaseView> {
  const search = await getSearch(deps.db, searchId);
  if (!search) throw new KinfinderError('not_found', 'no such case');
  if (principal.role === 'family' && principal.searchId !== searchId) throw new KinfinderError('forbidden', 'this access code opens another case');
  await recordAudit(deps.db, actor(principal), { action: 'search.read', subjectType: 'search', subjectId: searchId });
  if (principal.role === 'verifier') {
    return { search, referenceFaces: await referenceFacesOf(deps.db, searchId), candidates: await candidatesOfSearch(deps.db, searchId) };
  }
  return { search, confirmed: await candidatesOfSearch(deps.db, searchId, { status: 'confirmed' }) };
}

/**
 * Records a verifier's decision. A candidate is confirmed once `confirmations` distinct
 * verifiers confirmed it and rejected by one rejection; a verifier's second decision on the
 * same candidate is refused, so one person can never confirm alone.
 */
export async function decide(
  deps: Pick<CaseDeps, 'db' | 'confirmations'>,
  input: { candidateId: string; principal: Principal; decision: 'confirm' | 'reject'; note?: string | undefined },
): Promise<CandidateView> {
  const tokenId = input.principal.id;
  if (input.principal.role !== 'verifier' || !tokenId) throw new KinfinderError('forbidden', 'only a verifier can confirm or reject');
  return deps.db.transaction(async (tx) => {
    const c = await lockCandidate(tx, input.candidateId);
    if (!c) throw new KinfinderError('not_found', 'no such candidate');
    if (c.status !== 'pending') throw new KinfinderError('already_decided', `this candidate is already ${c.status}`);
    if (await hasDecided(tx, c.id, tokenId)) {
      throw new KinfinderError('conflict', 'you have already decided on this candidate; another verifier must review it');
    }
    await insertDecision(tx, { candidateId: c.id, tokenId, decision: input.decision, note: input.note?.trim() || null });
    await applyDecisions(tx, c.id, deps.confirmations);
    await refreshSearchStatus(tx, c.searchId);
    await recordAudit(tx, actor(input.principal), {
      action: `candidate.${input.decision}`,
      subjectType: 'candidate',
      subjectId: c.id,
      details: { searchId: c.searchId },
    });
    const view = await getCandidate(tx, c.id);
    return view!;
  });
}

/** Deletes a case's family data (reference photos, crops, embeddings) and closes it. */
export async function deleteCase(deps: Pick<CaseDeps, 'db' | 'blobs'>, searchId: string, principal: Principal): Promise<void> {
  if (principal.role === 'family' && principal.searchId !== searchId) throw new KinfinderError('forbidden', 'this access code opens another case');
  const keys = await deps.db.transaction(async (tx) => {
    if (!(await getSearch(tx, searchId))) throw new KinfinderError('not_found', 'no such case');
    const { blobKeys } = await deleteSearchData(tx, searchId);
    await revokeTokensOfSearch(tx, searchId);
    await recordAudit(tx, actor(principal), { action: 'search.delete', subjectType: 'search', subjectId: searchId });
    return blobKeys;
  });
  // After commit: a blob is removed only if nothing else (a gallery photo with the same bytes,
  // another case) still points at it.
  const inUse = await blobKeysInUse(deps.db, keys);
  for (const k of keys) if (!inUse.has(k)) await deps.blobs.delete(k);
}
