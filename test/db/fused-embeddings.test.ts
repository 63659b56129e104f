import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { insertCase, insertReferenceFace } from '../../src/store/cases.ts';
import type { Database } from '../../src/store/database.ts';
import {
  embeddingsOfPhoto,
  explainNearestGalleryFaces,
  nearestFaceOfPhotos,
  nearestGalleryFaces,
  nearestOpenReferences,
  referenceEmbeddingsOfCase,
} from '../../src/store/matching.ts';
import { completePhoto, type NewFace } from '../../src/store/photos.ts';
import { updateReferenceFace } from '../../src/store/reembed.ts';
import { unitVector } from '../support/synthetic-gallery.ts';
import { openTestDb, testDbKind, type TestDb } from '../support/db.ts';

/**
 * The fused recogniser's 320-d vectors (issue 30, migration 0016) stored, ranked and read beside
 * face-api's 128-d ones: each length in its own column and HNSW index.
 */
const dot = (a: number[], b: number[]) => a.reduce((s, x, i) => s + x * b[i]!, 0);
const sha = (c: string) => c.repeat(64);

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

const face = (i: number, embedding: number[]): NewFace => ({
  faceIndex: i,
  box: { x: 10 * i, y: 0, width: 50, height: 50 },
  score: 0.9,
  landmarks: [],
  quality: {},
  cropSha256: sha('c'),
  embedding,
});

async function photoWith(hash: string, modelId: string, faces: NewFace[]): Promise<string> {
  const r = await db.query<{ id: string }>(
    `INSERT INTO photos (sha256, original_name, byte_size, status) VALUES ($1, 'x.jpg', 10, 'processing') RETURNING id`,
    [hash],
  );
  const id = r.rows[0]!.id;
  await db.transaction((tx) =>
    completePhoto(tx, id, { width: 100, height: 100, format: 'jpeg', displaySha256: sha('d'), modelId, faces }),
  );
  return id;
}

describe(`fused embeddings on ${testDbKind()}`, () => {
  it('stores, ranks and reads 320-d faces through their own index, beside 128-d ones', async () => {
    const fusedFaces = [face(0, unitVector(1, 320)), face(1, unitVector(2, 320))];
    const fusedPhoto = await photoWith(sha('a'), 'fused', fusedFaces);
    const plainPhoto = await photoWith(sha('b'), 'plain', [face(0, unitVector(3, 128))]);

    const query = unitVector(2, 320).map((x, i) => x + (i % 7) * 0.001);
    const hits = await db.transaction((tx) => nearestGalleryFaces(tx, query, { modelId: 'fused', k: 5, efSearch: 40 }));
    expect(hits).toHaveLength(2);
    expect(hits[0]!.photoId).toBe(fusedPhoto);
    const norm = Math.sqrt(dot(query, query));
    expect(hits[0]!.similarity).toBeCloseTo(dot(query, fusedFaces[1]!.embedding) / norm, 5);
    // three rows: the planner would scan and sort them; without that choice it must walk the 320-d index
    const plan = await db.transaction(async (tx) => {
      await tx.query(`SELECT set_config('enable_seqscan', 'off', true), set_config('enable_sort', 'off', true)`);
      return explainNearestGalleryFaces(tx, query, { modelId: 'fused', k: 5, efSearch: 40 });
    });
    expect(plan).toMatch(/faces_embedding_320_hnsw/);
    // the 128-d search is face-api's, on its own index, as before
    const plain = await db.transaction((tx) =>
      nearestGalleryFaces(tx, unitVector(3, 128), { modelId: 'plain', k: 5, efSearch: 40 }),
    );
    expect(plain.map((h) => h.photoId)).toEqual([plainPhoto]);
    expect(plain[0]!.similarity).toBeCloseTo(1, 5);

    const read = await embeddingsOfPhoto(db, fusedPhoto);
    expect(read.map((f) => f.embedding.length)).toEqual([320, 320]);
    expect(read[0]!.embedding[5]).toBeCloseTo(fusedFaces[0]!.embedding[5]!, 6);
    expect((await embeddingsOfPhoto(db, plainPhoto))[0]!.embedding).toHaveLength(128);

    const exact = await nearestFaceOfPhotos(db, [{ id: 'r', embedding: query }], [fusedPhoto, plainPhoto], 'fused');
    expect([...exact.keys()]).toEqual([fusedPhoto]);
  });

  it('refuses a face with both vectors or none', async () => {
    const r = await db.query<{ id: string }>(
      `INSERT INTO photos (sha256, original_name, byte_size) VALUES ($1, 'y.jpg', 10) RETURNING id`,
      [sha('e')],
    );
    const insert = (e128: string | null, e320: string | null) =>
      db.query(
        `INSERT INTO faces (photo_id, model_id, face_index, box_x, box_y, box_width, box_height, score, landmarks, quality, embedding, embedding_320)
         VALUES ($1, 'plain', 0, 0, 0, 10, 10, 0.9, '[]', '{}', $2::vector, $3::vector)`,
        [r.rows[0]!.id, e128, e320],
      );
    await expect(insert(null, null)).rejects.toThrow(/faces_one_embedding/);
    await expect(insert(JSON.stringify(unitVector(4, 128)), JSON.stringify(unitVector(4, 320)))).rejects.toThrow(
      /faces_one_embedding/,
    );
  });

  it("moves a family's reference face to the fused column when it is re-embedded", async () => {
    const c = await insertCase(db, { subject: {}, modelId: 'plain', createdBy: null });
    const ref = await insertReferenceFace(db, c.id, 'plain', {
      ...face(0, unitVector(5, 128)),
      photoSha256: sha('f'),
      photoIndex: 0,
      photoWidth: 100,
      photoHeight: 100,
      displaySha256: sha('d'),
    });
    const fused = unitVector(6, 320);
    await db.transaction((tx) =>
      updateReferenceFace(tx, ref, 'fused', {
        faceIndex: 0,
        box: { x: 0, y: 0, width: 50, height: 50 },
        score: 0.9,
        landmarks: [],
        quality: {},
        embedding: fused,
      }),
    );
    const refs = await referenceEmbeddingsOfCase(db, c.id, 'fused');
    expect(refs.map((r) => r.embedding.length)).toEqual([320]);
    const cols = await db.query<{ a: boolean; b: boolean }>(
      `SELECT embedding IS NULL AS a, embedding_320 IS NULL AS b FROM reference_faces WHERE id = $1`,
      [ref],
    );
    expect(cols.rows[0]).toEqual({ a: true, b: false });
    const near = await db.transaction((tx) =>
      nearestOpenReferences(tx, fused, { modelId: 'fused', k: 3, efSearch: 40 }),
    );
    expect(near.map((n) => n.referenceFaceId)).toEqual([ref]);
    expect(near[0]!.similarity).toBeCloseTo(1, 5);
  });
});
