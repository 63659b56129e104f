import pgvector from 'pgvector';
import type { Queryable } from './database.ts';
import { EMBEDDING_TEXT, embeddingColumn } from './embedding-columns.ts';

/**
 * Transaction-local HNSW settings (SET LOCAL semantics through set_config(…, true), which takes
 * parameters): the candidate-list size, and iterative scan so a filtered query keeps walking
 * the graph until enough rows pass the filter.
 */
async function tuneHnsw(tx: Queryable, efSearch: number): Promise<void> {
  await tx.query(
    `SELECT set_config('hnsw.ef_search', $1, true), set_config('hnsw.iterative_scan', 'relaxed_order', true)`,
    [String(efSearch)],
  );
}

// The gallery search, one text for the query and its EXPLAIN, in the column (and so the HNSW
// index) of the query vector's length (embedding-columns.ts: a fixed name, never input).
// The face's band cap (quality.ts) comes along: a blurred or blindfolded face is banded at most
// `possible` however similar it is, so the rank and the verifier see the same band.
const nearestGalleryFacesSql = (dims: number) => {
  const col = embeddingColumn(dims);
  return `SELECT id AS "faceId", photo_id AS "photoId", 1 - (${col} <=> $1::vector) AS similarity,
            quality->>'bandCap' AS "bandCap"
     FROM faces WHERE model_id = $2
     ORDER BY ${col} <=> $1::vector LIMIT $3`;
};

/**
 * Nearest gallery faces to one embedding through the HNSW index. Must run inside a transaction:
 * the SET LOCALs below last until it ends. Filtering by model makes pgvector's iterative scan
 * keep walking the graph until `k` rows pass the filter instead of returning too few.
 */
export async function nearestGalleryFaces(
  tx: Queryable,
  embedding: number[],
  opts: { modelId: string; k: number; efSearch: number },
): Promise<Array<{ faceId: string; photoId: string; similarity: number; bandCap: string | null }>> {
  await tuneHnsw(tx, opts.efSearch);
  const r = await tx.query<{ faceId: string; photoId: string; similarity: number; bandCap: string | null }>(
    nearestGalleryFacesSql(embedding.length),
    [pgvector.toSql(embedding), opts.modelId, opts.k],
  );
  // relaxed_order may return rows slightly out of order: the exact similarities decide.
  return r.rows.sort((a, b) => b.similarity - a.similarity);
}

/**
 * The plan `nearestGalleryFaces` gets for these arguments, with the same settings: bench:search
 * checks that the product's query walks the index it measures. Inside a transaction, like it.
 */
export async function explainNearestGalleryFaces(
  tx: Queryable,
  embedding: number[],
  opts: { modelId: string; k: number; efSearch: number },
): Promise<string> {
  await tuneHnsw(tx, opts.efSearch);
  const r = await tx.query<Record<string, string>>(`EXPLAIN ${nearestGalleryFacesSql(embedding.length)}`, [
    pgvector.toSql(embedding),
    opts.modelId,
    opts.k,
  ]);
  return r.rows.map((row) => Object.values(row)[0]).join('\n');
}

/** Reference faces of open cases nearest to one new gallery face (standing search). */
export async function nearestOpenReferences(
  tx: Queryable,
  embedding: number[],
  opts: { modelId: string; k: number; efSearch: number },
): Promise<Array<{ referenceFaceId: string; searchId: string; similarity: number }>> {
  await tuneHnsw(tx, opts.efSearch);
  const col = embeddingColumn(embedding.length);
  const r = await tx.query<{ referenceFaceId: string; searchId: string; similarity: number }>(
    `SELECT rf.id AS "referenceFaceId", rf.search_id AS "searchId", 1 - (rf.${col} <=> $1::vector) AS similarity
     FROM reference_faces rf
     JOIN searches s ON s.id = rf.search_id AND s.status <> 'closed' AND s.deleted_at IS NULL
     WHERE rf.model_id = $2
     ORDER BY rf.${col} <=> $1::vector LIMIT $3`,
    [pgvector.toSql(embedding), opts.modelId, opts.k],
  );
  return r.rows.sort((a, b) => b.similarity - a.similarity);
}

export async function embeddingsOfPhoto(
  q: Queryable,
  photoId: string,
): Promise<Array<{ faceId: string; modelId: string; embedding: number[]; bandCap: string | null }>> {
  const r = await q.query<{ faceId: string; modelId: string; embedding: string; bandCap: string | null }>(
    `SELECT id AS "faceId", model_id AS "modelId", ${EMBEDDING_TEXT} AS embedding, quality->>'bandCap' AS "bandCap" ` +
      'FROM faces WHERE photo_id = $1 ORDER BY face_index',
    [photoId],
  );
  return r.rows.map((x) => ({
    faceId: x.faceId,
    modelId: x.modelId,
    embedding: pgvector.fromSql(x.embedding) as number[],
    bandCap: x.bandCap,
  }));
}

/** A gallery face nearest to one of a case's reference faces, with its quality's band cap (null for none). */
export interface FaceMatch {
  faceId: string;
  referenceFaceId: string;
  similarity: number;
  bandCap: string | null;
}

/**
 * For each of these archive photos, its face nearest to any of the reference embeddings (exact
 * distances: a handful of photos found by their record, not an index walk), with which
 * reference it is nearest to. Photos without a face of this model are absent.
 */
export async function nearestFaceOfPhotos(
  q: Queryable,
  refs: ReadonlyArray<{ id: string; embedding: number[] }>,
  photoIds: readonly string[],
  modelId: string,
): Promise<Map<string, FaceMatch>> {
  const best = new Map<string, FaceMatch>();
  if (photoIds.length === 0) return best;
  for (const ref of refs) {
    const col = embeddingColumn(ref.embedding.length);
    const r = await q.query<{ photoId: string; faceId: string; similarity: number; bandCap: string | null }>(
      `SELECT DISTINCT ON (photo_id) photo_id AS "photoId", id AS "faceId", 1 - (${col} <=> $1::vector) AS similarity,
              quality->>'bandCap' AS "bandCap"
       FROM faces WHERE photo_id = ANY($2::uuid[]) AND model_id = $3 AND ${col} IS NOT NULL
       ORDER BY photo_id, ${col} <=> $1::vector`,
      [pgvector.toSql(ref.embedding), photoIds, modelId],
    );
    for (const x of r.rows) {
      const prev = best.get(x.photoId);
      if (!prev || x.similarity > prev.similarity)
        best.set(x.photoId, {
          faceId: x.faceId,
          referenceFaceId: ref.id,
          similarity: Number(x.similarity),
          bandCap: x.bandCap,
        });
    }
  }
  return best;
}

/** One case's reference faces with their embeddings (the standing search scores a record's photo against them). */
export async function referenceEmbeddingsOfCase(
  q: Queryable,
  caseId: string,
  modelId: string,
): Promise<Array<{ id: string; embedding: number[] }>> {
  const r = await q.query<{ id: string; embedding: string }>(
    `SELECT id, ${EMBEDDING_TEXT} AS embedding FROM reference_faces WHERE search_id = $1 AND model_id = $2`,
    [caseId, modelId],
  );
  return r.rows.map((x) => ({ id: x.id, embedding: pgvector.fromSql(x.embedding) as number[] }));
}

/** Embeddings of these faces (a search's candidates), by face id. */
export async function embeddingsOfFaces(q: Queryable, faceIds: readonly string[]): Promise<Map<string, number[]>> {
  if (faceIds.length === 0) return new Map();
  const r = await q.query<{ id: string; embedding: string }>(
    `SELECT id, ${EMBEDDING_TEXT} AS embedding FROM faces WHERE id = ANY($1::uuid[])`,
    [faceIds],
  );
  return new Map(r.rows.map((x) => [x.id, pgvector.fromSql(x.embedding) as number[]]));
}

/**
 * The cohort a face's impostor scores are measured against (src/match/bar.ts): up to `size`
 * archive faces of this model, the same for every search of one archive. Ordered by id (random
 * uuids, through the primary key's index): an even sample of the archive, nearly all of them
 * strangers to any one face, that only changes as faces come and go.
 */
export async function cohortEmbeddings(q: Queryable, modelId: string, size: number): Promise<number[][]> {
  const r = await q.query<{ embedding: string }>(
    `SELECT ${EMBEDDING_TEXT} AS embedding FROM faces WHERE model_id = $1 ORDER BY id LIMIT $2`,
    [modelId, size],
  );
  return r.rows.map((x) => pgvector.fromSql(x.embedding) as number[]);
}

/** How many faces of this model the archive holds: the N of a search (src/match/bar.ts). */
export async function galleryFaceCount(q: Queryable, modelId: string): Promise<number> {
  const r = await q.query<{ n: number }>(`SELECT count(*)::integer AS n FROM faces WHERE model_id = $1`, [modelId]);
  return Number(r.rows[0]!.n);
}
