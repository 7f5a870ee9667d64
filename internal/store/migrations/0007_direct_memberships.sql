-- A first sync (a full fetch into an empty directory) adds every staged
-- membership: such a run applies them straight from staging instead of
-- first copying a million rows into run_membership_changes. For those runs
-- direct_memberships holds how many the run adds; NULL means the changes
-- are planned row by row in run_membership_changes.
ALTER TABLE stage_runs ADD COLUMN direct_memberships INTEGER;
