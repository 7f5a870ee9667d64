-- Counts of each connection's synchronized directory, kept by the run that
-- changes it (in the same transaction), so status pages and the API do not
-- count a million memberships on every request.
CREATE TABLE dir_counts (
    connection_id TEXT PRIMARY KEY REFERENCES connections (id) ON DELETE CASCADE,
    users         INTEGER NOT NULL,
    groups        INTEGER NOT NULL,
    memberships   INTEGER NOT NULL,
    counted_at    TEXT NOT NULL
);
INSERT INTO dir_counts (connection_id, users, groups, memberships, counted_at)
SELECT c.id,
    (SELECT COUNT(*) FROM dir_users u WHERE u.connection_id = c.id),
    (SELECT COUNT(*) FROM dir_groups g WHERE g.connection_id = c.id),
    (SELECT COUNT(*) FROM dir_memberships m WHERE m.connection_id = c.id),
    strftime('%Y-%m-%dT%H:%M:%fZ', 'now')
FROM connections c;
