-- keyward schema v1 (PostgreSQL twin of migrations/sqlite/0001_init.sql):
-- projects and their Admin API keys. Never edit an applied migration; add a
-- new numbered file to both folders instead. Times are Unix seconds.

CREATE TABLE projects (
    id                      TEXT   NOT NULL PRIMARY KEY,
    created_at              BIGINT NOT NULL,
    max_token_lifetime_secs BIGINT NOT NULL DEFAULT 3600,
    -- bumped with every change to this project's keys; servers compare it to
    -- decide which cached key sets to drop
    key_version             BIGINT NOT NULL DEFAULT 0
);

CREATE TABLE admin_api_keys (
    project_id         TEXT   NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    kid                TEXT   NOT NULL,
    label              TEXT   NOT NULL DEFAULT '',
    origin             TEXT   NOT NULL CHECK (origin IN ('generated', 'uploaded')),
    status             TEXT   NOT NULL CHECK (status IN ('active', 'disabled')),
    bits               BIGINT NOT NULL,
    -- SubjectPublicKeyInfo DER
    public_key_der     BYTEA  NOT NULL,
    -- AES-256-GCM sealed PKCS#8 DER (generated keys only)
    private_key_sealed BYTEA,
    created_at         BIGINT NOT NULL,
    last_used_at       BIGINT,
    PRIMARY KEY (project_id, kid)
);

-- One row: a counter bumped with every key change in any project, so that a
-- server can notice changes made by other processes with one cheap read.
CREATE TABLE store_state (
    id             INTEGER NOT NULL PRIMARY KEY CHECK (id = 1),
    key_generation BIGINT  NOT NULL
);
INSERT INTO store_state (id, key_generation) VALUES (1, 0);
