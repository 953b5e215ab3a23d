-- keyward schema v2: the Admin API's user directory, and key roles.
-- Times in these tables are Unix MICROseconds (users are sorted and paged by
-- creation time, which needs more than whole seconds). Booleans are 0/1.
-- JSON documents are TEXT. Every row belongs to one project and goes with it.

-- 'read_only' keys may run queries but no mutation.
ALTER TABLE admin_api_keys ADD COLUMN role TEXT NOT NULL DEFAULT 'full'
    CHECK (role IN ('full', 'read_only'));

CREATE TABLE users (
    project_id            TEXT    NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    id                    TEXT    NOT NULL,
    created_at            INTEGER NOT NULL,
    updated_at            INTEGER NOT NULL,
    last_login_at         INTEGER,
    is_disabled           INTEGER NOT NULL DEFAULT 0,
    disable_reason        TEXT,
    temp_disabled_from    INTEGER,
    temp_disabled_until   INTEGER,
    is_deactivated        INTEGER NOT NULL DEFAULT 0,
    delete_at             INTEGER,
    delete_reason         TEXT,
    is_anonymized         INTEGER NOT NULL DEFAULT 0,
    account_valid_from    INTEGER,
    account_valid_until   INTEGER,
    standard_attributes   TEXT    NOT NULL DEFAULT '{}',
    custom_attributes     TEXT    NOT NULL DEFAULT '{}',
    PRIMARY KEY (project_id, id)
);
-- keyset pagination by creation time (both directions use it)
CREATE INDEX users_by_created ON users (project_id, created_at, id);

-- Login IDs. `unique_key` is the normalized value with an IDNA (punycode)
-- domain for emails: the uniqueness the spec asks for lives in this index,
-- not in a read-then-write check.
CREATE TABLE identities (
    project_id     TEXT    NOT NULL,
    id             TEXT    NOT NULL,
    user_id        TEXT    NOT NULL,
    login_id_key   TEXT    NOT NULL,
    login_id_type  TEXT    NOT NULL CHECK (login_id_type IN ('email', 'phone', 'username')),
    login_id       TEXT    NOT NULL,
    unique_key     TEXT    NOT NULL,
    original_value TEXT    NOT NULL,
    created_at     INTEGER NOT NULL,
    updated_at     INTEGER NOT NULL,
    PRIMARY KEY (project_id, id),
    FOREIGN KEY (project_id, user_id) REFERENCES users (project_id, id) ON DELETE CASCADE
);
CREATE UNIQUE INDEX identities_unique ON identities (project_id, unique_key);
CREATE INDEX identities_by_user ON identities (project_id, user_id, created_at);

-- Primary passwords (argon2id PHC strings).
CREATE TABLE password_authenticators (
    project_id    TEXT    NOT NULL,
    id            TEXT    NOT NULL,
    user_id       TEXT    NOT NULL,
    password_hash TEXT    NOT NULL,
    expire_after  INTEGER,
    created_at    INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL,
    PRIMARY KEY (project_id, id),
    FOREIGN KEY (project_id, user_id) REFERENCES users (project_id, id) ON DELETE CASCADE
);
CREATE INDEX password_authenticators_by_user ON password_authenticators (project_id, user_id);

CREATE TABLE verified_claims (
    project_id TEXT    NOT NULL,
    user_id    TEXT    NOT NULL,
    name       TEXT    NOT NULL,
    value      TEXT    NOT NULL,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (project_id, user_id, name, value),
    FOREIGN KEY (project_id, user_id) REFERENCES users (project_id, id) ON DELETE CASCADE
);

-- Prefix search: every identity value and the lowercased name of each user,
-- with the user's creation time so that a search page sorted by it is read
-- from this index alone, however many users match.
CREATE TABLE user_search_terms (
    project_id TEXT NOT NULL,
    term       TEXT NOT NULL,
    user_id    TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (project_id, term, user_id),
    FOREIGN KEY (project_id, user_id) REFERENCES users (project_id, id) ON DELETE CASCADE
);
CREATE INDEX user_search_terms_by_user ON user_search_terms (project_id, user_id);
CREATE INDEX user_search_terms_by_time ON user_search_terms (project_id, term, created_at, user_id);

CREATE TABLE access_roles (
    project_id  TEXT    NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    id          TEXT    NOT NULL,
    key         TEXT    NOT NULL,
    name        TEXT,
    description TEXT,
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL,
    PRIMARY KEY (project_id, id),
    UNIQUE (project_id, key)
);
CREATE INDEX access_roles_by_created ON access_roles (project_id, created_at, id);

CREATE TABLE access_groups (
    project_id  TEXT    NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    id          TEXT    NOT NULL,
    key         TEXT    NOT NULL,
    name        TEXT,
    description TEXT,
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL,
    PRIMARY KEY (project_id, id),
    UNIQUE (project_id, key)
);
CREATE INDEX access_groups_by_created ON access_groups (project_id, created_at, id);

CREATE TABLE user_roles (
    project_id TEXT    NOT NULL,
    user_id    TEXT    NOT NULL,
    role_id    TEXT    NOT NULL,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (project_id, user_id, role_id),
    FOREIGN KEY (project_id, user_id) REFERENCES users (project_id, id) ON DELETE CASCADE,
    FOREIGN KEY (project_id, role_id) REFERENCES access_roles (project_id, id) ON DELETE CASCADE
);
CREATE INDEX user_roles_by_role ON user_roles (project_id, role_id, user_id);

CREATE TABLE user_groups (
    project_id TEXT    NOT NULL,
    user_id    TEXT    NOT NULL,
    group_id   TEXT    NOT NULL,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (project_id, user_id, group_id),
    FOREIGN KEY (project_id, user_id) REFERENCES users (project_id, id) ON DELETE CASCADE,
    FOREIGN KEY (project_id, group_id) REFERENCES access_groups (project_id, id) ON DELETE CASCADE
);
CREATE INDEX user_groups_by_group ON user_groups (project_id, group_id, user_id);

CREATE TABLE group_roles (
    project_id TEXT    NOT NULL,
    group_id   TEXT    NOT NULL,
    role_id    TEXT    NOT NULL,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (project_id, group_id, role_id),
    FOREIGN KEY (project_id, group_id) REFERENCES access_groups (project_id, id) ON DELETE CASCADE,
    FOREIGN KEY (project_id, role_id) REFERENCES access_roles (project_id, id) ON DELETE CASCADE
);
CREATE INDEX group_roles_by_role ON group_roles (project_id, role_id, group_id);

-- Kept when the user is deleted (no foreign key to users).
CREATE TABLE audit_log (
    seq           INTEGER PRIMARY KEY AUTOINCREMENT,
    project_id    TEXT    NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    activity_type TEXT    NOT NULL,
    user_id       TEXT,
    kid           TEXT,
    created_at    INTEGER NOT NULL,
    data          TEXT    NOT NULL
);
CREATE INDEX audit_log_by_time ON audit_log (project_id, created_at, seq);
CREATE INDEX audit_log_by_user ON audit_log (project_id, user_id, created_at);
