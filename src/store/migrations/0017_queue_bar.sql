-- The bar of a search (issue 25, DESIGN §15). Each candidate keeps the chance that a stranger
-- shows evidence as strong as its own, per archive record (src/match/bar.ts): `face_rate` from
-- its face alone (after the two faces' own impostor scores are taken into account; null when no
-- face was compared), `stranger_rate` with its record's agreement as well. The queue offers a
-- candidate when stranger_rate × the archive's size is within KINFINDER_QUEUE_FPIR: the bar
-- follows the archive's size at the moment the queue is read. Candidates kept before this
-- migration have neither and stay in the queue as they were (no evidence to hide them by).
ALTER TABLE candidates ADD COLUMN face_rate double precision CHECK (face_rate BETWEEN 0 AND 1);
ALTER TABLE candidates ADD COLUMN stranger_rate double precision CHECK (stranger_rate BETWEEN 0 AND 1);
CREATE INDEX candidates_search_rate_idx ON candidates (search_id, stranger_rate);
-- Two cases opened with the same photo are flagged to the verifier (issue 25): found by the photo's hash.
CREATE INDEX reference_faces_photo_sha256_idx ON reference_faces (photo_sha256);
