-- Directory connections, their live validations, and sync runs (the
-- hand-off between the wizard and the background worker).
CREATE TABLE connections (
    id                TEXT PRIMARY KEY,
    kind              TEXT NOT NULL CHECK (kind IN ('azure_directory_sync', 'office365_server')),
    cloud             TEXT NOT NULL DEFAULT 'default',
    authority_host    TEXT NOT NULL,
    graph_url         TEXT NOT NULL,
    tenant_domain     TEXT NOT NULL,
    tenant_id         TEXT NOT NULL DEFAULT '',
    application_id    TEXT NOT NULL,
    credential_type   TEXT NOT NULL DEFAULT 'secret' CHECK (credential_type IN ('secret', 'certificate')),
    -- The key in use, sealed (AES-256-GCM, associated data connections/<id>/secret).
    secret_sealed     TEXT NOT NULL DEFAULT '',
    secret_hint       TEXT NOT NULL DEFAULT '',
    secret_set_at     TEXT,
    -- A replacement key under validation (Edit): the key in use stays until it passes.
    pending_sealed    TEXT NOT NULL DEFAULT '',
    pending_hint      TEXT NOT NULL DEFAULT '',
    key_expires_at    TEXT,
    key_expiry_note   TEXT NOT NULL DEFAULT '',
    permissions       TEXT NOT NULL DEFAULT '',
    user_count        INTEGER NOT NULL DEFAULT 0,
    group_count       INTEGER NOT NULL DEFAULT 0,
    state             TEXT NOT NULL CHECK (state IN ('pending', 'active', 'failed', 'disabled')),
    delete_threshold  INTEGER NOT NULL DEFAULT 500 CHECK (delete_threshold >= 0),
    created_by        INTEGER REFERENCES users (id) ON DELETE SET NULL,
    created_at        TEXT NOT NULL,
    updated_at        TEXT NOT NULL,
    validated_at      TEXT
);
CREATE INDEX connections_kind ON connections (kind, created_at);

CREATE TABLE validations (
    id            INTEGER PRIMARY KEY,
    connection_id TEXT NOT NULL REFERENCES connections (id) ON DELETE CASCADE,
    purpose       TEXT NOT NULL CHECK (purpose IN ('create', 'edit', 'revalidate')),
    state         TEXT NOT NULL CHECK (state IN ('running', 'passed', 'failed')),
    started_at    TEXT NOT NULL,
    finished_at   TEXT
);
CREATE INDEX validations_connection ON validations (connection_id, id);

CREATE TABLE validation_steps (
    validation_id INTEGER NOT NULL REFERENCES validations (id) ON DELETE CASCADE,
    step          INTEGER NOT NULL,
    state         TEXT NOT NULL,
    message       TEXT NOT NULL DEFAULT '',
    fix           TEXT NOT NULL DEFAULT '',
    code          TEXT NOT NULL DEFAULT '',
    duration_ms   INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (validation_id, step)
);

CREATE TABLE runs (
    id                  TEXT PRIMARY KEY,
    connection_id       TEXT NOT NULL REFERENCES connections (id) ON DELETE CASCADE,
    trigger             TEXT NOT NULL CHECK (trigger IN ('schedule', 'manual', 'validation', 'startup', 'full', 'preview')),
    state               TEXT NOT NULL CHECK (state IN ('queued', 'running', 'succeeded', 'failed', 'awaiting_approval', 'cancelled', 'interrupted')),
    full_sync           INTEGER NOT NULL DEFAULT 0,
    requested_by        INTEGER REFERENCES users (id) ON DELETE SET NULL,
    queued_at           TEXT NOT NULL,
    started_at          TEXT,
    finished_at         TEXT,
    users_added         INTEGER NOT NULL DEFAULT 0,
    users_updated       INTEGER NOT NULL DEFAULT 0,
    users_deleted       INTEGER NOT NULL DEFAULT 0,
    groups_added        INTEGER NOT NULL DEFAULT 0,
    groups_updated      INTEGER NOT NULL DEFAULT 0,
    groups_deleted      INTEGER NOT NULL DEFAULT 0,
    memberships_added   INTEGER NOT NULL DEFAULT 0,
    memberships_deleted INTEGER NOT NULL DEFAULT 0,
    requests            INTEGER NOT NULL DEFAULT 0,
    retries             INTEGER NOT NULL DEFAULT 0,
    throttled           INTEGER NOT NULL DEFAULT 0,
    pages               INTEGER NOT NULL DEFAULT 0,
    objects_processed   INTEGER NOT NULL DEFAULT 0,
    error               TEXT NOT NULL DEFAULT ''
);
CREATE INDEX runs_connection ON runs (connection_id, queued_at DESC);
CREATE INDEX runs_state ON runs (state, queued_at);
-- One queued or running run per connection at a time.
CREATE UNIQUE INDEX runs_one_active ON runs (connection_id) WHERE state IN ('queued', 'running');

CREATE TABLE run_logs (
    run_id  TEXT NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
    seq     INTEGER NOT NULL,
    at      TEXT NOT NULL,
    level   TEXT NOT NULL,
    message TEXT NOT NULL,
    PRIMARY KEY (run_id, seq)
);
