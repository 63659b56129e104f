-- Placeholder holding number 0008 for the review issue (13), so that this branch's 0009 can
-- run before that branch is merged (migrations must be numbered without gaps). It changes
-- nothing. Whoever merges issue 13's real 0008 deletes this file.
SELECT 1;
