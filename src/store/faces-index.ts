/**
 * The one definition of the gallery faces' HNSW index. Migrations stay plain SQL files, so
 * migration 0004 spells this statement out too; test/migrations.test.ts checks that the index a
 * migrated database holds is exactly what `facesEmbeddingIndexDdl()` creates. bench:search
 * builds its --m / --ef-construction grid from here, so BENCHMARKS.md measures the index that
 * ships, differing only in the parameters it varies.
 */

export const FACES_EMBEDDING_INDEX = 'faces_embedding_hnsw';

export interface HnswParams {
  m: number;
  efConstruction: number;
}

/**
 * What the product builds. m = 32: face descriptors crowd together (strangers score ~0.84) and
 * a person's own faces sit just outside that crowd; with m = 16 the graph misses them (rank-1
 * 0.97 vs 0.996 at 100 k faces, BENCHMARKS.md "Search"), for a 24 % larger index.
 */
export const SHIPPED_FACES_HNSW: Readonly<HnswParams> = Object.freeze({ m: 32, efConstruction: 128 });

/**
 * `CREATE INDEX` for the faces embedding index with the given parameters. DDL takes no bind
 * parameters, so the numbers are checked to be integers in pgvector's ranges (m 2–100,
 * ef_construction 4–1000 and at least 2·m) before they are written into the statement.
 * Cosine distance: embeddings are unit vectors, so it orders exactly as inner product would,
 * and it stays correct even if a non-normalised vector slips in.
 */
export function facesEmbeddingIndexDdl(p: HnswParams = SHIPPED_FACES_HNSW): string {
  const { m, efConstruction } = p;
  if (!Number.isInteger(m) || m < 2 || m > 100)
    throw new RangeError(`HNSW m must be an integer from 2 to 100, not ${m}`);
  if (!Number.isInteger(efConstruction) || efConstruction < 4 || efConstruction > 1000 || efConstruction < 2 * m) {
    throw new RangeError(
      `HNSW ef_construction must be an integer from 4 to 1000 and at least 2·m (${2 * m}), not ${efConstruction}`,
    );
  }
  return `CREATE INDEX ${FACES_EMBEDDING_INDEX} ON faces USING hnsw (embedding vector_cosine_ops) WITH (m = ${m}, ef_construction = ${efConstruction})`;
}
