import { authorizePrincipal } from '../access/policy.ts';
import { auditActor, type Caller } from '../access/principal.ts';
import { KinfinderError } from '../errors.ts';
import { bandFor, type ModelManifest } from '../face/manifest.ts';
import { recordsDisagree } from '../records/compare.ts';
import { recordAudit } from '../store/audit.ts';
import type { Database, Queryable } from '../store/database.ts';
import { nearestGalleryFaces } from '../store/matching.ts';
import {
  insertMergeDecision,
  insertMergeSuggestion,
  lockMergeSuggestion,
  mergeRefused,
  openMergeSuggestions,
  type MergeSuggestionRow,
} from '../store/person-merges.ts';
import { photosOfPersons, personsOfPhotos, type PersonPhoto } from '../store/persons.ts';
import { photoRecords } from '../store/records.ts';
import { movePhotosTo } from './group.ts';

/** Gallery faces looked at per face of a new photo for a suggested merge. */
const SUGGEST_K = 10;

/**
 * Suggested merges for a newly processed photo (issue 26 point 1): the archive faces nearest each
 * of its faces that are at least `strong` (both faces clear enough to be banded so), of another
 * person, whose photo's record does not disagree with this one's (src/records/compare.ts), and
 * whose persons an operator has not refused to merge before. Inside the standing search's
 * transaction; an operator answers them (decideSuggestion).
 */
export async function suggestMerges(
  tx: Queryable,
  manifest: ModelManifest,
  photoId: string,
  faces: ReadonlyArray<{ embedding: number[]; bandCap?: string | null | undefined }>,
): Promise<number> {
  const personOf = await personsOfPhotos(tx, [photoId]);
  const me = personOf.get(photoId);
  if (!me || faces.length === 0) return 0;
  const found = new Map<string, number>();
  for (const f of faces) {
    const hits = await nearestGalleryFaces(tx, f.embedding, { modelId: manifest.id, k: SUGGEST_K, efSearch: 100 });
    for (const h of hits) {
      if (h.photoId === photoId) continue;
      const strong =
        bandFor(h.similarity, manifest.calibration, { bandCap: f.bandCap ?? null }) === 'strong' &&
        bandFor(h.similarity, manifest.calibration, { bandCap: h.bandCap }) === 'strong';
      if (strong && h.similarity > (found.get(h.photoId) ?? -2)) found.set(h.photoId, h.similarity);
    }
  }
  if (found.size === 0) return 0;
  const persons = await personsOfPhotos(tx, [...found.keys()]);
  const records = await photoRecords(tx, [photoId, ...found.keys()]);
  const mine = records.get(photoId);
  let n = 0;
  for (const [other, similarity] of found) {
    const theirs = persons.get(other);
    if (!theirs || theirs === me) continue;
    const record = records.get(other);
    if (mine && record && recordsDisagree(mine, record)) continue;
    if (await mergeRefused(tx, me, theirs)) continue;
    await insertMergeSuggestion(tx, photoId, other, similarity);
    n++;
  }
  return n;
}

export interface SuggestionView extends MergeSuggestionRow {
  photosA: PersonPhoto[];
  photosB: PersonPhoto[];
}

/** `GET /persons/suggestions`: open suggestions, best first, each with both men's photos. */
export async function listSuggestions(
  deps: { db: Database },
  caller: Caller,
  opts: { limit: number },
): Promise<SuggestionView[]> {
  authorizePrincipal(caller, 'persons.manage');
  return deps.db.transaction(async (tx) => {
    const rows = await openMergeSuggestions(tx, opts.limit);
    const photos = await photosOfPersons(
      tx,
      rows.flatMap((r) => [r.personA, r.personB]),
    );
    return rows.map((r) => ({
      ...r,
      photosA: photos.filter((p) => p.personId === r.personA),
      photosB: photos.filter((p) => p.personId === r.personB),
    }));
  });
}

/**
 * `POST /persons/suggestions/:id`: an operator's answer, an append-only row. `accept` makes the
 * two persons one: every photo of the second goes to the first (src/persons/group.ts, their
 * cases' candidates as src/match/regroup.ts says). `refuse` keeps them apart, and no suggestion
 * for the same two men is made again.
 */
export async function decideSuggestion(
  deps: { db: Database },
  caller: Caller,
  input: { suggestionId: string; decision: 'accept' | 'refuse' },
): Promise<{ decision: 'accept' | 'refuse'; personId: string; photos: string[] }> {
  const p = authorizePrincipal(caller, 'persons.manage');
  return deps.db.transaction(async (tx) => {
    const s = await lockMergeSuggestion(tx, input.suggestionId);
    if (!s) throw new KinfinderError('not_found', 'no such suggestion');
    if (s.decision) throw new KinfinderError('already_decided', `this suggestion was answered already (${s.decision})`);
    const decisionId = await insertMergeDecision(tx, {
      suggestionId: s.id,
      decision: input.decision,
      tokenId: p.id,
      role: p.role,
    });
    let moved: string[] = [];
    let details: Record<string, unknown> = {};
    if (input.decision === 'accept') {
      if (s.personA === s.personB) throw new KinfinderError('conflict', 'these photos are of one person already');
      const photosB = (await photosOfPersons(tx, [s.personB])).map((x) => x.id);
      const r = await movePhotosTo(tx, { tokenId: p.id, role: p.role }, s.personA, photosB, 'merge', s.id);
      moved = r.moved;
      details = {
        into: s.personA,
        from: s.personB,
        photos: r.moved,
        mergedCandidates: r.regrouped.flatMap((g) => g.merged),
        cases: r.regrouped.flatMap((g) => g.cases.map((c) => c.id)),
      };
    }
    await recordAudit(tx, auditActor(p), {
      action: input.decision === 'accept' ? 'person.merge.accept' : 'person.merge.refuse',
      subjectType: 'person',
      subjectId: s.personA,
      details: { suggestionId: s.id, decisionId, other: s.personB, ...details },
    });
    return { decision: input.decision, personId: s.personA, photos: moved };
  });
}
