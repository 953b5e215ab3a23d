-- keyward schema v10: user import and export jobs (Authgear's REST
-- endpoints). Times are Unix MICROSECONDS.

-- An import: its records cut into tasks of 100. A task's records are
-- applied in one transaction together with the task's outcomes, so a
-- killed server leaves each task either done (outcomes kept) or untouched
-- (run again by whoever holds the lease next).
CREATE TABLE user_imports (
    project_id TEXT    NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    id         TEXT    NOT NULL,
    created_at BIGINT  NOT NULL,
    upsert     BOOLEAN NOT NULL,
    identifier TEXT    NOT NULL CHECK (identifier IN ('email', 'phone_number', 'preferred_username')),
    total      BIGINT  NOT NULL,
    expires_at BIGINT  NOT NULL,
    PRIMARY KEY (project_id, id)
);
CREATE INDEX user_imports_by_expiry ON user_imports (expires_at);

CREATE TABLE user_import_tasks (
    project_id   TEXT    NOT NULL,
    import_id    TEXT    NOT NULL,
    seq          BIGINT  NOT NULL,
    -- The task's records (JSON array); erased once the task is done, since
    -- they may hold password hashes and TOTP secrets.
    records      TEXT,
    -- One detail entry per record (JSON array), once done.
    results      TEXT,
    -- Set when the task itself failed (APIError JSON).
    error        TEXT,
    attempts     BIGINT  NOT NULL DEFAULT 0,
    created_at   BIGINT  NOT NULL,
    completed_at BIGINT,
    PRIMARY KEY (project_id, import_id, seq),
    FOREIGN KEY (project_id, import_id) REFERENCES user_imports (project_id, id) ON DELETE CASCADE
);
CREATE INDEX user_import_tasks_pending ON user_import_tasks (created_at, seq) WHERE completed_at IS NULL;

-- An export: the file is kept in the database in chunks (every replica can
-- serve it), served at signed, expiring links, and removed with the row.
CREATE TABLE user_exports (
    project_id   TEXT    NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    id           TEXT    NOT NULL,
    created_at   BIGINT  NOT NULL,
    request      TEXT    NOT NULL,
    -- Whether the file holds TOTP secrets (only for a full-access key).
    with_secrets BOOLEAN NOT NULL,
    status       TEXT    NOT NULL CHECK (status IN ('pending', 'completed', 'failed')),
    completed_at BIGINT,
    failed_at    BIGINT,
    error        TEXT,
    file_name    TEXT,
    size_bytes   BIGINT,
    -- Random (256 bits, base64url); the key of the HMAC that signs this
    -- export's download links.
    download_key TEXT    NOT NULL,
    attempts     BIGINT  NOT NULL DEFAULT 0,
    expires_at   BIGINT  NOT NULL,
    PRIMARY KEY (project_id, id)
);
CREATE INDEX user_exports_pending ON user_exports (created_at) WHERE status = 'pending';
CREATE INDEX user_exports_by_expiry ON user_exports (expires_at);

CREATE TABLE user_export_chunks (
    project_id TEXT    NOT NULL,
    export_id  TEXT    NOT NULL,
    seq        BIGINT  NOT NULL,
    data       BYTEA   NOT NULL,
    PRIMARY KEY (project_id, export_id, seq),
    FOREIGN KEY (project_id, export_id) REFERENCES user_exports (project_id, id) ON DELETE CASCADE
);
