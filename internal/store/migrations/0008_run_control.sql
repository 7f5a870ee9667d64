-- Run control (issue 5). A decision on a held run is recorded beside the
-- run, so finished_at stays the end of the run's own work and its duration
-- does not include the wait for a person. A preview keeps the first
-- deletions it found (names copied, since the objects may be gone by the
-- time someone reads the page) and the safeguard it was compared with.
-- Numbered 0008: 0007 is taken on another branch.
ALTER TABLE runs ADD COLUMN decided_by TEXT NOT NULL DEFAULT '';
ALTER TABLE runs ADD COLUMN decided_at TEXT;
ALTER TABLE runs ADD COLUMN delete_threshold INTEGER;

CREATE TABLE run_preview_deletions (
    run_id       TEXT NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
    seq          INTEGER NOT NULL,
    kind         TEXT NOT NULL,
    id           TEXT NOT NULL,
    display_name TEXT NOT NULL,
    upn          TEXT NOT NULL,
    mail         TEXT NOT NULL,
    PRIMARY KEY (run_id, seq)
);
