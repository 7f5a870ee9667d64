-- A first sync adds the users and groups Graph sent once straight from
-- staging, as it already does with memberships, instead of first copying a
-- hundred thousand rows into run_user_changes. For such a run these hold
-- how many it adds that way; NULL means every change is planned row by
-- row (repeated objects are always folded into the change tables).
ALTER TABLE stage_runs ADD COLUMN direct_users INTEGER;
ALTER TABLE stage_runs ADD COLUMN direct_groups INTEGER;
