import { authorizePrincipal } from '../access/policy.ts';
import { auditActor, type Caller } from '../access/principal.ts';
import { KinfinderError } from '../errors.ts';
import { recordAudit } from '../store/audit.ts';
import type { BlobStore } from '../store/blobs.ts';
import { blobKeysInUse } from '../store/cases.ts';
import type { Database, Queryable } from '../store/database.ts';
import type { ModelManifest } from '../face/manifest.ts';
import { ensureSource } from '../store/photos.ts';
import { livePhotosOfPersons, lockPersons, markPersonWithdrawn } from '../store/persons.ts';
import {
  correctPhotoRow,
  deleteFacesOfPhoto,
  lockPhotoForWithdrawal,
  markPhotoWithdrawn,
} from '../store/withdrawal.ts';
import type { NoticeQueue } from '../notices/news.ts';
import {
  dropCandidatesOfPhoto,
  refreshCasesAfterWithdrawal,
  rescoreAfterWithdrawal,
  type WithdrawnCandidates,
} from '../match/withdrawal.ts';
import { assertValidText } from '../text.ts';
import type { Category, CaseStatus } from '../vocabulary.ts';

/**
 * Corrections to the archive (DESIGN §12), by operators and admins, every one audited. Audit rows
 * carry ids, counts and categories, never the reason's text or metadata values (they may name
 * people); the reason is kept on the photo itself.
 */

export interface WithdrawnPhoto extends Omit<WithdrawnCandidates, 'casesBefore' | 'toRescore'> {
  /** Every case that had a candidate on the photo, with its status before and after. */
  cases: Array<{ id: string; before: CaseStatus; after: CaseStatus }>;
  /** Crops and the display copy: no longer referenced by this photo. */
  blobKeys: string[];
  faces: number;
}

/**
 * Takes a photo out of the archive, in one transaction: its faces (embeddings) and crops go, so
 * it matches nothing again; its candidates as src/match/withdrawal.ts keeps, re-scores and drops them; the
 * row stays, marked withdrawn with the reason, as the record. The files go after the commit.
 */
export async function withdrawPhoto(
  deps: { db: Database; blobs: BlobStore; manifest: ModelManifest; queue?: NoticeQueue | undefined },
  caller: Caller,
  photoId: string,
  input: { reason?: string | undefined },
): Promise<WithdrawnPhoto> {
  const p = authorizePrincipal(caller, 'photos.withdraw');
  const reason = (input.reason ?? '').trim();
  // `reason` names the message the caller reads in their language (api/errors.ts).
  if (!reason)
    throw new KinfinderError('invalid_input', 'say why the photo is withdrawn (reason)', {
      field: 'reason',
      reason: 'withdraw_reason',
    });
  assertValidText(reason, 'reason');
  const actor = auditActor(p)!;
  const result = await deps.db.transaction(async (tx) => {
    const r = await withdrawRows(
      tx,
      photoId,
      { reason, by: { id: actor.id, role: actor.role, personId: actor.personId ?? null } },
      deps,
    );
    await recordAudit(tx, actor, {
      action: 'photo.withdraw',
      subjectType: 'photo',
      subjectId: photoId,
      details: {
        faces: r.faces,
        removedCandidates: r.removedCandidates,
        rescoredCandidates: r.rescoredCandidates,
        keptCandidates: r.keptCandidates.map((c) => c.id),
        cases: r.cases.map((c) => c.id),
      },
    });
    // A case whose confirmed match was on this photo goes back to review: said in its own row,
    // so the case's history reads "confirmed … reopened because the photo was withdrawn".
    for (const c of r.cases) {
      if (c.before === 'match_confirmed' && c.after !== 'match_confirmed') {
        await recordAudit(tx, actor, {
          action: 'case.reopen',
          subjectType: 'search',
          subjectId: c.id,
          details: {
            cause: 'photo_withdrawn',
            photoId,
            candidates: r.keptCandidates.filter((k) => k.caseId === c.id && k.status === 'confirmed').map((k) => k.id),
            status: c.after,
          },
        });
      }
    }
    return r;
  });
  // After commit, and only what nothing else still points at (the same crop bytes elsewhere).
  const inUse = await blobKeysInUse(deps.db, result.blobKeys);
  for (const k of result.blobKeys) if (!inUse.has(k)) await deps.blobs.delete(k);
  return result;
}

async function withdrawRows(
  tx: Queryable,
  photoId: string,
  withdrawal: { reason: string; by: { id: string | null; role: string; personId: string | null } },
  deps: { manifest: ModelManifest; queue?: NoticeQueue | undefined },
): Promise<WithdrawnPhoto> {
  const photo = await lockPhotoForWithdrawal(tx, photoId);
  if (!photo) throw new KinfinderError('not_found', 'no such photo');
  if (photo.status === 'withdrawn') throw new KinfinderError('conflict', 'this photo was withdrawn already');
  const dropped = await dropCandidatesOfPhoto(tx, photoId);
  const faces = await deleteFacesOfPhoto(tx, photoId);
  await markPhotoWithdrawn(tx, photoId, { ...withdrawal, at: new Date() });
  // After the mark, the photo is no longer his: his undecided candidates are scored from the rest.
  await rescoreAfterWithdrawal(tx, deps.manifest, dropped);
  // After the mark: a candidate on a withdrawn photo no longer counts for its case.
  const cases = await refreshCasesAfterWithdrawal(tx, dropped, deps.queue);
  const keys = new Set<string>();
  if (photo.displaySha256) keys.add(photo.displaySha256);
  for (const f of faces) if (f.crop) keys.add(f.crop);
  return {
    removedCandidates: dropped.removedCandidates,
    rescoredCandidates: dropped.rescoredCandidates,
    keptCandidates: dropped.keptCandidates,
    cases,
    blobKeys: [...keys],
    faces: faces.length,
  };
}

/**
 * Withdraws an archive person (issue 26 point 4): every photo of his still in the archive is
 * withdrawn as withdrawPhoto withdraws one (faces and crops go, undecided candidates go, decided
 * ones stay as the record and their cases are reviewed again), and the person is marked
 * withdrawn with the reason, in one transaction, audited as the person's and each photo's.
 */
export async function withdrawPerson(
  deps: { db: Database; blobs: BlobStore; manifest: ModelManifest; queue?: NoticeQueue | undefined },
  caller: Caller,
  personId: string,
  input: { reason: string },
): Promise<{ photos: string[] } & Omit<WithdrawnPhoto, 'faces'>> {
  const p = authorizePrincipal(caller, 'persons.withdraw');
  const reason = input.reason.trim();
  if (!reason) throw new KinfinderError('invalid_input', 'say why the person is withdrawn (reason)');
  assertValidText(reason, 'reason');
  const actor = auditActor(p)!;
  const by = { id: actor.id, role: actor.role, personId: actor.personId ?? null };
  const result = await deps.db.transaction(async (tx) => {
    const [person] = await lockPersons(tx, [personId]);
    if (!person) throw new KinfinderError('not_found', 'no such person');
    if (person.withdrawal) throw new KinfinderError('conflict', 'this person was withdrawn already');
    if (person.mergedInto) throw new KinfinderError('conflict', 'this person was merged into another');
    const photos = ((await livePhotosOfPersons(tx, [personId])).get(personId) ?? []).slice();
    const all: WithdrawnPhoto[] = [];
    for (const photoId of photos) {
      const r = await withdrawRows(tx, photoId, { reason, by }, deps);
      all.push(r);
      await recordAudit(tx, actor, {
        action: 'photo.withdraw',
        subjectType: 'photo',
        subjectId: photoId,
        details: {
          personId,
          faces: r.faces,
          removedCandidates: r.removedCandidates,
          rescoredCandidates: r.rescoredCandidates,
          keptCandidates: r.keptCandidates.map((c) => c.id),
          cases: r.cases.map((c) => c.id),
        },
      });
    }
    await markPersonWithdrawn(tx, personId, { reason, at: new Date(), by });
    // A case's status before the first photo went and after the last.
    const cases = new Map<string, { id: string; before: CaseStatus; after: CaseStatus }>();
    for (const r of all)
      for (const c of r.cases)
        cases.set(c.id, { id: c.id, before: cases.get(c.id)?.before ?? c.before, after: c.after });
    const kept = all.flatMap((r) => r.keptCandidates);
    await recordAudit(tx, actor, {
      action: 'person.withdraw',
      subjectType: 'person',
      subjectId: personId,
      details: { photos, keptCandidates: kept.map((c) => c.id), cases: [...cases.keys()] },
    });
    for (const c of cases.values())
      if (c.before === 'match_confirmed' && c.after !== 'match_confirmed')
        await recordAudit(tx, actor, {
          action: 'case.reopen',
          subjectType: 'search',
          subjectId: c.id,
          details: {
            cause: 'person_withdrawn',
            personId,
            candidates: kept.filter((k) => k.caseId === c.id && k.status === 'confirmed').map((k) => k.id),
            status: c.after,
          },
        });
    return {
      photos,
      removedCandidates: all.reduce((n, r) => n + r.removedCandidates, 0),
      rescoredCandidates: all.reduce((n, r) => n + r.rescoredCandidates, 0),
      keptCandidates: kept,
      cases: [...cases.values()],
      blobKeys: [...new Set(all.flatMap((r) => r.blobKeys))],
    };
  });
  const inUse = await blobKeysInUse(deps.db, result.blobKeys);
  for (const k of result.blobKeys) if (!inUse.has(k)) await deps.blobs.delete(k);
  return result;
}

export interface PhotoCorrection {
  category?: Category | undefined;
  /** Replaces the whole metadata object. */
  metadata?: Record<string, unknown> | undefined;
  /** A new source name; null clears it. */
  source?: string | null | undefined;
}

export async function correctPhoto(
  deps: { db: Database },
  caller: Caller,
  photoId: string,
  change: PhotoCorrection,
): Promise<void> {
  const p = authorizePrincipal(caller, 'photos.correct');
  const fields = (['category', 'metadata', 'source'] as const).filter((k) => change[k] !== undefined);
  if (fields.length === 0) throw new KinfinderError('invalid_input', 'give at least one of category, metadata, source');
  assertValidText(change.metadata, 'metadata');
  assertValidText(change.source ?? undefined, 'source');
  await deps.db.transaction(async (tx) => {
    const sourceId =
      change.source === undefined
        ? undefined
        : change.source === null || change.source.trim() === ''
          ? null
          : await ensureSource(tx, change.source.trim());
    const r = await correctPhotoRow(tx, photoId, { category: change.category, metadata: change.metadata, sourceId });
    if (!r) throw new KinfinderError('not_found', 'no such photo');
    if (r.before.status === 'withdrawn') throw new KinfinderError('conflict', 'a withdrawn photo cannot be changed');
    await recordAudit(tx, auditActor(p), {
      action: 'photo.correct',
      subjectType: 'photo',
      subjectId: photoId,
      details: { fields, ...(change.category ? { category: { from: r.before.category, to: change.category } } : {}) },
    });
  });
}
