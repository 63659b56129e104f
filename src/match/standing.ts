import type { ModelManifest } from '../face/manifest.ts';
import { candidateBar } from '../store/candidates.ts';
import { CASE_CANDIDATES, efSearchFor } from './rank.ts';
import type { Database, Queryable } from '../store/database.ts';
import {
  embeddingsOfPhoto,
  nearestFaceOfPhotos,
  nearestOpenReferences,
  referenceEmbeddingsOfCase,
  type FaceMatch,
} from '../store/matching.ts';
import { getCase } from '../store/cases.ts';
import type { Caller } from '../access/principal.ts';
import { authorize } from '../access/policy.ts';
import { isKinfinderError } from '../errors.ts';
import { isLinkable, subjectRecord, type SubjectRecord } from '../records/record.ts';
import {
  archiveCounts,
  archiveSize,
  decidedEvidenceCounts,
  openCasesForRecord,
  photoRecords,
} from '../store/records.ts';
import { byMatchWeight, linkContext, scorePhoto, type LinkedCandidate } from './link.ts';
import { faceRates } from './face-rates.ts';
import { keepCandidates } from './keep.ts';

/** Open cases looked at per new face: far more than one face will plausibly match. */
const REFERENCES_PER_FACE = 100;

/** A stored subject keyed again; one stored before subjects were checked may not parse: it is then matched by the face alone. */
function storedSubject(subject: Record<string, unknown>): SubjectRecord | undefined {
  try {
    return subjectRecord(subject);
  } catch (err) {
    if (isKinfinderError(err)) return undefined;
    throw err;
  }
}

/**
 * Standing search: matches a newly ingested photo against every open case, by its faces (the
 * cases' reference faces nearest to each) and by its record (the cases whose subject's surname
 * or document number its record agrees with), scores each (case, face or photo) as a case search
 * would (src/match/link.ts) and adds those that rank among the case's best CASE_CANDIDATES as
 * pending candidates: a case ends up with what it would have been shown had the photo been
 * there when it opened, and its queue does not fill with the strangers that score above the
 * floor. Safe to repeat: existing candidates are kept (decided ones untouched).
 */
export async function matchNewPhoto(
  deps: { db: Database; manifest: ModelManifest },
  caller: Caller,
  photoId: string,
): Promise<{ faces: number; candidates: number; cases: number }> {
  authorize(caller, 'faces.match');
  return deps.db.transaction(async (tx) => {
    const faces = (await embeddingsOfPhoto(tx, photoId)).filter((f) => f.modelId === deps.manifest.id);
    const record = (await photoRecords(tx, [photoId])).get(photoId);
    // case → face → its best similarity to one of the case's reference faces
    const byFace = new Map<string, Map<string, FaceMatch>>();
    for (const f of faces) {
      const refs = await nearestOpenReferences(tx, f.embedding, {
        modelId: deps.manifest.id,
        k: REFERENCES_PER_FACE,
        efSearch: efSearchFor(REFERENCES_PER_FACE),
      });
      for (const r of refs) {
        if (r.similarity < deps.manifest.calibration.floor) continue;
        const forCase = byFace.get(r.searchId) ?? new Map();
        const prev = forCase.get(f.faceId);
        if (!prev || r.similarity > prev.similarity)
          forCase.set(f.faceId, {
            faceId: f.faceId,
            referenceFaceId: r.referenceFaceId,
            similarity: r.similarity,
            bandCap: f.bandCap,
          });
        byFace.set(r.searchId, forCase);
      }
    }
    const embeddings = new Map(faces.map((f) => [f.faceId, f.embedding]));
    const byRecord = record && isLinkable(record) ? await openCasesForRecord(tx, record) : [];
    const caseIds = new Set([...byFace.keys(), ...byRecord.map((c) => c.caseId)]);
    const size = caseIds.size > 0 ? await archiveSize(tx) : { photos: 0, records: 0 };
    const decided = caseIds.size > 0 ? await decidedEvidenceCounts(tx) : { confirmed: {}, rejected: {} };
    let created = 0;
    let touched = 0;
    for (const caseId of caseIds) {
      const ranked = await scoreForCase(
        tx,
        deps.manifest,
        caseId,
        photoId,
        embeddings,
        byFace.get(caseId),
        record,
        Math.max(size.photos, size.records),
        decided,
      );
      const bar = await candidateBar(tx, caseId, CASE_CANDIDATES);
      const kept = ranked.filter((c) => bar === null || beats(c, bar)).slice(0, CASE_CANDIDATES);
      if (kept.length === 0) continue;
      created += (await keepCandidates(tx, caseId, kept)).created;
      touched++;
    }
    return { faces: faces.length, candidates: created, cases: touched };
  });
}

function beats(c: LinkedCandidate, bar: { matchWeight: number; similarity: number | null }): boolean {
  // match_weight is a real (float4): compare at its precision.
  const w = Math.fround(c.matchWeight);
  const b = Math.fround(bar.matchWeight);
  return w > b || (w === b && (c.similarity ?? -2) > (bar.similarity ?? -2));
}

/** The new photo's candidates for one case: each face that matched, or the whole photo when only its record did. */
async function scoreForCase(
  tx: Queryable,
  manifest: ModelManifest,
  caseId: string,
  photoId: string,
  embeddings: ReadonlyMap<string, number[]>,
  faceHits: Map<string, FaceMatch> | undefined,
  record: Parameters<typeof scorePhoto>[1]['record'],
  archive: number,
  decided: Parameters<typeof linkContext>[4],
): Promise<LinkedCandidate[]> {
  const found = await getCase(tx, caseId);
  if (!found) return [];
  const subject = storedSubject(found.subject);
  const ctx = linkContext(
    subject,
    subject && record ? await archiveCounts(tx, subject) : {},
    archive,
    manifest.calibration,
    decided,
  );
  const refs = await referenceEmbeddingsOfCase(tx, caseId, manifest.id);
  if (faceHits && faceHits.size > 0) {
    // the same bar as the case's own search: each face read against its own strangers (bar.ts)
    const rates = await faceRates(tx, manifest, refs, [...faceHits.values()], embeddings);
    return [...faceHits.values()]
      .map((face) => scorePhoto(ctx, { photoId, face: { ...face, strangerRate: rates.get(face.faceId) }, record }))
      .filter((c): c is LinkedCandidate => c !== undefined)
      .sort(byMatchWeight);
  }
  // Found by the record: its face nearest the case's references, however far, is evidence too.
  const face = (await nearestFaceOfPhotos(tx, refs, [photoId], manifest.id)).get(photoId);
  const rate = face && (await faceRates(tx, manifest, refs, [face], embeddings)).get(face.faceId);
  const c = scorePhoto(ctx, { photoId, face: face && { ...face, strangerRate: rate }, record });
  return c ? [c] : [];
}
