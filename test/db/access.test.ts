import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createToken } from '../../src/access/credentials.ts';
import { issueToken } from '../../src/access/tokens.ts';
import { authorize, POLICY, type Action } from '../../src/access/policy.ts';
import { CLI, JOBS, type Caller, type Principal } from '../../src/access/principal.ts';
import { deleteCase } from '../../src/cases/delete.ts';
import { viewCase } from '../../src/cases/view.ts';
import { isKinfinderError } from '../../src/errors.ts';
import { loadManifest, type ModelManifest } from '../../src/face/manifest.ts';
import {
  readFaceCrop,
  readPhoto,
  readPhotoImage,
  readReferenceCrop,
  readReferencePhoto,
} from '../../src/gallery/read.ts';
import { decide } from '../../src/review/decide.ts';
import { readReviewQueue } from '../../src/review/queue.ts';
import { FsBlobStore } from '../../src/store/blobs.ts';
import { ensureModel } from '../../src/store/photos.ts';
import { ROLES, type Role } from '../../src/vocabulary.ts';
import { openTestDb, testDbKind, type TestDb } from '../support/db.ts';
import { at, axis, syntheticGallery } from '../support/synthetic-gallery.ts';

// Who may do what, and what each caller may read, asked of the use cases themselves: no HTTP.

async function codeOf(p: Promise<unknown> | (() => unknown)): Promise<string> {
  try {
    await (typeof p === 'function' ? p() : p);
    return 'ok';
  } catch (err) {
    if (isKinfinderError(err)) return err.code;
    throw err;
  }
}

describe('the access policy', () => {
  const callers: Array<[string, Caller]> = [
    ['anonymous', null],
    ['cli', CLI],
    ['jobs', JOBS],
    ...ROLES.map((role): [string, Caller] => [
      role,
      { id: 'x', role, name: role, caseId: role === 'family' ? 'c' : null },
    ]),
  ];
  it('admits exactly the roles each action names, 401 for nobody and 403 for the rest', async () => {
    for (const action of Object.keys(POLICY) as Action[]) {
      const allowed: readonly string[] = POLICY[action];
      for (const [label, caller] of callers) {
        const expected =
          caller === null
            ? allowed.includes('anonymous')
              ? 'ok'
              : 'unauthorized'
            : allowed.includes(label) || ((label === 'cli' || label === 'jobs') && allowed.includes('system'))
              ? 'ok'
              : 'forbidden';
        expect(await codeOf(() => authorize(caller, action)), `${action} by ${label}`).toBe(expected);
      }
    }
  });
  it('keeps the archive from families and the audit log to admins', () => {
    expect(POLICY['photos.read']).not.toContain('family');
    expect(POLICY['audit.read']).toEqual(['admin']);
    expect(POLICY['review.decide']).toEqual(['verifier', 'admin']);
    expect(POLICY['cases.open']).not.toContain('family');
  });
  it('keeps jobs to the job runner: the command line is not it', () => {
    expect(POLICY['photos.process']).toEqual(['jobs']);
    expect(POLICY['faces.match']).toEqual(['jobs']);
  });
});

describe(`what each caller may read, on ${testDbKind()}`, () => {
  let t: TestDb;
  let manifest: ModelManifest;
  let blobs: FsBlobStore;
  let blobDir: string;
  const who: Partial<Record<'familyOwn' | 'familyOther' | Role | 'verifier2', Principal>> = {};
  let caseId: string;
  let referenceFaceId: string;
  let mate: { photoId: string; faceId: string };
  let other: { photoId: string; faceId: string };
  const deps = () => ({ db: t.db, blobs, limits: { maxBytes: 1e7, maxPixels: 5e7 } });

  async function principal(role: Role, name: string, caseOf?: string): Promise<Principal> {
    if (role === 'family') {
      const { row } = await createToken(t.db, { role, name, caseId: caseOf ?? null });
      return { id: row.id, role, name, caseId: row.caseId };
    }
    const issued = await issueToken({ db: t.db }, CLI, { role, name });
    return { id: issued.id, role, name, caseId: null, personId: issued.personId };
  }

  beforeAll(async () => {
    t = await openTestDb();
    manifest = await loadManifest();
    await ensureModel(t.db, { id: manifest.id, dims: manifest.dims, manifest });
    blobDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kinfinder-access-'));
    blobs = new FsBlobStore(blobDir);
    const jpeg = (r: number) =>
      sharp({ create: { width: 64, height: 64, channels: 3, background: { r, g: 90, b: 90 } } })
        .jpeg()
        .toBuffer();
    const gallery = syntheticGallery(t.db, manifest);
    mate = await gallery.photo(at(0, 1, 0.99), {
      display: await blobs.put(await jpeg(10)),
      crop: await blobs.put(await jpeg(20)),
    });
    other = await gallery.photo(at(0, 2, 0.97), {
      display: await blobs.put(await jpeg(30)),
      crop: await blobs.put(await jpeg(40)),
    });
    ({ caseId, referenceFaceId } = await gallery.openCase(axis(0), {
      crop: await blobs.put(await jpeg(50)),
      display: await blobs.put(await jpeg(60)),
    }));
    const otherCase = await gallery.openCase(axis(5));
    who.familyOwn = await principal('family', 'case access', caseId);
    who.familyOther = await principal('family', 'case access', otherCase.caseId);
    who.operator = await principal('operator', 'records office');
    who.verifier = await principal('verifier', 'verifier one');
    who.verifier2 = await principal('verifier', 'verifier two');
    who.admin = await principal('admin', 'admin');
  });
  afterAll(async () => {
    await t?.close();
    fs.rmSync(blobDir, { recursive: true, force: true });
  });

  it('shows a family nothing of the archive until a match is confirmed, then only that', async () => {
    const family = who.familyOwn!;
    expect(await codeOf(readPhotoImage(deps(), family, mate.photoId))).toBe('not_found');
    expect(await codeOf(readFaceCrop(deps(), family, mate.faceId))).toBe('not_found');
    const before = await viewCase(deps(), family, caseId);
    expect(before).toMatchObject({ for: 'family', confirmed: [] });

    const candidateId = (
      await t.db.query<{ id: string }>(`SELECT id FROM candidates WHERE search_id = $1 AND face_id = $2`, [
        caseId,
        mate.faceId,
      ])
    ).rows[0]!.id;
    await decide({ db: t.db, confirmations: 2 }, who.verifier!, { candidateId, decision: 'confirm' });
    expect(await codeOf(readPhotoImage(deps(), family, mate.photoId)), 'one confirmation is not enough').toBe(
      'not_found',
    );
    await decide({ db: t.db, confirmations: 2 }, who.verifier2!, { candidateId, decision: 'confirm' });

    expect((await readPhotoImage(deps(), family, mate.photoId)).length).toBeGreaterThan(100);
    expect((await readFaceCrop(deps(), family, mate.faceId)).length).toBeGreaterThan(100);
    // the other candidate of the same case stays hidden, and another family sees nothing
    expect(await codeOf(readPhotoImage(deps(), family, other.photoId))).toBe('not_found');
    expect(await codeOf(readFaceCrop(deps(), family, other.faceId))).toBe('not_found');
    expect(await codeOf(readPhotoImage(deps(), who.familyOther!, mate.photoId))).toBe('not_found');

    const after = await viewCase(deps(), family, caseId);
    if (after.for !== 'family') throw new Error('a family got the staff view');
    expect(after.confirmed.map((m) => m.id)).toEqual([candidateId]);
    // only what DESIGN §9 and §16 let a family see (what became of him: approved events only), the verifiers are not there
    expect(Object.keys(after.confirmed[0]!).sort()).toEqual([
      'category',
      'confirmedAt',
      'familyMessage',
      'history',
      'id',
      'reachedBy',
      'status',
    ]);
  });

  it('gives verifiers the whole case and families only their own', async () => {
    const staff = await viewCase(deps(), who.verifier!, caseId);
    expect(staff.for).toBe('staff');
    if (staff.for === 'staff')
      expect(staff.candidates.map((c) => c.faceId)).toEqual(expect.arrayContaining([mate.faceId, other.faceId]));
    expect(await codeOf(viewCase(deps(), who.familyOther!, caseId))).toBe('forbidden');
    expect(await codeOf(viewCase(deps(), who.operator!, caseId))).toBe('forbidden');
    expect(await codeOf(viewCase(deps(), null, caseId))).toBe('unauthorized');
  });

  it("shows a family's reference photos to verifiers and that family, not to operators or other families", async () => {
    for (const read of [readReferenceCrop, readReferencePhoto]) {
      expect((await read(deps(), who.verifier!, referenceFaceId)).length).toBeGreaterThan(100);
      expect((await read(deps(), who.familyOwn!, referenceFaceId)).length).toBeGreaterThan(100);
      expect(await codeOf(read(deps(), who.familyOther!, referenceFaceId))).toBe('not_found');
      expect(await codeOf(read(deps(), who.operator!, referenceFaceId))).toBe('forbidden');
      expect(await codeOf(read(deps(), CLI, referenceFaceId))).toBe('forbidden');
    }
  });

  it('gives archive records to staff only, and audits every read', async () => {
    const n0 = Number(
      (await t.db.query<{ n: number }>(`SELECT count(*)::integer AS n FROM audit_events WHERE action = 'photo.read'`))
        .rows[0]!.n,
    );
    expect((await readPhoto(deps(), who.operator!, mate.photoId)).faces).toHaveLength(1);
    expect((await readPhoto(deps(), who.verifier!, mate.photoId)).photo.id).toBe(mate.photoId);
    expect(await codeOf(readPhoto(deps(), who.familyOwn!, mate.photoId))).toBe('forbidden');
    expect(await codeOf(readPhoto(deps(), who.admin!, mate.photoId))).toBe('forbidden');
    const n1 = Number(
      (await t.db.query<{ n: number }>(`SELECT count(*)::integer AS n FROM audit_events WHERE action = 'photo.read'`))
        .rows[0]!.n,
    );
    expect(n1 - n0).toBe(2);
  });

  it('counts people, not tokens, in the two-person rule', async () => {
    const { caseId: c2 } = await syntheticGallery(t.db, manifest).openCase(axis(0));
    const candidateId = (
      await t.db.query<{ id: string }>(
        `SELECT id FROM candidates WHERE search_id = $1 ORDER BY similarity DESC LIMIT 1`,
        [c2],
      )
    ).rows[0]!.id;
    // a second token for "Verifier One", typed differently, is the same person
    const again = await principal('verifier', '  verifier ONE ');
    expect(again.personId).toBe(who.verifier!.personId);
    await decide({ db: t.db, confirmations: 2 }, who.verifier!, {
      candidateId,
      decision: 'confirm',
      note: 'same ears',
    });
    expect(await codeOf(decide({ db: t.db, confirmations: 2 }, again, { candidateId, decision: 'confirm' }))).toBe(
      'conflict',
    );
    const byAnother = await decide({ db: t.db, confirmations: 2 }, who.verifier2!, {
      candidateId,
      decision: 'confirm',
    });
    expect(byAnother.status).toBe('confirmed');
    expect([...(byAnother.confirmedBy ?? [])].sort()).toEqual([who.verifier!.personId, who.verifier2!.personId].sort());
    // the audit names the person behind each decision
    const audit = await t.db.query<{ actor_person_id: string }>(
      `SELECT actor_person_id FROM audit_events WHERE action = 'candidate.confirm' AND subject_id = $1 ORDER BY id`,
      [candidateId],
    );
    expect(audit.rows.map((r) => r.actor_person_id)).toEqual([who.verifier!.personId, who.verifier2!.personId]);
    // the note goes with the case when the family deletes it; the decisions stay
    const notes = async () =>
      Number(
        (
          await t.db.query<{ n: number }>(
            `SELECT count(*)::integer AS n FROM decision_notes n JOIN decisions d ON d.id = n.decision_id WHERE d.candidate_id = $1`,
            [candidateId],
          )
        ).rows[0]!.n,
      );
    expect(await notes()).toBe(1);
    await deleteCase(deps(), who.admin!, c2);
    expect(await notes()).toBe(0);
    expect((await t.db.query(`SELECT 1 FROM decisions WHERE candidate_id = $1`, [candidateId])).rows).toHaveLength(2);
  });

  it('audits each candidate a verifier is shown, and nothing for an empty page', async () => {
    const count = async () =>
      Number(
        (
          await t.db.query<{ n: number }>(
            `SELECT count(*)::integer AS n FROM audit_events WHERE action = 'candidate.read'`,
          )
        ).rows[0]!.n,
      );
    const before = await count();
    const page = await readReviewQueue(deps(), who.verifier2!, { limit: 5 });
    expect(await count()).toBe(before + page.items.length);
    const seen = await t.db.query<{ subject_id: string }>(
      `SELECT subject_id FROM audit_events WHERE action = 'candidate.read' ORDER BY id DESC LIMIT $1`,
      [page.items.length],
    );
    expect(seen.rows.map((r) => r.subject_id).sort()).toEqual(page.items.map((i) => i.id).sort());
    // once this verifier has decided everything shown, the page is empty and writes nothing
    for (const item of page.items)
      await decide({ db: t.db, confirmations: 2 }, who.verifier2!, { candidateId: item.id, decision: 'reject' });
    const n = await count();
    expect((await readReviewQueue(deps(), who.verifier2!, { limit: 5 })).items).toEqual([]);
    expect(await count()).toBe(n);
    expect(await codeOf(readReviewQueue(deps(), who.admin!, { limit: 5 }))).toBe('forbidden');
  });

  it("lets only the case's own family (or an admin) delete it", async () => {
    expect(await codeOf(deleteCase(deps(), who.familyOther!, caseId))).toBe('forbidden');
    expect(await codeOf(deleteCase(deps(), who.verifier!, caseId))).toBe('forbidden');
    expect(await deleteCase(deps(), who.familyOwn!, caseId)).toBeUndefined();
    expect(await codeOf(viewCase(deps(), who.verifier!, caseId))).toBe('not_found');
  });
});
