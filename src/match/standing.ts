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
import { linkContext, scorePerson, type LinkedCandidate, type PhotoEvidence } from './link.ts';
import { livePhotosOfPersons, personsOfPhotos } from '../store/persons.ts';
import type { ArchiveRecord } from '../records/record.ts';
import { suggestMerges } from '../persons/suggestions.ts';
import { faceRates, rateContext, type RateContext } from './face-rates.ts';
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
    // The new photo is evidence for its person (issue 26): his other photos are scored with it.
    const personId = (await personsOfPhotos(tx, [photoId])).get(photoId);
    if (!personId) return { faces: 0, candidates: 0, cases: 0 };
    const others = ((await livePhotosOfPersons(tx, [personId])).get(personId) ?? []).filter((p) => p !== photoId);
    const records = await photoRecords(tx, [photoId, ...others]);
    const record = records.get(photoId);
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
    // The bar's cohort and the new faces' figures: read once for the photo, not once a case.
    const rating = caseIds.size > 0 ? await rateContext(tx, deps.manifest) : undefined;
    let created = 0;
    let touched = 0;
    for (const caseId of caseIds) {
      const ranked = await scoreForCase(
        tx,
        deps.manifest,
        caseId,
        { personId, photoId, others, records, embeddings },
        byFace.get(caseId),
        Math.max(size.photos, size.records),
        decided,
        rating,
      );
      const bar = await candidateBar(tx, caseId, CASE_CANDIDATES);
      const kept = ranked.filter((c) => bar === null || beats(c, bar)).slice(0, CASE_CANDIDATES);
      if (kept.length === 0) continue;
      created += (await keepCandidates(tx, caseId, kept)).created;
      touched++;
    }
    // Photos of other persons that look like the same man: suggested to an operator (issue 26).
    await suggestMerges(tx, deps.manifest, photoId, faces);
    return { faces: faces.length, candidates: created, cases: touched };
  });
}

/**
 * One archive person scored again for one case from what of his is still in the archive (a
 * photo of his was withdrawn, src/match/withdrawal.ts): each live photo's face nearest the case's
 * references and every record of his, as scoreForCase scores a man found by his record (the
 * case search's rules: link.ts:scorePerson, the bar's face rates). Undefined when nothing of his
 * would be proposed (no face above the floor, no record that says enough).
 */
export async function rescorePersonForCase(
  tx: Queryable,
  manifest: ModelManifest,
  caseId: string,
  personId: string,
): Promise<LinkedCandidate | undefined> {
  const photos = (await livePhotosOfPersons(tx, [personId])).get(personId) ?? [];
  const [first, ...others] = photos;
  if (!first) return undefined;
  const size = await archiveSize(tx);
  const [c] = await scoreForCase(
    tx,
    manifest,
    caseId,
    { personId, photoId: first, others, records: await photoRecords(tx, photos), embeddings: new Map() },
    undefined,
    Math.max(size.photos, size.records),
    await decidedEvidenceCounts(tx),
  );
  return c;
}

function beats(c: LinkedCandidate, bar: { matchWeight: number; similarity: number | null }): boolean {
  // match_weight is a real (float4): compare at its precision.
  const w = Math.fround(c.matchWeight);
  const b = Math.fround(bar.matchWeight);
  return w > b || (w === b && (c.similarity ?? -2) > (bar.similarity ?? -2));
}

/**
 * The new photo's person as a candidate for one case: the faces of the new photo that matched
 * (or, found by its record, its face nearest the case's references), with his other photos'
 * nearest faces and every record of his, scored as one man (link.ts:scorePerson).
 */
async function scoreForCase(
  tx: Queryable,
  manifest: ModelManifest,
  caseId: string,
  person: {
    personId: string;
    photoId: string;
    others: string[];
    records: Map<string, ArchiveRecord>;
    /** The new photo's faces' embeddings (the face rates' cohort figures need them). */
    embeddings: ReadonlyMap<string, number[]>;
  },
  faceHits: Map<string, FaceMatch> | undefined,
  archive: number,
  decided: Parameters<typeof linkContext>[4],
  rating?: RateContext,
): Promise<LinkedCandidate[]> {
  const found = await getCase(tx, caseId);
  if (!found) return [];
  const subject = storedSubject(found.subject);
  const { personId, photoId, others, records } = person;
  const ctx = linkContext(
    subject,
    subject && records.size > 0 ? await archiveCounts(tx, subject) : {},
    archive,
    manifest.calibration,
    decided,
  );
  const evidence: PhotoEvidence[] = [];
  const hits = faceHits && faceHits.size > 0 ? [...faceHits.values()] : [];
  const refs = await referenceEmbeddingsOfCase(tx, caseId, manifest.id);
  // Found by the record: its face nearest the case's references, however far, is evidence too.
  const unmatched = hits.length > 0 ? others : [photoId, ...others];
  const nearest: Map<string, FaceMatch> =
    refs.length > 0 ? await nearestFaceOfPhotos(tx, refs, unmatched, manifest.id) : new Map();
  // the same bar as the case's own search: each face read against its own strangers (bar.ts)
  const rates = await faceRates(tx, manifest, refs, [...hits, ...nearest.values()], person.embeddings, rating);
  const rated = (face: FaceMatch | undefined) => face && { ...face, strangerRate: rates.get(face.faceId) };
  for (const face of hits) evidence.push({ personId, photoId, face: rated(face), record: records.get(photoId) });
  for (const p of unmatched)
    evidence.push({ personId, photoId: p, face: rated(nearest.get(p)), record: records.get(p) });
  const c = scorePerson(ctx, evidence);
  return c ? [c] : [];
}
