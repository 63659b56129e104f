-- Person records (issue 14, DESIGN §11): archive photos and cases are linked by names, birth
-- dates, document numbers, units and marks as well as by the face.

-- Trigram similarity for names (typos, dropped endings). In PGlite's contrib and PostgreSQL's;
-- pinned to public like vector, so schema-isolated test runs share the one extension.
CREATE EXTENSION IF NOT EXISTS pg_trgm WITH SCHEMA public;

-- The keyed record of an archive photo (src/records/record.ts: name tokens with their folded
-- key and Daitch-Mokotoff codes, birth date, folded document numbers, unit numbers, mark
-- keywords), computed in src from `photos.metadata` at ingest: PostgreSQL 15 has no
-- daitch_mokotoff(), and the transliteration lives in a JavaScript package.
CREATE TABLE photo_records (
  photo_id    uuid PRIMARY KEY REFERENCES photos (id) ON DELETE CASCADE,
  record      jsonb NOT NULL,
  -- How many names/numbers the record has: the archive's totals for estimating u (weights.ts).
  has_names   boolean NOT NULL,
  has_ids     boolean NOT NULL,
  birth_year  integer CHECK (birth_year BETWEEN 1800 AND 2200),
  created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX photo_records_birth_year_idx ON photo_records (birth_year) WHERE birth_year IS NOT NULL;

-- One row per whole-word name token of an archive record (initials are not keys: "S." would
-- block with every Sergei). Blocking finds records by equal key, shared phonetic code or
-- trigram-close key; the same rows count how common a name is in this archive.
CREATE TABLE record_name_keys (
  photo_id  uuid NOT NULL REFERENCES photos (id) ON DELETE CASCADE,
  skeleton  text NOT NULL,
  dm_codes  text[] NOT NULL,
  PRIMARY KEY (photo_id, skeleton)
);
CREATE INDEX record_name_keys_skeleton_idx ON record_name_keys (skeleton);
CREATE INDEX record_name_keys_dm_idx ON record_name_keys USING gin (dm_codes);
CREATE INDEX record_name_keys_trgm_idx ON record_name_keys USING gin (skeleton gin_trgm_ops);

-- Folded document numbers and their one-deletion variants (symmetric deletion), so that one
-- equality lookup finds a number within one edit.
CREATE TABLE record_id_keys (
  photo_id  uuid NOT NULL REFERENCES photos (id) ON DELETE CASCADE,
  variant   text NOT NULL,
  -- the number itself (not only one of its variants)
  exact     boolean NOT NULL,
  PRIMARY KEY (photo_id, variant)
);
CREATE INDEX record_id_keys_variant_idx ON record_id_keys (variant);

-- The same keys for each case's subject, for the standing search: a photo ingested later finds
-- the open cases whose subject its record agrees with. Deleted with the case's data.
CREATE TABLE case_record_keys (
  search_id  uuid NOT NULL REFERENCES searches (id) ON DELETE CASCADE,
  kind       text NOT NULL CHECK (kind IN ('surname', 'id')),
  key        text NOT NULL,
  dm_codes   text[] NOT NULL DEFAULT '{}',
  PRIMARY KEY (search_id, kind, key)
);
CREATE INDEX case_record_keys_key_idx ON case_record_keys (kind, key);
CREATE INDEX case_record_keys_dm_idx ON case_record_keys USING gin (dm_codes);
CREATE INDEX case_record_keys_trgm_idx ON case_record_keys USING gin (key gin_trgm_ops) WHERE kind = 'surname';

-- A candidate found by its record alone has no face: it is a whole archive photo (a face the
-- detector missed, a photo of documents). photo_id is filled for every candidate; face_id only
-- when a face was matched. similarity and band are the face's, null without one.
ALTER TABLE candidates ADD COLUMN photo_id uuid REFERENCES photos (id);
UPDATE candidates c SET photo_id = f.photo_id FROM faces f WHERE f.id = c.face_id;
ALTER TABLE candidates ALTER COLUMN photo_id SET NOT NULL;
-- A face candidate's photo is its face's: filled in when an INSERT leaves it out (code written
-- before this column, hand-typed SQL), so the two can never disagree.
CREATE FUNCTION kinfinder_candidate_photo() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.face_id IS NOT NULL THEN
    SELECT photo_id INTO NEW.photo_id FROM faces WHERE id = NEW.face_id;
  END IF;
  RETURN NEW;
END
$$;
CREATE TRIGGER candidates_photo_of_face BEFORE INSERT OR UPDATE OF face_id ON candidates
  FOR EACH ROW EXECUTE FUNCTION kinfinder_candidate_photo();
ALTER TABLE candidates ALTER COLUMN face_id DROP NOT NULL;
ALTER TABLE candidates ALTER COLUMN similarity DROP NOT NULL;
ALTER TABLE candidates ALTER COLUMN band DROP NOT NULL;
-- (No check ties similarity to face_id: a withdrawn photo's decided candidates keep their
-- similarity when 0007's ON DELETE SET NULL clears the face.)
-- (search, face) stays unique for face candidates; a photo has at most one faceless candidate per case.
CREATE UNIQUE INDEX candidates_photo_only_key ON candidates (search_id, photo_id) WHERE face_id IS NULL;
CREATE INDEX candidates_photo_idx ON candidates (photo_id);

-- The Fellegi-Sunter total (bits) the candidates are ranked by, its match probability and the
-- field-by-field evidence [{field, level, weight}]. Candidates from before this migration were
-- found by the face alone: their weight is the face band's (src/records/weights.ts, log2(m/u)
-- with m 0.8 / 0.1 / 0.06 and u the calibration's 0.1 % / 0.9 % / 9 % false-match rates).
ALTER TABLE candidates ADD COLUMN match_weight real NOT NULL DEFAULT 0;
ALTER TABLE candidates ADD COLUMN match_probability real CHECK (match_probability BETWEEN 0 AND 1);
ALTER TABLE candidates ADD COLUMN evidence jsonb NOT NULL DEFAULT '[]'::jsonb;
UPDATE candidates SET
  match_weight = CASE band WHEN 'strong' THEN 9.644 WHEN 'possible' THEN 3.474 ELSE -0.585 END,
  evidence = jsonb_build_array(jsonb_build_object('field', 'face', 'level', band,
    'weight', CASE band WHEN 'strong' THEN 9.644 WHEN 'possible' THEN 3.474 ELSE -0.585 END));
CREATE INDEX candidates_search_weight_idx ON candidates (search_id, match_weight DESC);
CREATE INDEX candidates_review_weight_idx ON candidates (match_weight DESC, id) WHERE status = 'pending';
