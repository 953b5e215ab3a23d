-- keyward schema v9: second factors, one-time codes, sign-in challenges
-- and sign-up. Authenticator and challenge times are Unix MICROSECONDS
-- (like the other tables of a user); code and sign-up times are SECONDS
-- (like the outbox).

-- The project's second-factor policy and whether end users may sign up.
ALTER TABLE projects ADD COLUMN mfa_policy TEXT NOT NULL DEFAULT 'optional'
    CHECK (mfa_policy IN ('off', 'optional', 'required'));
ALTER TABLE projects ADD COLUMN signup_enabled INTEGER NOT NULL DEFAULT 0 CHECK (signup_enabled IN (0, 1));
-- Where this project's text messages go (the server's default otherwise).
-- The sender of this project's email (the server's --mail-from otherwise).
ALTER TABLE projects ADD COLUMN mail_from TEXT;
ALTER TABLE projects ADD COLUMN sms_webhook_url TEXT;
-- The key of the HMAC-SHA256 that signs this project's SMS webhook
-- requests (X-Authgear-Body-Signature), so the receiver can tell them from
-- forgeries; sealed under the master key like private keys; made on first
-- use, shown by `keyward project sms-webhook`.
ALTER TABLE projects ADD COLUMN sms_webhook_secret_sealed BLOB;

-- Until when a user without a second factor may still sign in under a
-- 'required' policy (and is sent to enrol one).
ALTER TABLE users ADD COLUMN mfa_grace_period_end_at INTEGER;

-- Every authenticator but primary passwords (which keep their table):
-- TOTP (secondary), one-time codes by email or SMS, secondary passwords.
-- A TOTP secret is sealed under the master key; `last_used_step` refuses
-- a code's replay.
CREATE TABLE authenticators (
    project_id     TEXT    NOT NULL,
    id             TEXT    NOT NULL,
    user_id        TEXT    NOT NULL,
    type           TEXT    NOT NULL CHECK (type IN ('password', 'totp', 'oob_otp_email', 'oob_otp_sms')),
    kind           TEXT    NOT NULL CHECK (kind IN ('primary', 'secondary')),
    target         TEXT,
    display_name   TEXT,
    secret_sealed  BLOB,
    password_hash  TEXT,
    last_used_step INTEGER,
    is_default     INTEGER NOT NULL DEFAULT 0 CHECK (is_default IN (0, 1)),
    created_at     INTEGER NOT NULL,
    updated_at     INTEGER NOT NULL,
    PRIMARY KEY (project_id, id),
    FOREIGN KEY (project_id, user_id) REFERENCES users (project_id, id) ON DELETE CASCADE
);
CREATE INDEX authenticators_by_user ON authenticators (project_id, user_id, created_at);

-- A TOTP secret shown to a user and not yet confirmed with a code.
CREATE TABLE totp_enrolments (
    project_id    TEXT    NOT NULL,
    user_id       TEXT    NOT NULL,
    secret_sealed BLOB    NOT NULL,
    created_at    INTEGER NOT NULL,
    PRIMARY KEY (project_id, user_id),
    FOREIGN KEY (project_id, user_id) REFERENCES users (project_id, id) ON DELETE CASCADE
);

-- Recovery codes (SHA-256 of each), single use.
CREATE TABLE recovery_codes (
    project_id TEXT    NOT NULL,
    user_id    TEXT    NOT NULL,
    code_hash  TEXT    NOT NULL,
    created_at INTEGER NOT NULL,
    used_at    INTEGER,
    PRIMARY KEY (project_id, user_id, code_hash),
    FOREIGN KEY (project_id, user_id) REFERENCES users (project_id, id) ON DELETE CASCADE
);

-- One-time codes sent by email or SMS (or made by generateOOBOTPCode):
-- one live code per purpose and target; a new one replaces it.
CREATE TABLE otp_codes (
    project_id      TEXT    NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    purpose         TEXT    NOT NULL CHECK (purpose IN ('login', 'verification')),
    target          TEXT    NOT NULL,
    code_hash       TEXT    NOT NULL,
    failed_attempts INTEGER NOT NULL DEFAULT 0,
    created_at      INTEGER NOT NULL,
    expires_at      INTEGER NOT NULL,
    PRIMARY KEY (project_id, purpose, target)
);

-- A sign-in whose password was right and whose second factor is awaited.
-- `amr` is set once the second factor is proven (then the sign-in may
-- complete); the token is a SHA-256 digest.
CREATE TABLE signin_challenges (
    project_id TEXT    NOT NULL,
    token_hash TEXT    NOT NULL,
    user_id    TEXT    NOT NULL,
    amr        TEXT,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    PRIMARY KEY (project_id, token_hash),
    FOREIGN KEY (project_id, user_id) REFERENCES users (project_id, id) ON DELETE CASCADE
);

-- A sign-up awaiting the code sent to its address: no account exists
-- until the code is entered.
CREATE TABLE signups (
    project_id    TEXT    NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    token_hash    TEXT    NOT NULL,
    login_id_type TEXT    NOT NULL CHECK (login_id_type IN ('email', 'phone')),
    login_id      TEXT    NOT NULL,
    password_hash TEXT    NOT NULL,
    created_at    INTEGER NOT NULL,
    expires_at    INTEGER NOT NULL,
    PRIMARY KEY (project_id, token_hash)
);

-- The per-project hourly message limit counts from this.
CREATE INDEX outbox_by_project ON outbox (project_id, created_at);
