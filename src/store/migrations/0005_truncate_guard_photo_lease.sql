-- Append-only, for TRUNCATE too: row triggers (0001) never fire on TRUNCATE, which empties a
-- table (or, with CASCADE, every table referencing it) in one statement. Statement-level
-- triggers refuse it, on the tables themselves and when a cascade reaches them. The table's
-- owner can still disable triggers: on PostgreSQL the service runs as a role that owns nothing
-- (README, "PostgreSQL"), so only the migration role could.
CREATE TRIGGER decisions_no_truncate BEFORE TRUNCATE ON decisions
  FOR EACH STATEMENT EXECUTE FUNCTION kinfinder_append_only();
CREATE TRIGGER audit_events_no_truncate BEFORE TRUNCATE ON audit_events
  FOR EACH STATEMENT EXECUTE FUNCTION kinfinder_append_only();

-- A lease on a photo being processed: the worker renews it while it works, so a photo left
-- `processing` by a process that died (kill -9, a lost machine) is noticed when the lease runs
-- out (well under a minute) rather than when the queue's job timeout expires (minutes).
ALTER TABLE photos ADD COLUMN heartbeat_at timestamptz;
-- The sweep looks only at photos in processing; the partial index stays tiny.
CREATE INDEX photos_processing_heartbeat ON photos (heartbeat_at) WHERE status = 'processing';
