import { clientTag } from '../access/client-tag.ts';
import { createCaseCode } from '../access/credentials.ts';
import { authorize, may } from '../access/policy.ts';
import { auditActor, isPrincipal, type Caller } from '../access/principal.ts';
import { answeredAsFamily, caseForFamily, type FamilyCase } from '../access/visibility.ts';
import type { Language } from '../i18n/languages.ts';
import { confirmedMatchesOfCase } from '../store/confirmed.ts';
import type { FaceAnalyser } from '../face/index.ts';
import type { ModelManifest } from '../face/manifest.ts';
import type { ImageLimits } from '../image/index.ts';
import { recordAudit } from '../store/audit.ts';
import type { BlobStore } from '../store/blobs.ts';
import { candidatesOfCase, type CandidateView } from '../store/candidates.ts';
import { insertCase, referenceFacesOf, type CaseRow, type ReferenceFaceRow } from '../store/cases.ts';
import type { Database } from '../store/database.ts';
import { ensureModel } from '../store/photos.ts';
import { searchForCase } from '../match/search.ts';
import { KinfinderError } from '../errors.ts';
import { checkSubjectFields, subjectIsSearchable, subjectRecord } from '../records/record.ts';
import { putCaseKeys } from '../store/records.ts';
import { assertValidText } from '../text.ts';
import { chooseReferenceFaces, type ReferencePhoto } from './reference-photos.ts';
import { insertReferenceFaces, putReferenceBlobs } from './store-reference-faces.ts';

export interface CaseDeps {
  db: Database;
  blobs: BlobStore;
  faces: FaceAnalyser;
  manifest: ModelManifest;
  limits: ImageLimits;
}

export interface OpenedCase {
  /** The case as staff read it. */
  case: CaseRow;
  /**
   * For a caller answered as a family (no token, or a case code): the case as its family reads
   * it, the same whether or not the archive holds candidates (src/access/visibility.ts).
   */
  forFamily?: FamilyCase;
  referenceFaces: ReferenceFaceRow[];
  /** Only for a verifier: families never see unreviewed candidates. */
  candidates?: CandidateView[];
  /** For anyone but a verifier: the case code (`XXXX-XXXX-XXXX`) that opens this case, shown once. */
  caseCode?: string;
}

/**
 * Opens a case from one to five photos of one person and what the family knows about them
 * (`subject`, DESIGN §11; a case with a surname or a document number needs no photo): finds the face in each (the caller picks
 * one where a photo shows several), stores the reference faces, matches them and the subject's record
 * against the archive and records the ranked candidates. The photos' blobs are written first (content
 * addressed, so a failure leaves only bytes that a later case would reuse); everything else,
 * the audit row included, is one transaction.
 */
export async function openCase(
  deps: CaseDeps,
  caller: Caller,
  input: {
    photos: ReferencePhoto[];
    subject?: Record<string, unknown> | undefined;
    /** Where the request came from, for fair use of the engines. */ client?: string | undefined;
    /** The family's language, kept with the case for the verifiers who write to them. */
    lang?: Language | undefined;
  },
): Promise<OpenedCase> {
  authorize(caller, 'cases.open');
  // Before any blob is written: a subject the database would refuse left the family's photos on disk.
  assertValidText(input.subject, 'subject');
  // Only the documented fields, as text, are stored (and shown to verifiers).
  const subject = checkSubjectFields(input.subject ?? {});
  // The family's description is checked (a birth date in the future, a year that is none) and
  // keyed before any photo is looked at, so a wrong field is reported without the wait.
  const record = subjectRecord(subject);
  const textToo = subjectIsSearchable(record);
  if (input.photos.length === 0 && !textToo) {
    throw new KinfinderError(
      'invalid_input',
      'upload at least one photo of the person, or give at least their surname or a document number',
      { reason: 'nothing_given' },
    );
  }
  const chosen = await chooseReferenceFaces(
    deps,
    input.photos,
    input.client ?? (isPrincipal(caller) ? (caller.id ?? caller.name) : undefined),
    { textToo },
  );
  const stored = await putReferenceBlobs(deps.blobs, chosen);
  const principal = isPrincipal(caller) ? caller : null;
  const isVerifier = may(principal, 'cases.open_to_review');
  return deps.db.transaction(async (tx) => {
    await ensureModel(tx, { id: deps.manifest.id, dims: deps.manifest.dims, manifest: deps.manifest });
    const opened = await insertCase(tx, {
      subject,
      modelId: deps.manifest.id,
      createdBy: principal?.id ?? null,
      lang: input.lang,
    });
    const refs = await insertReferenceFaces(tx, opened.id, deps.manifest.id, stored, 0);
    await putCaseKeys(tx, opened.id, record);
    const found = await searchForCase(tx, deps.manifest, opened.id, refs, record);
    const status = found.status ?? opened.status;
    const caseCode = isVerifier
      ? undefined
      : (await createCaseCode(tx, { caseId: opened.id, createdBy: principal?.id ?? null })).caseCode;
    const client = caller === null ? await clientTag(tx, input.client) : undefined;
    await recordAudit(tx, auditActor(caller), {
      action: 'search.create',
      subjectType: 'search',
      subjectId: opened.id,
      details: { referencePhotos: stored.length, candidates: found.created, ...(client ? { client } : {}) },
    });
    const forFamily = answeredAsFamily(principal)
      ? caseForFamily(opened, await confirmedMatchesOfCase(tx, opened.id))
      : undefined;
    return {
      case: { ...opened, status },
      ...(forFamily ? { forFamily } : {}),
      referenceFaces: await referenceFacesOf(tx, opened.id),
      ...(isVerifier ? { candidates: await candidatesOfCase(tx, opened.id) } : {}),
      ...(caseCode ? { caseCode } : {}),
    };
  });
}
