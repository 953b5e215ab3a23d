-- keyward schema v7 (PostgreSQL twin of migrations/sqlite/0007_clients.sql):
-- machine-to-machine and third-party OAuth clients, API resources with
-- their scopes, and users' authorizations of clients.
-- Times on resources, scopes and authorizations are Unix MICROSECONDS.
ALTER TABLE oauth_clients DROP CONSTRAINT oauth_clients_client_type_check;
ALTER TABLE oauth_clients ADD CONSTRAINT oauth_clients_client_type_check
    CHECK (client_type IN ('spa', 'traditional_webapp', 'native', 'confidential', 'm2m', 'third_party_app'));

-- API resources (RFC 8707 resource indicators) a project's clients may get
-- access tokens for, addressed by their URI.
CREATE TABLE resources (
    project_id TEXT   NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    id         TEXT   NOT NULL,
    uri        TEXT   NOT NULL,
    name       TEXT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (project_id, id),
    UNIQUE (project_id, uri)
);
CREATE INDEX resources_by_time ON resources (project_id, created_at, id);

CREATE TABLE resource_scopes (
    project_id  TEXT   NOT NULL,
    id          TEXT   NOT NULL,
    resource_id TEXT   NOT NULL,
    scope       TEXT   NOT NULL,
    description TEXT,
    created_at  BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL,
    PRIMARY KEY (project_id, id),
    UNIQUE (project_id, resource_id, scope),
    FOREIGN KEY (project_id, resource_id) REFERENCES resources (project_id, id) ON DELETE CASCADE
);

-- Which clients may ask for which resources, and which of its scopes.
CREATE TABLE client_resources (
    project_id  TEXT   NOT NULL,
    client_id   TEXT   NOT NULL,
    resource_id TEXT   NOT NULL,
    created_at  BIGINT NOT NULL,
    PRIMARY KEY (project_id, client_id, resource_id),
    FOREIGN KEY (project_id, client_id) REFERENCES oauth_clients (project_id, client_id) ON DELETE CASCADE,
    FOREIGN KEY (project_id, resource_id) REFERENCES resources (project_id, id) ON DELETE CASCADE
);
CREATE INDEX client_resources_by_resource ON client_resources (project_id, resource_id);

CREATE TABLE client_scopes (
    project_id TEXT   NOT NULL,
    client_id  TEXT   NOT NULL,
    scope_id   TEXT   NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (project_id, client_id, scope_id),
    FOREIGN KEY (project_id, client_id) REFERENCES oauth_clients (project_id, client_id) ON DELETE CASCADE,
    FOREIGN KEY (project_id, scope_id) REFERENCES resource_scopes (project_id, id) ON DELETE CASCADE
);
CREATE INDEX client_scopes_by_scope ON client_scopes (project_id, scope_id);

-- A user's consent to a (third-party) client: the scopes granted.
CREATE TABLE oauth_authorizations (
    project_id TEXT   NOT NULL,
    id         TEXT   NOT NULL,
    user_id    TEXT   NOT NULL,
    client_id  TEXT   NOT NULL,
    -- JSON array of strings
    scopes     TEXT   NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (project_id, id),
    UNIQUE (project_id, user_id, client_id),
    FOREIGN KEY (project_id, user_id) REFERENCES users (project_id, id) ON DELETE CASCADE,
    FOREIGN KEY (project_id, client_id) REFERENCES oauth_clients (project_id, client_id) ON DELETE CASCADE
);
