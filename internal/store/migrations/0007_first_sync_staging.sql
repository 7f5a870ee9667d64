-- A first sync (a full fetch into an empty directory) adds every staged
-- membership: such a run applies them straight from staging instead of
-- first copying a million rows into run_membership_changes. For those runs
-- direct_memberships holds how many the run adds; NULL means the changes
-- are planned row by row in run_membership_changes.
ALTER TABLE stage_runs ADD COLUMN direct_memberships INTEGER;

-- Staged members live in their index alone: a WITHOUT ROWID table keyed
-- (run, group, member, arrival) instead of a rowid table plus an index
-- holding the same columns again, which halves what a million staged
-- memberships write. seq is assigned by the store in arrival order.
-- Staging is disposable (a run interrupted by the upgrade is discarded at
-- start-up, and a run awaiting approval keeps no staged members), so the
-- table is recreated empty.
DROP TABLE stage_members;
CREATE TABLE stage_members (
    run_id      TEXT NOT NULL,
    group_id    TEXT NOT NULL,
    member_id   TEXT NOT NULL,
    seq         INTEGER NOT NULL,
    member_kind TEXT NOT NULL,
    removed     INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (run_id, group_id, member_id, seq)
) WITHOUT ROWID;
