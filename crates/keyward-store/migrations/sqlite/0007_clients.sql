-- keyward schema v7: machine-to-machine and third-party OAuth clients, API
-- resources with their scopes, and users' authorizations of clients.
-- Times on resources, scopes and authorizations are Unix MICROSECONDS.
--
-- This migration runs outside sqlx's transaction: SQLite cannot widen a
-- CHECK constraint in place, so oauth_clients is rebuilt by SQLite's
-- documented procedure (foreign keys off, then its own transaction), which
-- keeps every client's secrets, grants and codes: dropping the table with
-- foreign keys on would cascade to them.
PRAGMA foreign_keys = OFF;
BEGIN;

CREATE TABLE oauth_clients_v7 (
    project_id                 TEXT    NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    client_id                  TEXT    NOT NULL,
    name                       TEXT    NOT NULL,
    client_type                TEXT    NOT NULL CHECK (client_type IN ('spa', 'traditional_webapp', 'native', 'confidential', 'm2m', 'third_party_app')),
    -- JSON arrays of strings
    redirect_uris              TEXT    NOT NULL,
    post_logout_redirect_uris  TEXT    NOT NULL DEFAULT '[]',
    access_token_lifetime_secs INTEGER NOT NULL DEFAULT 1800,
    refresh_token_lifetime_secs INTEGER NOT NULL DEFAULT 31449600,
    refresh_idle_timeout_secs  INTEGER NOT NULL DEFAULT 2592000,
    refresh_rotation           INTEGER NOT NULL CHECK (refresh_rotation IN (0, 1)),
    refresh_reuse_leeway_secs  INTEGER NOT NULL DEFAULT 0,
    created_at                 INTEGER NOT NULL,
    updated_at                 INTEGER NOT NULL,
    PRIMARY KEY (project_id, client_id)
);
INSERT INTO oauth_clients_v7 (project_id, client_id, name, client_type, redirect_uris,
    post_logout_redirect_uris, access_token_lifetime_secs, refresh_token_lifetime_secs,
    refresh_idle_timeout_secs, refresh_rotation, refresh_reuse_leeway_secs, created_at, updated_at)
SELECT project_id, client_id, name, client_type, redirect_uris,
    post_logout_redirect_uris, access_token_lifetime_secs, refresh_token_lifetime_secs,
    refresh_idle_timeout_secs, refresh_rotation, refresh_reuse_leeway_secs, created_at, updated_at
FROM oauth_clients;
DROP TABLE oauth_clients;
ALTER TABLE oauth_clients_v7 RENAME TO oauth_clients;

-- API resources (RFC 8707 resource indicators) a project's clients may get
-- access tokens for, addressed by their URI.
CREATE TABLE resources (
    project_id TEXT    NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    id         TEXT    NOT NULL,
    uri        TEXT    NOT NULL,
    name       TEXT,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    PRIMARY KEY (project_id, id),
    UNIQUE (project_id, uri)
);
CREATE INDEX resources_by_time ON resources (project_id, created_at, id);

CREATE TABLE resource_scopes (
    project_id  TEXT    NOT NULL,
    id          TEXT    NOT NULL,
    resource_id TEXT    NOT NULL,
    scope       TEXT    NOT NULL,
    description TEXT,
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL,
    PRIMARY KEY (project_id, id),
    UNIQUE (project_id, resource_id, scope),
    FOREIGN KEY (project_id, resource_id) REFERENCES resources (project_id, id) ON DELETE CASCADE
);

-- Which clients may ask for which resources, and which of its scopes.
CREATE TABLE client_resources (
    project_id  TEXT    NOT NULL,
    client_id   TEXT    NOT NULL,
    resource_id TEXT    NOT NULL,
    created_at  INTEGER NOT NULL,
    PRIMARY KEY (project_id, client_id, resource_id),
    FOREIGN KEY (project_id, client_id) REFERENCES oauth_clients (project_id, client_id) ON DELETE CASCADE,
    FOREIGN KEY (project_id, resource_id) REFERENCES resources (project_id, id) ON DELETE CASCADE
);
CREATE INDEX client_resources_by_resource ON client_resources (project_id, resource_id);

CREATE TABLE client_scopes (
    project_id TEXT    NOT NULL,
    client_id  TEXT    NOT NULL,
    scope_id   TEXT    NOT NULL,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (project_id, client_id, scope_id),
    FOREIGN KEY (project_id, client_id) REFERENCES oauth_clients (project_id, client_id) ON DELETE CASCADE,
    FOREIGN KEY (project_id, scope_id) REFERENCES resource_scopes (project_id, id) ON DELETE CASCADE
);
CREATE INDEX client_scopes_by_scope ON client_scopes (project_id, scope_id);

-- A user's consent to a (third-party) client: the scopes granted.
CREATE TABLE oauth_authorizations (
    project_id TEXT    NOT NULL,
    id         TEXT    NOT NULL,
    user_id    TEXT    NOT NULL,
    client_id  TEXT    NOT NULL,
    -- JSON array of strings
    scopes     TEXT    NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    PRIMARY KEY (project_id, id),
    UNIQUE (project_id, user_id, client_id),
    FOREIGN KEY (project_id, user_id) REFERENCES users (project_id, id) ON DELETE CASCADE,
    FOREIGN KEY (project_id, client_id) REFERENCES oauth_clients (project_id, client_id) ON DELETE CASCADE
);

COMMIT;
PRAGMA foreign_keys = ON;
