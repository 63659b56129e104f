import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JOBS } from '../src/access/principal.ts';
import { matchGallery } from '../src/cases/match.ts';
import { loadManifest, type ModelManifest } from '../src/face/manifest.ts';
import { CASE_CANDIDATES } from '../src/match/rank.ts';
import { matchNewPhoto } from '../src/match/standing.ts';
import { upsertCandidates } from '../src/store/candidates.ts';
import type { Database } from '../src/store/database.ts';
import { completePhoto, ensureModel, insertPhoto } from '../src/store/photos.ts';
import { insertCase, insertReferenceFace } from '../src/store/cases.ts';
import { openTestDb, testDbKind, type TestDb } from './support/db.ts';

// The standing search's rule on a real database with embeddings placed at chosen similarities
// (the face engine has no part in it): a face ingested after a case opened joins the case only
// if it ranks among the case's best CASE_CANDIDATES, as it would have had it been there first.

const DIMS = 128;
const hex64 = (n: number) => n.toString(16).padStart(64, '0');

/** Unit vector along axis `i`. */
function axis(i: number): number[] {
  const v = new Array<number>(DIMS).fill(0);
  v[i] = 1;
  return v;
}

/** A unit vector whose cosine with axis `along` is exactly `similarity` (the rest on axis `off`). */
function at(along: number, off: number, similarity: number): number[] {
  const v = axis(along).map((x) => x * similarity);
  v[off] = Math.sqrt(1 - similarity * similarity);
  return v;
}

let t: TestDb;
let db: Database;
let manifest: ModelManifest;
let photoCount = 0;

/** A done gallery photo with one face of the given embedding. */
async function galleryPhoto(embedding: number[]): Promise<{ photoId: string; faceId: string }> {
  const n = ++photoCount;
  return db.transaction(async (tx) => {
    const { id } = await insertPhoto(tx, { sha256: hex64(n), originalName: `g${n}.jpg`, byteSize: 1000, format: 'jpeg', sourceId: null, metadata: {} });
    await completePhoto(tx, id, {
      width: 250,
      height: 250,
      format: 'jpeg',
      displaySha256: hex64(1_000_000 + n),
      modelId: manifest.id,
      faces: [{ faceIndex: 0, box: { x: 80, y: 80, width: 90, height: 90 }, score: 0.99, landmarks: [], quality: {}, cropSha256: hex64(2_000_000 + n), embedding }],
    });
    const face = await tx.query<{ id: string }>(`SELECT id FROM faces WHERE photo_id = $1`, [id]);
    return { photoId: id, faceId: face.rows[0]!.id };
  });
}

/** Opens a case with one reference face and gives it what a case search over today's gallery finds. */
async function openCase(reference: number[]): Promise<string> {
  return db.transaction(async (tx) => {
    const search = await insertCase(tx, { subject: {}, modelId: manifest.id, createdBy: null });
    const refId = await insertReferenceFace(tx, search.id, manifest.id, {
      photoSha256: hex64(3_000_000 + photoCount),
      photoIndex: 0,
      photoWidth: 250,
      photoHeight: 250,
      displaySha256: hex64(4_000_000 + photoCount),
      faceIndex: 0,
      box: { x: 80, y: 80, width: 90, height: 90 },
      score: 0.99,
      landmarks: [],
      quality: {},
      cropSha256: hex64(5_000_000 + photoCount),
      embedding: reference,
    });
    await upsertCandidates(tx, search.id, await matchGallery(tx, manifest, [{ id: refId, embedding: reference }], CASE_CANDIDATES));
    return search.id;
  });
}

async function candidatesOf(searchId: string): Promise<Map<string, number>> {
  const r = await db.query<{ face_id: string; similarity: number }>(`SELECT face_id, similarity FROM candidates WHERE search_id = $1`, [searchId]);
  return new Map(r.rows.map((x) => [x.face_id, Number(x.similarity)]));
}

beforeAll(async () => {
  t = await openTestDb();
  db = t.db;
  manifest = await loadManifest();
  await ensureModel(db, { id: manifest.id, dims: DIMS, manifest });
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
    expect(await matchNewPhoto({ db, manifest }, JOBS, weak.photoId)).toMatchObject({ faces: 1, candidates: 0, cases: 0 });
    expect((await candidatesOf(caseId)).has(weak.faceId)).toBe(false);

    // better than the case's 50th: proposed
    const good = await galleryPhoto(at(0, 71, 0.995));
    expect(await matchNewPhoto({ db, manifest }, JOBS, good.photoId)).toMatchObject({ faces: 1, candidates: 1, cases: 1 });
    const after = await candidatesOf(caseId);
    expect(after.get(good.faceId)).toBeCloseTo(0.995, 3);
    expect(after.size).toBe(CASE_CANDIDATES + 1);

    // the same face again changes nothing
    expect(await matchNewPhoto({ db, manifest }, JOBS, good.photoId)).toMatchObject({ candidates: 0 });

    // what the case holds covers what a case search over today's gallery would show
    const fresh = await db.transaction((tx) => matchGallery(tx, manifest, [{ id: 'any', embedding: axis(0) }], CASE_CANDIDATES));
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
