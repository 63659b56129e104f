-- Archive persons (issue 26, DESIGN §16): one man, many photos and records, and what became of
-- him. Every photo belongs to exactly one person; a photo nobody grouped is a person of one
-- photo, so an archive that never groups behaves as before.

CREATE TABLE archive_persons (
  id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  -- The operator's `person_ref` (metadata CSV): stable for the whole installation, so the same
  -- ref in a later batch names the same man.
  ref         text CHECK (length(ref) BETWEEN 1 AND 200),
  created_at  timestamptz NOT NULL DEFAULT now(),
  -- A withdrawn person (every photo of him withdrawn): who, when, why; the row stays as the record.
  withdrawal  jsonb,
  -- A person whose every photo went to another (a merge): his events are that man's now.
  merged_into uuid REFERENCES archive_persons (id)
);
CREATE UNIQUE INDEX archive_persons_ref_idx ON archive_persons (ref) WHERE ref IS NOT NULL;

-- One person per existing photo, with the photo's id as a stand-in until the rows exist.
ALTER TABLE photos ADD COLUMN person_id uuid;
UPDATE photos SET person_id = gen_random_uuid();
INSERT INTO archive_persons (id, created_at) SELECT person_id, created_at FROM photos;
ALTER TABLE photos ADD CONSTRAINT photos_person_id_fkey FOREIGN KEY (person_id) REFERENCES archive_persons (id);
CREATE INDEX photos_person_idx ON photos (person_id);

-- A photo inserted without a person (any path: code, a restore, hand-typed SQL) becomes a person
-- of one photo. AFTER INSERT, so a duplicate refused by ON CONFLICT leaves no empty person.
CREATE FUNCTION kinfinder_photo_person() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  pid uuid;
BEGIN
  IF NEW.person_id IS NULL THEN
    INSERT INTO archive_persons (created_at) VALUES (NEW.created_at) RETURNING id INTO pid;
    UPDATE photos SET person_id = pid WHERE id = NEW.id;
  END IF;
  RETURN NULL;
END
$$;
CREATE TRIGGER photos_person_of_photo AFTER INSERT ON photos
  FOR EACH ROW EXECUTE FUNCTION kinfinder_photo_person();

-- Every change of a photo's person after ingest, append-only: a photo added to a person, taken
-- out of one (it becomes a person of its own), or moved by an accepted merge. photos.person_id is
-- where it is now; these rows are how it got there.
CREATE TABLE person_photo_moves (
  id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  seq             bigint GENERATED ALWAYS AS IDENTITY,
  photo_id        uuid NOT NULL REFERENCES photos (id),
  from_person_id  uuid NOT NULL REFERENCES archive_persons (id),
  to_person_id    uuid NOT NULL REFERENCES archive_persons (id),
  cause           text NOT NULL CHECK (cause IN ('add', 'remove', 'merge')),
  suggestion_id   uuid,
  token_id        uuid REFERENCES tokens (id),
  actor_role      text NOT NULL,
  created_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX person_photo_moves_photo_idx ON person_photo_moves (photo_id, seq);

-- Suggested merges: two photos of different persons whose faces are at least `strong` and whose
-- records do not disagree, found when a photo is processed. (a, b) in id order, once.
CREATE TABLE person_merge_suggestions (
  id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  photo_a     uuid NOT NULL REFERENCES photos (id),
  photo_b     uuid NOT NULL REFERENCES photos (id),
  similarity  real NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now(),
  CHECK (photo_a < photo_b),
  UNIQUE (photo_a, photo_b)
);

-- An operator's or admin's answer to a suggestion: accept (the two persons become one) or refuse.
CREATE TABLE person_merge_decisions (
  id             uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  suggestion_id  uuid NOT NULL UNIQUE REFERENCES person_merge_suggestions (id),
  decision       text NOT NULL CHECK (decision IN ('accept', 'refuse')),
  token_id       uuid REFERENCES tokens (id),
  actor_role     text NOT NULL,
  created_at     timestamptz NOT NULL DEFAULT now()
);

-- What became of him: captured, held (where), released (an exchange), died, remains returned.
-- Entered by operators (or the CSV); reaches a family only once verifiers approve it.
CREATE TABLE person_events (
  id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  seq         bigint GENERATED ALWAYS AS IDENTITY,
  person_id   uuid NOT NULL REFERENCES archive_persons (id),
  kind        text NOT NULL CHECK (kind IN ('captured', 'held', 'released', 'died', 'remains_returned')),
  -- YYYY, YYYY-MM or YYYY-MM-DD, as the archive knows it
  date        text NOT NULL CHECK (date ~ '^\d{4}(-\d{2}(-\d{2})?)?$'),
  place       text CHECK (length(place) <= 500),
  source      text CHECK (length(source) <= 500),
  token_id    uuid REFERENCES tokens (id),
  actor_role  text NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX person_events_person_idx ON person_events (person_id, seq);

-- Verifiers approving an event for families (or rejecting it). One person counts once.
CREATE TABLE person_event_decisions (
  id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  seq         bigint GENERATED ALWAYS AS IDENTITY,
  event_id    uuid NOT NULL REFERENCES person_events (id),
  decision    text NOT NULL CHECK (decision IN ('approve', 'reject')),
  token_id    uuid NOT NULL REFERENCES tokens (id),
  person_id   uuid NOT NULL REFERENCES people (id),
  created_at  timestamptz NOT NULL DEFAULT now(),
  UNIQUE (event_id, person_id)
);

CREATE TRIGGER person_photo_moves_append_only BEFORE UPDATE OR DELETE ON person_photo_moves
  FOR EACH ROW EXECUTE FUNCTION kinfinder_append_only();
CREATE TRIGGER person_merge_suggestions_append_only BEFORE UPDATE OR DELETE ON person_merge_suggestions
  FOR EACH ROW EXECUTE FUNCTION kinfinder_append_only();
CREATE TRIGGER person_merge_decisions_append_only BEFORE UPDATE OR DELETE ON person_merge_decisions
  FOR EACH ROW EXECUTE FUNCTION kinfinder_append_only();
CREATE TRIGGER person_events_append_only BEFORE UPDATE OR DELETE ON person_events
  FOR EACH ROW EXECUTE FUNCTION kinfinder_append_only();
CREATE TRIGGER person_event_decisions_append_only BEFORE UPDATE OR DELETE ON person_event_decisions
  FOR EACH ROW EXECUTE FUNCTION kinfinder_append_only();
CREATE TRIGGER person_photo_moves_no_truncate BEFORE TRUNCATE ON person_photo_moves
  FOR EACH STATEMENT EXECUTE FUNCTION kinfinder_append_only();
CREATE TRIGGER person_merge_decisions_no_truncate BEFORE TRUNCATE ON person_merge_decisions
  FOR EACH STATEMENT EXECUTE FUNCTION kinfinder_append_only();
CREATE TRIGGER person_events_no_truncate BEFORE TRUNCATE ON person_events
  FOR EACH STATEMENT EXECUTE FUNCTION kinfinder_append_only();
CREATE TRIGGER person_event_decisions_no_truncate BEFORE TRUNCATE ON person_event_decisions
  FOR EACH STATEMENT EXECUTE FUNCTION kinfinder_append_only();

-- Candidates are (case, person): one row per man a case is shown, ranked by his best evidence
-- over all his photos; face_id/photo_id name that best evidence. Existing photo candidates move
-- over as they are (each photo is a person of one photo).
ALTER TABLE candidates ADD COLUMN person_id uuid REFERENCES archive_persons (id);
UPDATE candidates c SET person_id = p.person_id FROM photos p WHERE p.id = c.photo_id;
ALTER TABLE candidates ALTER COLUMN person_id SET NOT NULL;
-- A candidate inserted without a person is its photo's (code written before this column).
CREATE OR REPLACE FUNCTION kinfinder_candidate_photo() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.face_id IS NOT NULL THEN
    SELECT photo_id INTO NEW.photo_id FROM faces WHERE id = NEW.face_id;
  END IF;
  IF NEW.person_id IS NULL THEN
    SELECT person_id INTO NEW.person_id FROM photos WHERE id = NEW.photo_id;
  END IF;
  RETURN NEW;
END
$$;
CREATE INDEX candidates_person_idx ON candidates (person_id);

-- When two persons become one, a case that had a candidate on each keeps one: the other is
-- `merged` into it (its row and decisions stay, as the record of what was decided on it).
ALTER TABLE candidates ADD COLUMN merged_into uuid REFERENCES candidates (id) ON DELETE SET NULL;
ALTER TABLE candidates DROP CONSTRAINT candidates_status_check;
ALTER TABLE candidates ADD CONSTRAINT candidates_status_check
  CHECK (status IN ('pending', 'confirmed', 'rejected', 'disputed', 'merged'));
-- Two faces of one photo proposed to one case (a group photo) were two candidates; they are one
-- man now: the most decided one stays (confirmed, disputed, pending, then rejected; then the best
-- weighted), the others are merged into it.
WITH ranked AS (
  SELECT id, first_value(id) OVER (PARTITION BY search_id, person_id
           ORDER BY CASE status WHEN 'confirmed' THEN 0 WHEN 'disputed' THEN 1 WHEN 'pending' THEN 2 ELSE 3 END,
                    match_weight DESC, similarity DESC NULLS LAST, id) AS keep
  FROM candidates)
UPDATE candidates c SET merged_into = r.keep, status = 'merged'
  FROM ranked r WHERE r.id = c.id AND r.keep <> c.id;
ALTER TABLE candidates DROP CONSTRAINT candidates_search_id_face_id_key;
DROP INDEX candidates_photo_only_key;
CREATE UNIQUE INDEX candidates_case_person_key ON candidates (search_id, person_id) WHERE status <> 'merged';

-- The photo a decision was made on: a person's candidate shows his best photo, which may change
-- as photos join him, and each decision keeps the one its verifier saw. Existing decisions were
-- made on their candidate's photo. (A migration adds a column to append-only rows: the trigger
-- is set aside for this one statement, as 0003 moved notes out by DDL.)
ALTER TABLE decisions ADD COLUMN photo_id uuid REFERENCES photos (id);
ALTER TABLE decisions DISABLE TRIGGER decisions_append_only;
UPDATE decisions d SET photo_id = c.photo_id FROM candidates c WHERE c.id = d.candidate_id;
ALTER TABLE decisions ENABLE TRIGGER decisions_append_only;
