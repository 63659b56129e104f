-- Operators and admins (DESIGN §12): ingest batches, withdrawn photos, the model a photo was
-- embedded with, token use, and case retention.

-- Every ingest (a command-line run, an API request, an upload on the operator page) is a batch,
-- so an office can answer "what happened to batch 17?" long after the upload. Who made it is
-- kept as the audit log keeps it (token, role, person): ids only, no names.
CREATE TABLE batches (
  id               uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  created_at       timestamptz NOT NULL DEFAULT now(),
  actor_id         uuid,
  actor_role       text NOT NULL,
  actor_person_id  uuid,
  channel          text NOT NULL CHECK (channel IN ('cli', 'api', 'page')),
  source_id        uuid REFERENCES sources (id),
  category         text NOT NULL DEFAULT 'unknown' CHECK (category IN ('prisoner', 'deceased', 'unknown'))
);
CREATE INDEX batches_created_idx ON batches (created_at, id);

-- One row per file handed to a batch, whatever became of it: a new photo, a duplicate of a known
-- one, or a file refused before it was stored (with its code). Failures of a batch are read from
-- here and from the photos it added; the file name is the operator's (a path, `a.zip!x.jpg`).
CREATE TABLE batch_files (
  id        bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  batch_id  uuid NOT NULL REFERENCES batches (id),
  file      text NOT NULL,
  photo_id  uuid REFERENCES photos (id),
  outcome   text NOT NULL CHECK (outcome IN ('new', 'duplicate', 'refused')),
  error     jsonb,
  CHECK ((outcome = 'refused') = (photo_id IS NULL)),
  CHECK ((outcome = 'refused') = (error IS NOT NULL))
);
CREATE INDEX batch_files_batch_idx ON batch_files (batch_id, id);
CREATE INDEX batch_files_photo_idx ON batch_files (photo_id);

-- The batch that first brought the photo in (a duplicate in a later batch does not move it).
ALTER TABLE photos ADD COLUMN batch_id uuid REFERENCES batches (id);
CREATE INDEX photos_batch_idx ON photos (batch_id);
-- Listing photos newest first pages on (created_at, id).
CREATE INDEX photos_created_idx ON photos (created_at, id);

-- A withdrawn photo (uploaded by mistake, not the archive's, wrong person): its faces and crops
-- are gone and it never matches again; the row stays, with who withdrew it, when and why, so
-- the record of what was once confirmed on it holds.
ALTER TABLE photos DROP CONSTRAINT photos_status_check;
ALTER TABLE photos ADD CONSTRAINT photos_status_check
  CHECK (status IN ('queued', 'processing', 'done', 'failed', 'withdrawn'));
ALTER TABLE photos ADD COLUMN withdrawal jsonb;
ALTER TABLE photos ADD CONSTRAINT photos_withdrawal_check CHECK ((status = 'withdrawn') = (withdrawal IS NOT NULL));

-- The model whose embeddings the photo's faces carry: a photo with no face says which model
-- looked and found none, so re-embedding after a model change knows to look again.
ALTER TABLE photos ADD COLUMN model_id text REFERENCES models (id);
UPDATE photos p SET model_id = (SELECT f.model_id FROM faces f WHERE f.photo_id = p.id ORDER BY f.face_index LIMIT 1);
UPDATE photos SET model_id = (SELECT id FROM models ORDER BY created_at DESC, id LIMIT 1)
  WHERE status = 'done' AND model_id IS NULL;
CREATE INDEX photos_model_idx ON photos (model_id) WHERE status = 'done';

-- A candidate outlives its face: when a photo is withdrawn (or re-embedded and a face is not
-- found again) the face and its embedding go, while a candidate that verifiers decided stays,
-- with its decisions (append-only), as the record of what was decided. Every view of candidates
-- joins faces, so a face-less candidate is shown nowhere and counts for no case status.
ALTER TABLE candidates ALTER COLUMN face_id DROP NOT NULL;
ALTER TABLE candidates DROP CONSTRAINT candidates_face_id_fkey;
ALTER TABLE candidates ADD CONSTRAINT candidates_face_id_fkey FOREIGN KEY (face_id) REFERENCES faces (id) ON DELETE SET NULL;

-- When a token was last used (GET /api/v1/tokens): an admin revokes what no one uses.
ALTER TABLE tokens ADD COLUMN last_used_at timestamptz;

-- When a closed or deleted case's personal data was purged under the retention period.
ALTER TABLE searches ADD COLUMN purged_at timestamptz;

-- The audit log is read newest first by time (then id), filtered by actor and action.
CREATE INDEX audit_events_at_id_idx ON audit_events (at, id);
CREATE INDEX audit_events_action_idx ON audit_events (action, at);
