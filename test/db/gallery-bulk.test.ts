import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/store/database.ts';
import { insertArchiveFaces, withFacesIndexRebuilt } from '../../src/store/gallery-bulk.ts';
import { explainNearestGalleryFaces, galleryFaceCount, nearestGalleryFaces } from '../../src/store/matching.ts';
import { unitVector } from '../support/synthetic-gallery.ts';
import { openTestDb, type TestDb } from '../support/db.ts';

/**
 * bench:queue's bulk load of synthetic archive faces (src/store/gallery-bulk.ts): the rows are
 * archive faces like ingest's (counted in the search's N, found by the product's search through
 * the HNSW index), in the column of their length, and the index is rebuilt as the migrations made it.
 */
const hex = (n: number, w: number) => n.toString(16).padStart(w, '0');
const row = (i: number, dims: number) => ({
  photoId: `00000000-0000-4000-a000-${hex(dims * 1000 + i, 12)}`,
  faceId: `00000000-0000-4000-b000-${hex(dims * 1000 + i, 12)}`,
  sha256: hex(dims * 1000 + i, 64),
  embedding: unitVector(dims * 1000 + i + 1, dims),
});
const face = { box: { x: 70, y: 70, width: 110, height: 110 }, score: 0.99, quality: { synthetic: true } };

let t: TestDb;
let db: Database;

beforeAll(async () => {
  t = await openTestDb();
  db = t.db;
  await db.query(`INSERT INTO models (id, dims, manifest) VALUES ('plain', 128, '{}'), ('fused', 320, '{}')`);
});
afterAll(async () => {
  await t?.close();
});

const indexDefs = async () =>
  (
    await db.query<{ indexname: string; indexdef: string }>(
      `SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = current_schema() AND tablename = 'faces' ORDER BY indexname`,
    )
  ).rows;

describe('bulk archive faces', () => {
  for (const [modelId, dims] of [
    ['plain', 128],
    ['fused', 320],
  ] as const) {
    it(`${dims}-d: stored as done photos with one face each, counted and found through the rebuilt index`, async () => {
      const before = await indexDefs();
      const rows = Array.from({ length: 300 }, (_, i) => row(i, dims));
      const { buildSeconds } = await withFacesIndexRebuilt(db, dims, async () => {
        // the index is gone while the load runs
        expect((await indexDefs()).length).toBe(before.length - 1);
        await insertArchiveFaces(db, modelId, rows.slice(0, 150), face);
        await insertArchiveFaces(db, modelId, rows.slice(150), face);
      });
      expect(buildSeconds).toBeGreaterThanOrEqual(0);
      expect(await indexDefs()).toEqual(before);
      expect(await galleryFaceCount(db, modelId)).toBe(300);
      const photos = await db.query<{ n: number; persons: number }>(
        `SELECT count(*)::integer AS n, count(DISTINCT person_id)::integer AS persons FROM photos
         WHERE status = 'done' AND model_id = $1 AND id = ANY($2::uuid[])`,
        [modelId, rows.map((r) => r.photoId)],
      );
      expect(photos.rows[0]).toEqual({ n: 300, persons: 300 });
      const target = rows[123]!;
      const hits = await db.transaction(async (tx) => {
        // 300 rows: the planner would rather scan; barred from it, the search must walk the rebuilt index
        await tx.query(`SELECT set_config('enable_seqscan', 'off', true), set_config('enable_sort', 'off', true)`);
        const plan = await explainNearestGalleryFaces(tx, target.embedding, { modelId, k: 5, efSearch: 40 });
        expect(plan).toContain(dims === 128 ? 'faces_embedding_hnsw' : 'faces_embedding_320_hnsw');
        return nearestGalleryFaces(tx, target.embedding, { modelId, k: 5, efSearch: 40 });
      });
      expect(hits[0]).toMatchObject({ faceId: target.faceId, photoId: target.photoId, bandCap: null });
      expect(hits[0]!.similarity).toBeCloseTo(1, 5);
    });
  }

  it('refuses a batch mixing lengths, writing nothing', async () => {
    await expect(insertArchiveFaces(db, 'plain', [row(900, 128), row(901, 320)], face)).rejects.toThrow(/lengths/);
    expect(await galleryFaceCount(db, 'plain')).toBe(300);
  });
});
