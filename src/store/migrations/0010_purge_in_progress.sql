-- Issue 28, finding 3: a purge marks its cases before it deletes anything, so one that is killed
-- (or meets a store that hangs) is finished by the next run, whatever retention period that run
-- is given. The case is only `purged_at` once its files and rows are gone.
ALTER TABLE searches ADD COLUMN purge_started_at timestamptz;
