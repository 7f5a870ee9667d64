-- The synchronized directory per connection, its delta state, the staging
-- area one run fills before anything live changes, the changes a run would
-- apply (kept while it awaits approval), and the scheduler's last slot.

CREATE TABLE dir_users (
    connection_id        TEXT NOT NULL REFERENCES connections (id) ON DELETE CASCADE,
    id                   TEXT NOT NULL,
    user_principal_name  TEXT NOT NULL DEFAULT '' COLLATE NOCASE,
    mail                 TEXT NOT NULL DEFAULT '' COLLATE NOCASE,
    display_name         TEXT NOT NULL DEFAULT '' COLLATE NOCASE,
    given_name           TEXT NOT NULL DEFAULT '',
    surname              TEXT NOT NULL DEFAULT '',
    job_title            TEXT NOT NULL DEFAULT '',
    department           TEXT NOT NULL DEFAULT '',
    office_location      TEXT NOT NULL DEFAULT '',
    company_name         TEXT NOT NULL DEFAULT '',
    mobile_phone         TEXT NOT NULL DEFAULT '',
    business_phones      TEXT NOT NULL DEFAULT '[]', -- JSON array of strings
    proxy_addresses      TEXT NOT NULL DEFAULT '[]', -- JSON array of strings
    account_enabled      INTEGER NOT NULL DEFAULT 0,
    user_type            TEXT NOT NULL DEFAULT '',
    employee_id          TEXT NOT NULL DEFAULT '',
    usage_location       TEXT NOT NULL DEFAULT '',
    preferred_language   TEXT NOT NULL DEFAULT '',
    created_date_time    TEXT NOT NULL DEFAULT '', -- Graph's createdDateTime
    created_at           TEXT NOT NULL,            -- first synchronized
    last_changed_run_id  TEXT NOT NULL DEFAULT '',
    updated_at           TEXT NOT NULL,
    PRIMARY KEY (connection_id, id)
) WITHOUT ROWID;
-- Prefix search (GET /directory?q=): the columns are NOCASE, so these
-- indexes serve case-insensitive range scans.
CREATE INDEX dir_users_display_name ON dir_users (connection_id, display_name);
CREATE INDEX dir_users_upn ON dir_users (connection_id, user_principal_name);
CREATE INDEX dir_users_mail ON dir_users (connection_id, mail);

-- One row per proxy address, without its protocol prefix ("smtp:"), so a
-- prefix search by address can use an index.
CREATE TABLE dir_user_addresses (
    connection_id TEXT NOT NULL,
    address       TEXT NOT NULL COLLATE NOCASE,
    user_id       TEXT NOT NULL,
    PRIMARY KEY (connection_id, address, user_id),
    FOREIGN KEY (connection_id, user_id) REFERENCES dir_users (connection_id, id) ON DELETE CASCADE
) WITHOUT ROWID;
CREATE INDEX dir_user_addresses_user ON dir_user_addresses (connection_id, user_id);

CREATE TABLE dir_groups (
    connection_id        TEXT NOT NULL REFERENCES connections (id) ON DELETE CASCADE,
    id                   TEXT NOT NULL,
    display_name         TEXT NOT NULL DEFAULT '' COLLATE NOCASE,
    mail                 TEXT NOT NULL DEFAULT '' COLLATE NOCASE,
    mail_enabled         INTEGER NOT NULL DEFAULT 0,
    security_enabled     INTEGER NOT NULL DEFAULT 0,
    group_types          TEXT NOT NULL DEFAULT '[]', -- JSON array of strings
    description          TEXT NOT NULL DEFAULT '',
    created_at           TEXT NOT NULL,
    last_changed_run_id  TEXT NOT NULL DEFAULT '',
    updated_at           TEXT NOT NULL,
    PRIMARY KEY (connection_id, id)
) WITHOUT ROWID;
CREATE INDEX dir_groups_display_name ON dir_groups (connection_id, display_name);
CREATE INDEX dir_groups_mail ON dir_groups (connection_id, mail);

-- Direct memberships only; nested ones are worked out by query.
CREATE TABLE dir_memberships (
    connection_id TEXT NOT NULL REFERENCES connections (id) ON DELETE CASCADE,
    group_id      TEXT NOT NULL,
    member_id     TEXT NOT NULL,
    member_kind   TEXT NOT NULL CHECK (member_kind IN ('user', 'group')),
    PRIMARY KEY (connection_id, group_id, member_id)
) WITHOUT ROWID;
CREATE INDEX dir_memberships_member ON dir_memberships (connection_id, member_id);

CREATE TABLE dir_delta_state (
    connection_id     TEXT PRIMARY KEY REFERENCES connections (id) ON DELETE CASCADE,
    users_delta_link  TEXT NOT NULL DEFAULT '',
    groups_delta_link TEXT NOT NULL DEFAULT '',
    renewed_at        TEXT NOT NULL,
    full_sync_at      TEXT
);

-- Staging of one run: pages as Graph sent them, in arrival order (seq), so
-- repeated objects and replays fold in order.
CREATE TABLE stage_runs (
    run_id            TEXT PRIMARY KEY REFERENCES runs (id) ON DELETE CASCADE,
    connection_id     TEXT NOT NULL,
    full_sync         INTEGER NOT NULL DEFAULT 0,
    users_delta_link  TEXT NOT NULL DEFAULT '',
    groups_delta_link TEXT NOT NULL DEFAULT ''
);
CREATE TABLE stage_users (
    seq     INTEGER PRIMARY KEY,
    run_id  TEXT NOT NULL,
    id      TEXT NOT NULL,
    removed INTEGER NOT NULL DEFAULT 0,
    data    TEXT NOT NULL -- the object's JSON as received: absent fields stay absent
);
CREATE INDEX stage_users_run ON stage_users (run_id, id, seq);
CREATE TABLE stage_groups (
    seq     INTEGER PRIMARY KEY,
    run_id  TEXT NOT NULL,
    id      TEXT NOT NULL,
    removed INTEGER NOT NULL DEFAULT 0,
    data    TEXT NOT NULL
);
CREATE INDEX stage_groups_run ON stage_groups (run_id, id, seq);
CREATE TABLE stage_members (
    seq         INTEGER PRIMARY KEY,
    run_id      TEXT NOT NULL,
    group_id    TEXT NOT NULL,
    member_id   TEXT NOT NULL,
    member_kind TEXT NOT NULL,
    removed     INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX stage_members_run ON stage_members (run_id, group_id, member_id, seq);

-- What a run will apply (or would, for a preview): one row per changed
-- object with its final attributes. A run awaiting approval keeps them, and
-- its deletions are what the approval page lists.
CREATE TABLE run_user_changes (
    run_id TEXT NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
    id     TEXT NOT NULL,
    op     TEXT NOT NULL CHECK (op IN ('add', 'update', 'delete')),
    data   TEXT NOT NULL DEFAULT '{}',
    PRIMARY KEY (run_id, id)
) WITHOUT ROWID;
CREATE TABLE run_group_changes (
    run_id TEXT NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
    id     TEXT NOT NULL,
    op     TEXT NOT NULL CHECK (op IN ('add', 'update', 'delete')),
    data   TEXT NOT NULL DEFAULT '{}',
    PRIMARY KEY (run_id, id)
) WITHOUT ROWID;
CREATE TABLE run_membership_changes (
    run_id      TEXT NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
    group_id    TEXT NOT NULL,
    member_id   TEXT NOT NULL,
    member_kind TEXT NOT NULL,
    op          TEXT NOT NULL CHECK (op IN ('add', 'delete')),
    PRIMARY KEY (run_id, group_id, member_id)
) WITHOUT ROWID;

-- The newest schedule slot a run was queued for, per connection, so a slot
-- missed while Connect was stopped runs once at start-up.
CREATE TABLE schedule_slots (
    connection_id TEXT PRIMARY KEY REFERENCES connections (id) ON DELETE CASCADE,
    last_slot     TEXT NOT NULL
);
