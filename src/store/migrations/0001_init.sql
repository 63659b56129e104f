-- kinfinder schema, version 1. Table names are the contract of DESIGN.md §3.
-- Runs identically on PGlite (PostgreSQL 18 in wasm) and PostgreSQL >= 15 with pgvector >= 0.8.

-- Pinned to public so that schema-isolated test runs share the one extension.
CREATE EXTENSION IF NOT EXISTS vector WITH SCHEMA public;

-- Each embedding model in use; faces from different models are never compared.
CREATE TABLE models (
  id          text PRIMARY KEY,
  dims        integer NOT NULL CHECK (dims > 0),
  manifest    jsonb NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now()
);

-- Where photos came from (an organisation, a field team, an archive).
CREATE TABLE sources (
  id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  name        text NOT NULL UNIQUE CHECK (length(name) BETWEEN 1 AND 200),
  created_at  timestamptz NOT NULL DEFAULT now()
);

-- One row per distinct photo: the SHA-256 of its bytes is its identity, so the same bytes
-- uploaded twice (another name, another batch) are one photo.
CREATE TABLE photos (
  id             uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  sha256         text NOT NULL UNIQUE CHECK (sha256 ~ '^[0-9a-f]{64}$'),
  source_id      uuid REFERENCES sources (id),
  original_name  text,
  byte_size      integer NOT NULL CHECK (byte_size >= 0),
  format         text,
  width          integer CHECK (width > 0),
  height         integer CHECK (height > 0),
  metadata       jsonb NOT NULL DEFAULT '{}'::jsonb,
  status         text NOT NULL DEFAULT 'queued'
                 CHECK (status IN ('queued', 'processing', 'done', 'failed')),
  -- {code, message} of the last failure; kept visible so an operator can act on it
  error          jsonb,
  attempts       integer NOT NULL DEFAULT 0,
  display_sha256 text CHECK (display_sha256 ~ '^[0-9a-f]{64}$'),
  created_at     timestamptz NOT NULL DEFAULT now(),
  updated_at     timestamptz NOT NULL DEFAULT now(),
  processed_at   timestamptz,
  CHECK ((status = 'failed') = (error IS NOT NULL))
);
CREATE INDEX photos_status_idx ON photos (status);
CREATE INDEX photos_source_idx ON photos (source_id);

-- Every face found in a gallery photo. (photo, model, index) is unique so a re-run of the
-- same ingest cannot add a second copy of a face.
CREATE TABLE faces (
  id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  photo_id     uuid NOT NULL REFERENCES photos (id) ON DELETE CASCADE,
  model_id     text NOT NULL REFERENCES models (id),
  face_index   integer NOT NULL CHECK (face_index >= 0),
  box_x        real NOT NULL,
  box_y        real NOT NULL,
  box_width    real NOT NULL CHECK (box_width > 0),
  box_height   real NOT NULL CHECK (box_height > 0),
  score        real NOT NULL CHECK (score >= 0 AND score <= 1),
  landmarks    jsonb NOT NULL,
  quality      jsonb NOT NULL,
  crop_sha256  text CHECK (crop_sha256 ~ '^[0-9a-f]{64}$'),
  embedding    vector(128) NOT NULL,
  created_at   timestamptz NOT NULL DEFAULT now(),
  UNIQUE (photo_id, model_id, face_index)
);
-- Embeddings are unit vectors, so cosine distance orders exactly as inner product would;
-- cosine is kept because it stays correct even if a non-normalised vector slips in.
-- m = 32: face descriptors crowd together (strangers score ~0.84), and a person's own faces sit
-- just outside that crowd; with m = 16 the graph misses them (rank-1 0.97 vs 0.996 at 100 k
-- faces, BENCHMARKS.md "Search"), for a 24 % larger index.
CREATE INDEX faces_embedding_hnsw ON faces
  USING hnsw (embedding vector_cosine_ops) WITH (m = 32, ef_construction = 128);

-- A case: one missing person searched for by a family or a verifier.
CREATE TABLE searches (
  id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  status      text NOT NULL DEFAULT 'searching'
              CHECK (status IN ('searching', 'under_review', 'match_confirmed', 'closed')),
  subject     jsonb NOT NULL DEFAULT '{}'::jsonb,
  model_id    text REFERENCES models (id),
  created_by  uuid,
  created_at  timestamptz NOT NULL DEFAULT now(),
  updated_at  timestamptz NOT NULL DEFAULT now(),
  closed_at   timestamptz,
  deleted_at  timestamptz
);
CREATE INDEX searches_open_idx ON searches (created_at) WHERE status <> 'closed';

-- The family's reference faces. Deleted with the case (family data is kept no longer than
-- the case), which is why nothing append-only points at them.
CREATE TABLE reference_faces (
  id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  search_id     uuid NOT NULL REFERENCES searches (id) ON DELETE CASCADE,
  model_id      text NOT NULL REFERENCES models (id),
  photo_sha256  text NOT NULL CHECK (photo_sha256 ~ '^[0-9a-f]{64}$'),
  photo_index   integer NOT NULL CHECK (photo_index >= 0),
  face_index    integer NOT NULL CHECK (face_index >= 0),
  box_x         real NOT NULL,
  box_y         real NOT NULL,
  box_width     real NOT NULL CHECK (box_width > 0),
  box_height    real NOT NULL CHECK (box_height > 0),
  score         real NOT NULL,
  landmarks     jsonb NOT NULL,
  quality       jsonb NOT NULL,
  crop_sha256   text CHECK (crop_sha256 ~ '^[0-9a-f]{64}$'),
  embedding     vector(128) NOT NULL,
  created_at    timestamptz NOT NULL DEFAULT now(),
  UNIQUE (search_id, photo_index)
);
-- Standing search matches each newly ingested face against every open case's references.
CREATE INDEX reference_faces_embedding_hnsw ON reference_faces
  USING hnsw (embedding vector_cosine_ops) WITH (m = 16, ef_construction = 128);

-- A gallery face proposed for a case. One row per (case, face) whatever path found it.
CREATE TABLE candidates (
  id                 uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  search_id          uuid NOT NULL REFERENCES searches (id) ON DELETE CASCADE,
  face_id            uuid NOT NULL REFERENCES faces (id),
  reference_face_id  uuid REFERENCES reference_faces (id) ON DELETE SET NULL,
  similarity         real NOT NULL CHECK (similarity >= -1.0001 AND similarity <= 1.0001),
  band               text NOT NULL CHECK (band IN ('strong', 'possible', 'weak')),
  status             text NOT NULL DEFAULT 'pending'
                     CHECK (status IN ('pending', 'confirmed', 'rejected')),
  confirmations      integer NOT NULL DEFAULT 0 CHECK (confirmations >= 0),
  created_at         timestamptz NOT NULL DEFAULT now(),
  decided_at         timestamptz,
  UNIQUE (search_id, face_id)
);
CREATE INDEX candidates_review_idx ON candidates (similarity DESC) WHERE status = 'pending';
CREATE INDEX candidates_search_idx ON candidates (search_id, similarity DESC);
CREATE INDEX candidates_face_idx ON candidates (face_id);

-- Access tokens: only a hash is stored; the token itself is shown once.
CREATE TABLE tokens (
  id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  role        text NOT NULL CHECK (role IN ('operator', 'verifier', 'family', 'admin')),
  name        text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
  token_hash  text NOT NULL UNIQUE CHECK (token_hash ~ '^[0-9a-f]{64}$'),
  search_id   uuid REFERENCES searches (id) ON DELETE CASCADE,
  created_by  uuid,
  created_at  timestamptz NOT NULL DEFAULT now(),
  revoked_at  timestamptz,
  -- a family token opens exactly one case; no other role is tied to a case
  CHECK ((role = 'family') = (search_id IS NOT NULL))
);

-- Verifier decisions. Append-only: a change of mind is a new row, never an edit.
CREATE TABLE decisions (
  id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  candidate_id  uuid NOT NULL REFERENCES candidates (id),
  token_id      uuid NOT NULL REFERENCES tokens (id),
  decision      text NOT NULL CHECK (decision IN ('confirm', 'reject')),
  note          text CHECK (length(note) <= 2000),
  created_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX decisions_candidate_idx ON decisions (candidate_id);

-- Who did what, when. Append-only.
CREATE TABLE audit_events (
  id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  at            timestamptz NOT NULL DEFAULT now(),
  actor_id      uuid,
  actor_role    text,
  action        text NOT NULL,
  subject_type  text,
  subject_id    text,
  details       jsonb NOT NULL DEFAULT '{}'::jsonb
);
CREATE INDEX audit_events_at_idx ON audit_events (at);

-- The append-only rule lives in the database, so no code path (or hand-typed SQL) can
-- rewrite history.
CREATE FUNCTION kinfinder_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION '% is append-only', TG_TABLE_NAME USING ERRCODE = 'insufficient_privilege';
END
$$;
CREATE TRIGGER decisions_append_only BEFORE UPDATE OR DELETE ON decisions
  FOR EACH ROW EXECUTE FUNCTION kinfinder_append_only();
CREATE TRIGGER audit_events_append_only BEFORE UPDATE OR DELETE ON audit_events
  FOR EACH ROW EXECUTE FUNCTION kinfinder_append_only();
