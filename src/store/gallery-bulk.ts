import pgvector from 'pgvector';
import type { Database, Queryable } from './database.ts';
import { embeddingColumn, type EmbeddingColumn } from './embedding-columns.ts';
import { FACES_EMBEDDING_INDEX } from './faces-index.ts';

/**
 * Loading tens of thousands of archive faces at once: bench:queue's synthetic distractor faces
 * (issue 25), which make a 10,000- or 100,000-face archive out of lfw-dev's few thousand photos.
 * Ingest stores one photo at a time (insertPhoto, completePhoto: four statements and an HNSW
 * insertion a face), which on the embedded database is hours for 100,000 faces; here a batch of
 * photos is two statements over unnest'ed arrays, and the HNSW index is built once after the
 * load (`withFacesIndexRebuilt`). The rows are what ingest leaves: a done photo of the model
 * (with a person of its own, 0014's trigger), one face in the column of its vector's length, so
 * they count in the search's N (galleryFaceCount) and are found by the product's search.
 */
export interface BulkArchiveFace {
  photoId: string;
  faceId: string;
  sha256: string;
  embedding: ArrayLike<number>;
}

/** One face a photo, all of one length (one embedding column). */
export async function insertArchiveFaces(
  q: Queryable,
  modelId: string,
  rows: readonly BulkArchiveFace[],
  face: { box: { x: number; y: number; width: number; height: number }; score: number; quality: object },
): Promise<void> {
  if (rows.length === 0) return;
  const col = embeddingColumn(rows[0]!.embedding.length);
  if (rows.some((r) => embeddingColumn(r.embedding.length) !== col))
    throw new RangeError('insertArchiveFaces: embeddings of different lengths in one batch');
  await q.query(
    `INSERT INTO photos (id, sha256, original_name, byte_size, format, width, height, status, model_id, processed_at)
     SELECT t.id, t.sha, 'synthetic', 1000, 'jpeg', 250, 250, 'done', $3, now()
     FROM unnest($1::uuid[], $2::text[]) AS t(id, sha)`,
    [rows.map((r) => r.photoId), rows.map((r) => r.sha256), modelId],
  );
  // ${col} is one of two fixed column names (embedding-columns.ts), never input
  await q.query(
    `INSERT INTO faces (id, photo_id, model_id, face_index, box_x, box_y, box_width, box_height, score, landmarks, quality, ${col})
     SELECT t.id, t.photo_id, $4, 0, $5, $6, $7, $8, $9, '[]'::jsonb, $10::jsonb, t.e::vector
     FROM unnest($1::uuid[], $2::uuid[], $3::text[]) AS t(id, photo_id, e)`,
    [
      rows.map((r) => r.faceId),
      rows.map((r) => r.photoId),
      rows.map((r) => pgvector.toSql(Array.from(r.embedding)) as string),
      modelId,
      face.box.x,
      face.box.y,
      face.box.width,
      face.box.height,
      face.score,
      JSON.stringify(face.quality),
    ],
  );
}

/** The HNSW index of each embedding column (migrations 0004 and 0016). */
const INDEX_OF: Record<EmbeddingColumn, string> = {
  embedding: FACES_EMBEDDING_INDEX,
  embedding_320: 'faces_embedding_320_hnsw',
};

/**
 * Runs `load` with the faces HNSW index of `dims`-d vectors dropped, then builds it again with
 * the definition the migrations gave it (read back from the catalogue, so the rebuilt index is
 * exactly the product's): pgvector builds a graph in memory far faster than it inserts into one
 * row by row (BENCHMARKS.md "Search": 100,000 faces load in about a minute and build in about
 * six on PGlite). maintenance_work_mem is raised for the build so the graph fits in memory.
 */
export async function withFacesIndexRebuilt(
  db: Database,
  dims: number,
  load: () => Promise<void>,
  maintenanceWorkMem = '1GB',
): Promise<{ buildSeconds: number }> {
  if (!/^\d+(kB|MB|GB)$/.test(maintenanceWorkMem)) throw new RangeError(`maintenance_work_mem: ${maintenanceWorkMem}`);
  const name = INDEX_OF[embeddingColumn(dims)];
  const def = await db.query<{ indexdef: string }>(
    `SELECT indexdef FROM pg_indexes WHERE schemaname = current_schema() AND indexname = $1`,
    [name],
  );
  const ddl = def.rows[0]?.indexdef;
  if (!ddl) throw new Error(`index ${name} not found`);
  // `name` is one of the two fixed names above; `ddl` is the catalogue's own statement
  await db.exec(`DROP INDEX ${name}`);
  await load();
  const t0 = Date.now();
  await db.transaction(async (tx) => {
    await tx.query(`SELECT set_config('maintenance_work_mem', $1, true)`, [maintenanceWorkMem]);
    await tx.query(ddl);
  });
  await db.exec('ANALYZE faces');
  return { buildSeconds: (Date.now() - t0) / 1000 };
}
