-- The users a run staged as JSON (removed ones, and any staged by a version
-- before 0012) are few. A first sync looks for them to copy them too;
-- without an index of their own that meant reading every staged user's
-- row to find none. The partial index holds only them, so staging the
-- others costs nothing more.
CREATE INDEX stage_users_json ON stage_users (run_id, id) WHERE sent IS NULL;
