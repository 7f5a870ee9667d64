-- A group's members@delta entries from one staging transaction are staged
-- as one row, a list, instead of one row each: a first sync of a million
-- memberships staged them one B-tree insert at a time at random places of
-- a hundred-megabyte index, the largest cost of fetching (4 of the 5 s
-- staging took at 100,000 users); ten thousand groups make about as many
-- lists, appended. A list holds a member once (its last entry), sorted by
-- id: users and groups as JSON arrays of ids, which SQLite reads back
-- fastest, and the rarer removals as "u<id>" or "g<id>". adds and removals
-- count them.
CREATE TABLE stage_member_lists (
    seq      INTEGER PRIMARY KEY, -- arrival order
    run_id   TEXT NOT NULL,
    group_id TEXT NOT NULL,
    adds     INTEGER NOT NULL,
    removals INTEGER NOT NULL,
    users    TEXT NOT NULL,       -- JSON arrays
    groups   TEXT NOT NULL,
    removed  TEXT NOT NULL
);
CREATE INDEX stage_member_lists_run ON stage_member_lists (run_id, group_id, seq);
-- Entries staged before the upgrade become one list per run and group,
-- folded the same way: a pair's entry with the highest seq wins.
INSERT INTO stage_member_lists (run_id, group_id, adds, removals, users, groups, removed)
SELECT run_id, group_id, SUM(removed = 0), SUM(removed <> 0),
    COALESCE(json_group_array(member_id ORDER BY member_id) FILTER (WHERE removed = 0 AND member_kind = 'user'), '[]'),
    COALESCE(json_group_array(member_id ORDER BY member_id) FILTER (WHERE removed = 0 AND member_kind = 'group'), '[]'),
    COALESCE(json_group_array(CASE member_kind WHEN 'group' THEN 'g' ELSE 'u' END || member_id ORDER BY member_id)
        FILTER (WHERE removed <> 0), '[]')
FROM (SELECT run_id, group_id, member_id, member_kind, removed, MAX(seq)
      FROM stage_members GROUP BY run_id, group_id, member_id)
GROUP BY run_id, group_id;
DROP TABLE stage_members;
