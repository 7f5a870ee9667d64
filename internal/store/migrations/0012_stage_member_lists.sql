-- A group's members@delta entries from one page are staged as one row, a
-- list, instead of one row each: a first sync of a million memberships
-- staged them one B-tree insert at a time at random places of a
-- hundred-megabyte index, the largest cost of fetching (4 of the 5 s
-- staging took at 100,000 users); ten thousand groups make about twelve
-- thousand lists, appended. Entries are "<kind><op><member id>": kind u
-- (user) or g (group), op + (member) or - (removed). Within a list a
-- member appears once (its last entry), and the list is sorted by member
-- id. adds and removals count the list's entries of each op.
CREATE TABLE stage_member_lists (
    seq      INTEGER PRIMARY KEY, -- arrival order
    run_id   TEXT NOT NULL,
    group_id TEXT NOT NULL,
    adds     INTEGER NOT NULL,
    removals INTEGER NOT NULL,
    members  TEXT NOT NULL        -- JSON array of entries
);
CREATE INDEX stage_member_lists_run ON stage_member_lists (run_id, group_id, seq);
-- Entries staged before the upgrade (already folded, one per pair) become
-- one list per run and group.
INSERT INTO stage_member_lists (run_id, group_id, adds, removals, members)
SELECT run_id, group_id, SUM(removed = 0), SUM(removed <> 0),
    json_group_array(CASE member_kind WHEN 'group' THEN 'g' ELSE 'u' END || CASE WHEN removed THEN '-' ELSE '+' END
        || member_id ORDER BY member_id)
FROM stage_members GROUP BY run_id, group_id;
DROP TABLE stage_members;
