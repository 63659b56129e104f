-- Brings databases made by earlier releases of 0001 to what the released 0001 now creates.
-- 0001 was edited after release (the faces index's m went from 16 to 32, and the first release
-- lacked two candidates indexes), so databases made from it differ. From now on a schema change
-- is a new numbered migration, and migrate.ts refuses an applied migration whose file changed.

-- The gallery faces index, at m = 32 (why: src/store/faces-index.ts). Rebuilt only where it was
-- built otherwise: a database made by the current 0001 already has it, and rebuilding an HNSW
-- graph over a large gallery takes minutes. pg_class.reloptions holds the WITH options as
-- PostgreSQL and PGlite both store them ('m=16'); to_regclass finds the index through the
-- search_path, as 0001 created it. The index is rebuilt under the migration's transaction, so
-- searches wait for it rather than scan without it. The statement must stay identical to
-- facesEmbeddingIndexDdl() (checked by test/migrations.test.ts).
DO $$
DECLARE
  opts text[];
BEGIN
  SELECT reloptions INTO opts FROM pg_class WHERE oid = to_regclass('faces_embedding_hnsw');
  IF opts IS NULL OR NOT ('m=32' = ANY (opts) AND 'ef_construction=128' = ANY (opts)) THEN
    DROP INDEX IF EXISTS faces_embedding_hnsw;
    CREATE INDEX faces_embedding_hnsw ON faces USING hnsw (embedding vector_cosine_ops) WITH (m = 32, ef_construction = 128);
  END IF;
END
$$;

-- The reference faces index was never changed (m = 16 in every release): it is left alone.

-- Added to 0001 by its second release; a database made by the first lacks them. IF NOT EXISTS:
-- every later database has them under these names already.
CREATE INDEX IF NOT EXISTS candidates_search_idx ON candidates (search_id, similarity DESC);
CREATE INDEX IF NOT EXISTS candidates_face_idx ON candidates (face_id);
