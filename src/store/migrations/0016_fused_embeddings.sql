-- Issue 30: the fused recogniser (KINFINDER_RECOGNISER=face-api+mobilefacenet) describes a face
-- with one 320-d unit vector (face-api's 128 and MobileFaceNet's 192, fused so that one cosine is
-- the fused score). pgvector's HNSW indexes one dimension per column, so those vectors get a
-- column and an index of their own, beside the 128-d ones: the 128-d column, its index and every
-- stored face stay as they are (no rebuild of a large gallery's index to add a column), and
-- during a `kinfinder reembed` the faces of both models live side by side, each searched through
-- its own index. A face holds exactly one of the two (src/store/embedding-columns.ts).
ALTER TABLE faces ALTER COLUMN embedding DROP NOT NULL;
ALTER TABLE faces ADD COLUMN embedding_320 vector(320);
ALTER TABLE faces ADD CONSTRAINT faces_one_embedding CHECK ((embedding IS NULL) <> (embedding_320 IS NULL));
-- m = 32 as for the 128-d index (src/store/faces-index.ts); an index over an empty column costs nothing.
CREATE INDEX faces_embedding_320_hnsw ON faces
  USING hnsw (embedding_320 vector_cosine_ops) WITH (m = 32, ef_construction = 128);

ALTER TABLE reference_faces ALTER COLUMN embedding DROP NOT NULL;
ALTER TABLE reference_faces ADD COLUMN embedding_320 vector(320);
ALTER TABLE reference_faces ADD CONSTRAINT reference_faces_one_embedding
  CHECK ((embedding IS NULL) <> (embedding_320 IS NULL));
CREATE INDEX reference_faces_embedding_320_hnsw ON reference_faces
  USING hnsw (embedding_320 vector_cosine_ops) WITH (m = 16, ef_construction = 128);
