-- Review (issue 13, DESIGN §10): independent double review, decisions that can be corrected.
-- The decisions table stays append-only: an answer withdrawn, a disagreement settled by an
-- admin, a final result reopened are all new rows, and a candidate's status is recomputed from
-- the rows that still count (the view at the end).

-- The kinds of row:
--   confirm, reject   a verifier's answer (the two-person rule counts distinct people)
--   unsure            a verifier's "I cannot tell" (with a reason): counts neither way
--   retract           withdraws the decision named by `retracts` (its author, within 15 min)
--   admin_confirm,
--   admin_reject      an admin settles a disputed candidate (with a reason)
--   reopen            an admin reopens a final candidate (with a reason): rows before it stop counting
ALTER TABLE decisions DROP CONSTRAINT decisions_decision_check;
ALTER TABLE decisions ADD CONSTRAINT decisions_decision_check
  CHECK (decision IN ('confirm', 'reject', 'unsure', 'retract', 'admin_confirm', 'admin_reject', 'reopen'));

-- The order decisions were taken in. created_at is the transaction's start, and a transaction
-- that waited for the candidate's lock can start before one that took the lock first: the
-- sequence is drawn at insert, under the lock, so "rows after the last reopen" is exact.
ALTER TABLE decisions ADD COLUMN seq bigint GENERATED ALWAYS AS IDENTITY;
CREATE UNIQUE INDEX decisions_seq_idx ON decisions (seq);

-- A retract row names the decision it withdraws; a decision is withdrawn at most once.
ALTER TABLE decisions ADD COLUMN retracts uuid REFERENCES decisions (id);
ALTER TABLE decisions ADD CONSTRAINT decisions_retracts_check CHECK ((decision = 'retract') = (retracts IS NOT NULL));
CREATE UNIQUE INDEX decisions_retracts_idx ON decisions (retracts) WHERE retracts IS NOT NULL;

-- "Decisions I made today" and "may I still retract" look a person's rows up by token and time.
CREATE INDEX decisions_token_at_idx ON decisions (token_id, created_at);

-- Reasons (why unsure, why an admin decided or reopened) are about a family's relative, like
-- notes, and go with the case when the family deletes it: they live beside the notes, one of
-- each kind per decision.
ALTER TABLE decision_notes ADD COLUMN kind text NOT NULL DEFAULT 'note' CHECK (kind IN ('note', 'reason'));
ALTER TABLE decision_notes DROP CONSTRAINT decision_notes_pkey;
ALTER TABLE decision_notes ADD PRIMARY KEY (decision_id, kind);

-- Confirms and rejects by different people make a candidate disputed: an admin decides it.
ALTER TABLE candidates DROP CONSTRAINT candidates_status_check;
ALTER TABLE candidates ADD CONSTRAINT candidates_status_check
  CHECK (status IN ('pending', 'confirmed', 'rejected', 'disputed'));
CREATE INDEX candidates_disputed_idx ON candidates (search_id) WHERE status = 'disputed';

-- A short lease while one verifier has a candidate open, so two verifiers are not shown the
-- same candidate at the same moment. Only a hint for the queue (an expired lease is simply
-- ignored), so it is an ordinary table, overwritten freely.
CREATE TABLE candidate_leases (
  candidate_id  uuid PRIMARY KEY REFERENCES candidates (id) ON DELETE CASCADE,
  person_id     uuid NOT NULL REFERENCES people (id),
  expires_at    timestamptz NOT NULL
);

-- The decisions that count now: answers and admin decisions not withdrawn and not before the
-- candidate's last reopen, each with the person behind its token.
CREATE VIEW current_decisions AS
  SELECT d.id, d.candidate_id, d.token_id, t.person_id, d.decision, d.family_message, d.seq, d.created_at
  FROM decisions d
  JOIN tokens t ON t.id = d.token_id
  WHERE d.decision IN ('confirm', 'reject', 'unsure', 'admin_confirm', 'admin_reject')
    AND NOT EXISTS (SELECT 1 FROM decisions r WHERE r.retracts = d.id)
    AND NOT EXISTS (SELECT 1 FROM decisions o WHERE o.candidate_id = d.candidate_id AND o.decision = 'reopen' AND o.seq > d.seq);
