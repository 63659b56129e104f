import pgvector from 'pgvector';
import { KinfinderError } from '../errors.ts';

/**
 * Which column holds a face's vector (migration 0016): `embedding` the 128-d ones of face-api
 * alone, `embedding_320` the fused recogniser's. pgvector indexes one dimension per column, so the
 * query's vector length picks the column, and with it the HNSW index, it is ranked in.
 */
export type EmbeddingColumn = 'embedding' | 'embedding_320';

export function embeddingColumn(dims: number): EmbeddingColumn {
  if (dims === 128) return 'embedding';
  if (dims === 320) return 'embedding_320';
  throw new KinfinderError('model_mismatch', `no embedding column holds ${dims}-d vectors`);
}

/** The two columns' parameters (`embedding`, `embedding_320`): the vector in its own, NULL in the other. */
export function embeddingParams(embedding: number[]): [string | null, string | null] {
  const sql = pgvector.toSql(embedding) as string;
  return embeddingColumn(embedding.length) === 'embedding' ? [sql, null] : [null, sql];
}

/** A face's vector as text, from whichever column holds it. */
export const EMBEDDING_TEXT = `COALESCE(embedding::text, embedding_320::text)`;
