-- Placeholder holding number 0007 for the operators issue (15), so that this branch's 0008 can
-- run before that branch is merged (migrations must be numbered without gaps). It changes
-- nothing. Whoever merges issue 15's real 0007 deletes this file.
SELECT 1;
