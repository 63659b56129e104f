import { clientTag } from '../access/client-tag.ts';
import { createCaseCode } from '../access/credentials.ts';
import { authorize } from '../access/policy.ts';
import { auditActor, isPrincipal, type Caller } from '../access/principal.ts';
import type { FaceAnalyser } from '../face/index.ts';
import type { ModelManifest } from '../face/manifest.ts';
import type { ImageLimits } from '../image/index.ts';
import { CASE_CANDIDATES } from '../match/rank.ts';
import { recordAudit } from '../store/audit.ts';
import type { BlobStore } from '../store/blobs.ts';
import { candidatesOfCase, upsertCandidates, type CandidateView } from '../store/candidates.ts';
import { insertCase, insertReferenceFace, refreshCaseStatus, referenceFacesOf, type CaseRow, type ReferenceFaceRow } from '../store/cases.ts';
import type { Database } from '../store/database.ts';
import { ensureModel } from '../store/photos.ts';
import { matchGallery } from './match.ts';
import { assertValidText } from '../text.ts';
import { chooseReferenceFaces, type ReferencePhoto } from './reference-photos.ts';

export interface CaseDeps {
  db: Database;
  blobs: BlobStore;
  faces: FaceAnalyser;
  manifest: ModelManifest;
  limits: ImageLimits;
}

export interface OpenedCase {
  case: CaseRow;
  referenceFaces: ReferenceFaceRow[];
  /** Only for a verifier: families never see unreviewed candidates. */
  candidates?: CandidateView[];
  /** For anyone but a verifier: the case code (`XXXX-XXXX-XXXX`) that opens this case, shown once. */
  caseCode?: string;
}

/**
 * Opens a case from one to five photos of one person: finds the face in each (the caller picks
 * one where a photo shows several), stores the reference faces, matches them against the
 * gallery and records the ranked candidates. The photos' blobs are written first (content
 * addressed, so a failure leaves only bytes that a later case would reuse); everything else,
 * the audit row included, is one transaction.
 */
export async function openCase(
  deps: CaseDeps,
  caller: Caller,
  input: { photos: ReferencePhoto[]; subject?: Record<string, unknown> | undefined; /** Where the request came from, for fair use of the engines. */ client?: string | undefined },
): Promise<OpenedCase> {
  authorize(caller, 'cases.open');
  // Before any blob is written: a subject the database would refuse left the family's photos on disk.
  assertValidText(input.subject, 'subject');
  const chosen = await chooseReferenceFaces(deps, input.photos, input.client ?? (isPrincipal(caller) ? caller.id ?? caller.name : undefined));
  const stored: Array<(typeof chosen)[number] & { photoSha256: string; cropSha256: string; displaySha256: string }> = [];
  for (const c of chosen) {
    stored.push({
      ...c,
      photoSha256: await deps.blobs.put(c.bytes),
      cropSha256: await deps.blobs.put(c.face.crop),
      displaySha256: await deps.blobs.put(c.display),
    });
  }
  const principal = isPrincipal(caller) ? caller : null;
  const isVerifier = principal?.role === 'verifier';
  return deps.db.transaction(async (tx) => {
    await ensureModel(tx, { id: deps.manifest.id, dims: deps.manifest.dims, manifest: deps.manifest });
    const opened = await insertCase(tx, { subject: input.subject ?? {}, modelId: deps.manifest.id, createdBy: principal?.id ?? null });
    const refs = [];
    for (const [photoIndex, s] of stored.entries()) {
      const id = await insertReferenceFace(tx, opened.id, deps.manifest.id, {
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
    await upsertCandidates(tx, opened.id, ranked);
    const status = (await refreshCaseStatus(tx, opened.id)) ?? opened.status;
    const caseCode = isVerifier ? undefined : (await createCaseCode(tx, { caseId: opened.id, createdBy: principal?.id ?? null })).caseCode;
    const client = caller === null ? await clientTag(tx, input.client) : undefined;
    await recordAudit(tx, auditActor(caller), {
      action: 'search.create',
      subjectType: 'search',
      subjectId: opened.id,
      details: { referencePhotos: stored.length, candidates: ranked.length, ...(client ? { client } : {}) },
    });
    return {
      case: { ...opened, status },
      referenceFaces: await referenceFacesOf(tx, opened.id),
      ...(isVerifier ? { candidates: await candidatesOfCase(tx, opened.id) } : {}),
      ...(caseCode ? { caseCode } : {}),
    };
  });
}
