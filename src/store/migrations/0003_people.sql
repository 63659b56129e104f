-- Staff tokens belong to people (DESIGN §13). The two-person rule must count people, not
-- tokens: two tokens held by one verifier are one verifier. A person is a name with a role,
-- however the name was typed (case and surrounding spaces ignored); existing staff tokens are
-- grouped into people that way. Family tokens belong to a case, not to a person.
CREATE TABLE people (
  id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  role        text NOT NULL CHECK (role IN ('operator', 'verifier', 'admin')),
  name        text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
  created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX people_role_name_idx ON people (role, lower(btrim(name)));

ALTER TABLE tokens ADD COLUMN person_id uuid REFERENCES people (id);
INSERT INTO people (role, name)
  SELECT DISTINCT ON (role, lower(btrim(name))) role, btrim(name) FROM tokens
  WHERE role <> 'family' ORDER BY role, lower(btrim(name)), created_at;
UPDATE tokens t SET person_id = p.id FROM people p
  WHERE t.role <> 'family' AND p.role = t.role AND lower(btrim(p.name)) = lower(btrim(t.name));
ALTER TABLE tokens ADD CONSTRAINT tokens_person_check CHECK ((role = 'family') = (person_id IS NULL));
CREATE INDEX tokens_person_idx ON tokens (person_id);

-- The audit log names the person behind every act, not only the token used.
ALTER TABLE audit_events ADD COLUMN actor_person_id uuid;

-- A verifier's note is about a family's case and goes with it when the family deletes the case
-- (issue 16), while the decision itself stays in the append-only record. Notes therefore live
-- beside the decisions; the old column's notes move here and the column is dropped (DDL, so
-- the append-only row trigger is not involved).
CREATE TABLE decision_notes (
  decision_id uuid PRIMARY KEY REFERENCES decisions (id),
  note        text NOT NULL CHECK (length(note) BETWEEN 1 AND 2000)
);
INSERT INTO decision_notes (decision_id, note) SELECT id, note FROM decisions WHERE note IS NOT NULL AND note <> '';
ALTER TABLE decisions DROP COLUMN note;

-- A secret of this installation, made once: the audit log keeps a keyed hash of an anonymous
-- caller's address (enough to see that one address opened forty cases, not who it was), and
-- every process of the installation must hash alike, so the key lives in the database.
CREATE TABLE installation_secrets (
  name   text PRIMARY KEY,
  value  text NOT NULL CHECK (value ~ '^[0-9a-f]{64}$')
);
