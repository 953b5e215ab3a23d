-- keyward schema v3: portal operators and their sessions.
-- Times are Unix seconds. Session IDs are stored as SHA-256
-- hex digests, so a copy of the database cannot be used to take over a session.

CREATE TABLE portal_users (
    id            TEXT    PRIMARY KEY,
    email         TEXT    NOT NULL UNIQUE,
    password_hash TEXT    NOT NULL,
    created_at    INTEGER    NOT NULL
);

CREATE TABLE portal_sessions (
    id_hash       TEXT    PRIMARY KEY,
    user_id       TEXT    NOT NULL REFERENCES portal_users (id) ON DELETE CASCADE,
    csrf_token    TEXT    NOT NULL,
    created_at    INTEGER    NOT NULL,
    expires_at    INTEGER    NOT NULL,
    -- when the operator last typed their password (login or re-authentication)
    password_at   INTEGER    NOT NULL
);
CREATE INDEX portal_sessions_by_user ON portal_sessions (user_id);
