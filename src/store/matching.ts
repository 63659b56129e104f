import pgvector from 'pgvector';
import type { Queryable } from './database.ts';

/**
 * Transaction-local HNSW settings (SET LOCAL semantics through set_config(…, true), which takes
 * parameters): the candidate-list size, and iterative scan so a filtered query keeps walking
 * the graph until enough rows pass the filter.
 */
async function tuneHnsw(tx: Queryable, efSearch: number): Promise<void> {
  await tx.query(`SELECT set_config('hnsw.ef_search', $1, true), set_config('hnsw.iterative_scan', 'relaxed_order', true)`, [String(efSearch)]);
}

// The gallery search, one text for the query and its EXPLAIN.
const NEAREST_GALLERY_FACES_SQL = `SELECT id AS "faceId", photo_id AS "photoId", 1 - (embedding <=> $1::vector) AS similarity
     FROM faces WHERE model_id = $2
     ORDER BY embedding <=> $1::vector LIMIT $3`;

/**
 * Nearest gallery faces to one embedding through the HNSW index. Must run inside a transaction:
 * the SET LOCALs below last until it ends. Filtering by model makes pgvector's iterative scan
 * keep walking the graph until `k` rows pass the filter instead of returning too few.
 */
export async function nearestGalleryFaces(
  tx: Queryable,
  embedding: number[],
  opts: { modelId: string; k: number; efSearch: number },
): Promise<Array<{ faceId: string; photoId: string; similarity: number }>> {
  await tuneHnsw(tx, opts.efSearch);
  const r = await tx.query<{ faceId: string; photoId: string; similarity: number }>(NEAREST_GALLERY_FACES_SQL, [pgvector.toSql(embedding), opts.modelId, opts.k]);
  // relaxed_order may return rows slightly out of order: the exact similarities decide.
  return r.rows.sort((a, b) => b.similarity - a.similarity);
}

/**
 * The plan `nearestGalleryFaces` gets for these arguments, with the same settings: bench:search
 * checks that the product's query walks the index it measures. Inside a transaction, like it.
 */
export async function explainNearestGalleryFaces(tx: Queryable, embedding: number[], opts: { modelId: string; k: number; efSearch: number }): Promise<string> {
  await tuneHnsw(tx, opts.efSearch);
  const r = await tx.query<Record<string, string>>(`EXPLAIN ${NEAREST_GALLERY_FACES_SQL}`, [pgvector.toSql(embedding), opts.modelId, opts.k]);
  return r.rows.map((row) => Object.values(row)[0]).join('\n');
}

/** Reference faces of open cases nearest to one new gallery face (standing search). */
export async function nearestOpenReferences(
  tx: Queryable,
  embedding: number[],
  opts: { modelId: string; k: number; efSearch: number },
): Promise<Array<{ referenceFaceId: string; searchId: string; similarity: number }>> {
  await tuneHnsw(tx, opts.efSearch);
  const r = await tx.query<{ referenceFaceId: string; searchId: string; similarity: number }>(
    `SELECT rf.id AS "referenceFaceId", rf.search_id AS "searchId", 1 - (rf.embedding <=> $1::vector) AS similarity
     FROM reference_faces rf
     JOIN searches s ON s.id = rf.search_id AND s.status <> 'closed' AND s.deleted_at IS NULL
     WHERE rf.model_id = $2
     ORDER BY rf.embedding <=> $1::vector LIMIT $3`,
    [pgvector.toSql(embedding), opts.modelId, opts.k],
  );
  return r.rows.sort((a, b) => b.similarity - a.similarity);
}

export async function embeddingsOfPhoto(q: Queryable, photoId: string): Promise<Array<{ faceId: string; modelId: string; embedding: number[] }>> {
  const r = await q.query<{ faceId: string; modelId: string; embedding: string }>(
    `SELECT id AS "faceId", model_id AS "modelId", embedding::text AS embedding FROM faces WHERE photo_id = $1 ORDER BY face_index`,
    [photoId],
  );
  return r.rows.map((x) => ({ faceId: x.faceId, modelId: x.modelId, embedding: pgvector.fromSql(x.embedding) as number[] }));
}
