-- keyward schema v5 (PostgreSQL twin of migrations/sqlite/0005_signin.sql): end-user sign-in (OpenID Connect provider per project).
-- Times in these tables are Unix SECONDS. Every secret (client secret,
-- authorization code, session and refresh token) is stored as the SHA-256
-- hex digest of a random value of at least 256 bits, so a copy of the
-- database signs nobody in; signing keys are sealed under the master key.

-- Custom domains: a request whose Host is one of these goes to its project.
CREATE TABLE project_domains (
    domain     TEXT    NOT NULL PRIMARY KEY,
    project_id TEXT    NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    created_at BIGINT NOT NULL
);
CREATE INDEX project_domains_by_project ON project_domains (project_id);

-- Account lockout (Authgear's authentication.lockout; off while max_attempts = 0).
ALTER TABLE projects ADD COLUMN lockout_max_attempts BIGINT NOT NULL DEFAULT 0 CHECK (lockout_max_attempts >= 0);
ALTER TABLE projects ADD COLUMN lockout_history_secs BIGINT NOT NULL DEFAULT 300 CHECK (lockout_history_secs > 0);
ALTER TABLE projects ADD COLUMN lockout_min_secs BIGINT NOT NULL DEFAULT 60 CHECK (lockout_min_secs > 0);
ALTER TABLE projects ADD COLUMN lockout_max_secs BIGINT NOT NULL DEFAULT 3600 CHECK (lockout_max_secs > 0);
ALTER TABLE projects ADD COLUMN lockout_backoff_milli BIGINT NOT NULL DEFAULT 1000 CHECK (lockout_backoff_milli >= 1000);
ALTER TABLE projects ADD COLUMN lockout_per_ip BOOLEAN NOT NULL DEFAULT FALSE;

-- OIDC signing keys (RS256). The newest key whose active_from has passed
-- signs; every key stays published until retire_after.
CREATE TABLE signing_keys (
    project_id         TEXT    NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    kid                TEXT    NOT NULL,
    public_key_der     BYTEA    NOT NULL,
    private_key_sealed BYTEA    NOT NULL,
    created_at         BIGINT NOT NULL,
    active_from        BIGINT NOT NULL,
    retire_after       BIGINT,
    PRIMARY KEY (project_id, kid)
);

CREATE TABLE oauth_clients (
    project_id                 TEXT    NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    client_id                  TEXT    NOT NULL,
    name                       TEXT    NOT NULL,
    client_type                TEXT    NOT NULL CHECK (client_type IN ('spa', 'traditional_webapp', 'native', 'confidential')),
    -- JSON arrays of strings
    redirect_uris              TEXT    NOT NULL,
    post_logout_redirect_uris  TEXT    NOT NULL DEFAULT '[]',
    access_token_lifetime_secs BIGINT NOT NULL DEFAULT 1800,
    refresh_token_lifetime_secs BIGINT NOT NULL DEFAULT 31449600,
    refresh_idle_timeout_secs  BIGINT NOT NULL DEFAULT 2592000,
    refresh_rotation           BOOLEAN NOT NULL,
    refresh_reuse_leeway_secs  BIGINT NOT NULL DEFAULT 0,
    created_at                 BIGINT NOT NULL,
    updated_at                 BIGINT NOT NULL,
    PRIMARY KEY (project_id, client_id)
);

CREATE TABLE oauth_client_secrets (
    project_id  TEXT    NOT NULL,
    client_id   TEXT    NOT NULL,
    id          TEXT    NOT NULL,
    secret_hash TEXT    NOT NULL,
    created_at  BIGINT NOT NULL,
    PRIMARY KEY (project_id, client_id, id),
    FOREIGN KEY (project_id, client_id) REFERENCES oauth_clients (project_id, client_id) ON DELETE CASCADE
);

-- IdP sessions (the `session` cookie).
CREATE TABLE idp_sessions (
    project_id     TEXT    NOT NULL,
    id             TEXT    NOT NULL,
    user_id        TEXT    NOT NULL,
    secret_hash    TEXT    NOT NULL,
    created_at     BIGINT NOT NULL,
    auth_time      BIGINT NOT NULL,
    amr            TEXT    NOT NULL,
    last_access_at BIGINT NOT NULL,
    expires_at     BIGINT NOT NULL,
    ip             TEXT    NOT NULL,
    user_agent     TEXT    NOT NULL,
    PRIMARY KEY (project_id, id),
    FOREIGN KEY (project_id, user_id) REFERENCES users (project_id, id) ON DELETE CASCADE
);
CREATE INDEX idp_sessions_by_user ON idp_sessions (project_id, user_id);

-- Offline grants: one per sign-in per client; the refresh token's secret.
CREATE TABLE offline_grants (
    project_id     TEXT    NOT NULL,
    id             TEXT    NOT NULL,
    user_id        TEXT    NOT NULL,
    client_id      TEXT    NOT NULL,
    idp_session_id TEXT,
    sso_enabled    BOOLEAN NOT NULL,
    scope          TEXT    NOT NULL,
    auth_time      BIGINT NOT NULL,
    amr            TEXT    NOT NULL,
    refresh_hash   TEXT    NOT NULL,
    created_at     BIGINT NOT NULL,
    last_access_at BIGINT NOT NULL,
    ip             TEXT    NOT NULL,
    user_agent     TEXT    NOT NULL,
    PRIMARY KEY (project_id, id),
    FOREIGN KEY (project_id, user_id) REFERENCES users (project_id, id) ON DELETE CASCADE,
    FOREIGN KEY (project_id, client_id) REFERENCES oauth_clients (project_id, client_id) ON DELETE CASCADE
);
CREATE INDEX offline_grants_by_user ON offline_grants (project_id, user_id);
CREATE INDEX offline_grants_by_idp_session ON offline_grants (project_id, idp_session_id);

-- Refresh tokens rotated out of a grant: presenting one again is reuse.
CREATE TABLE rotated_refresh_tokens (
    project_id   TEXT    NOT NULL,
    refresh_hash TEXT    NOT NULL,
    grant_id     TEXT    NOT NULL,
    rotated_at   BIGINT NOT NULL,
    PRIMARY KEY (project_id, refresh_hash),
    FOREIGN KEY (project_id, grant_id) REFERENCES offline_grants (project_id, id) ON DELETE CASCADE
);
CREATE INDEX rotated_refresh_tokens_by_grant ON rotated_refresh_tokens (project_id, grant_id);

-- Authorization codes: single use; a redeemed code remembers the grant it
-- created, so a second redemption can revoke it (RFC 9700 §4.14's spirit).
CREATE TABLE authorization_codes (
    code_hash      TEXT    NOT NULL PRIMARY KEY,
    project_id     TEXT    NOT NULL,
    client_id      TEXT    NOT NULL,
    user_id        TEXT    NOT NULL,
    -- JSON: redirect_uri, scope, nonce, code_challenge, auth_time, amr, sso...
    request        TEXT    NOT NULL,
    idp_session_id TEXT,
    created_at     BIGINT NOT NULL,
    expires_at     BIGINT NOT NULL,
    redeemed_grant TEXT,
    FOREIGN KEY (project_id, user_id) REFERENCES users (project_id, id) ON DELETE CASCADE,
    FOREIGN KEY (project_id, client_id) REFERENCES oauth_clients (project_id, client_id) ON DELETE CASCADE
);
CREATE INDEX authorization_codes_expiry ON authorization_codes (expires_at);

-- Failed sign-in attempts per lockout subject (user, or user and address).
CREATE TABLE lockouts (
    project_id      TEXT    NOT NULL,
    subject         TEXT    NOT NULL,
    user_id         TEXT    NOT NULL,
    failures        BIGINT NOT NULL,
    first_failure_at BIGINT NOT NULL,
    locked_until    BIGINT,
    PRIMARY KEY (project_id, subject),
    FOREIGN KEY (project_id, user_id) REFERENCES users (project_id, id) ON DELETE CASCADE
);
CREATE INDEX lockouts_by_user ON lockouts (project_id, user_id);
