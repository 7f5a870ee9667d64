-- A staged (group, member) pair keeps only its last entry: staging folds
-- members@delta as the entries arrive (an upsert in arrival order), so a
-- first sync copies its memberships and counts them without grouping a
-- million staged entries twice, and the arrival number (seq) that the
-- grouping needed goes. Entries staged by a run that has not applied yet
-- are folded into the new table the same way: the last one wins.
CREATE TABLE stage_members_folded (
    run_id      TEXT NOT NULL,
    group_id    TEXT NOT NULL,
    member_id   TEXT NOT NULL,
    member_kind TEXT NOT NULL,
    removed     INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (run_id, group_id, member_id)
) WITHOUT ROWID;
INSERT INTO stage_members_folded (run_id, group_id, member_id, member_kind, removed)
SELECT run_id, group_id, member_id, member_kind, removed
FROM (SELECT run_id, group_id, member_id, member_kind, removed, MAX(seq)
      FROM stage_members GROUP BY run_id, group_id, member_id);
DROP TABLE stage_members;
ALTER TABLE stage_members_folded RENAME TO stage_members;
