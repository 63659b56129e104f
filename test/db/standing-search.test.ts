import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JOBS } from '../../src/access/principal.ts';
import { matchGallery } from '../../src/match/search.ts';
import { loadManifest, type ModelManifest } from '../../src/face/manifest.ts';
import { CASE_CANDIDATES } from '../../src/match/rank.ts';
import { matchNewPhoto } from '../../src/match/standing.ts';
import type { Database } from '../../src/store/database.ts';
import { ensureModel } from '../../src/store/photos.ts';
import { openTestDb, testDbKind, type TestDb } from '../support/db.ts';
import { at, axis, syntheticGallery } from '../support/synthetic-gallery.ts';

// The standing search's rule on a real database with embeddings placed at chosen similarities
// (the face engine has no part in it): a face ingested after a case opened joins the case only
// if it ranks among the case's best CASE_CANDIDATES, as it would have had it been there first.

let t: TestDb;
let db: Database;
let manifest: ModelManifest;
let gallery: ReturnType<typeof syntheticGallery>;
const galleryPhoto = (embedding: number[]) => gallery.photo(embedding);
const openCase = async (reference: number[]) => (await gallery.openCase(reference)).caseId;

async function candidatesOf(searchId: string): Promise<Map<string, number>> {
  const r = await db.query<{ face_id: string; similarity: number }>(
    `SELECT face_id, similarity FROM candidates WHERE search_id = $1`,
    [searchId],
  );
  return new Map(r.rows.map((x) => [x.face_id, Number(x.similarity)]));
}

beforeAll(async () => {
  t = await openTestDb();
  db = t.db;
  manifest = await loadManifest();
  await ensureModel(db, { id: manifest.id, dims: manifest.dims, manifest });
  gallery = syntheticGallery(db, manifest);
});
afterAll(async () => {
  await t?.close();
});

describe(`standing search on ${testDbKind()}`, () => {
  const floor = () => manifest.calibration.floor;

  it("adds a later face only when it ranks among the case's best", async () => {
    // 60 gallery faces between 0.93 and 0.99 of the reference: the case keeps the best 50
    for (let i = 0; i < 60; i++) await galleryPhoto(at(0, 1 + i, 0.93 + i * 0.001));
    const caseId = await openCase(axis(0));
    const before = await candidatesOf(caseId);
    expect(before.size).toBe(CASE_CANDIDATES);
    const bar = Math.min(...before.values());
    expect(bar).toBeCloseTo(0.94, 3);

    // above the floor but below the case's 50th: one of the strangers a 10 % floor lets through
    const weak = await galleryPhoto(at(0, 70, 0.9));
    expect(0.9).toBeGreaterThan(floor());
    expect(await matchNewPhoto({ db, manifest }, JOBS, weak.photoId)).toMatchObject({
      faces: 1,
      candidates: 0,
      cases: 0,
    });
    expect((await candidatesOf(caseId)).has(weak.faceId)).toBe(false);

    // better than the case's 50th: proposed
    const good = await galleryPhoto(at(0, 71, 0.995));
    expect(await matchNewPhoto({ db, manifest }, JOBS, good.photoId)).toMatchObject({
      faces: 1,
      candidates: 1,
      cases: 1,
    });
    const after = await candidatesOf(caseId);
    expect(after.get(good.faceId)).toBeCloseTo(0.995, 3);
    expect(after.size).toBe(CASE_CANDIDATES + 1);

    // the same face again changes nothing
    expect(await matchNewPhoto({ db, manifest }, JOBS, good.photoId)).toMatchObject({ candidates: 0 });

    // what the case holds covers what a case search over today's gallery would show
    const fresh = await db.transaction((tx) =>
      matchGallery(tx, manifest, [{ id: 'any', embedding: axis(0) }], CASE_CANDIDATES),
    );
    for (const h of fresh) expect(after.has(h.faceId), `face at ${h.similarity.toFixed(3)}`).toBe(true);
  });

  it('fills a case that has fewer than its share with anything above the floor', async () => {
    // a person nobody in the gallery resembles: the case opens empty
    const caseId = await openCase(axis(100));
    expect((await candidatesOf(caseId)).size).toBe(0);
    const later = await galleryPhoto(at(100, 101, floor() + 0.01));
    expect(await matchNewPhoto({ db, manifest }, JOBS, later.photoId)).toMatchObject({ candidates: 1, cases: 1 });
    const below = await galleryPhoto(at(100, 102, floor() - 0.01));
    expect(await matchNewPhoto({ db, manifest }, JOBS, below.photoId)).toMatchObject({ candidates: 0 });
    expect([...(await candidatesOf(caseId)).keys()]).toEqual([later.faceId]);
  });
});
