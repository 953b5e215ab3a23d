-- keyward schema v8: outgoing messages and password reset codes.
-- Times in these tables are Unix SECONDS.

-- Messages are written here in the transaction that decides to send them,
-- and delivered by a background job: at least once, even if keyward
-- restarts or the mail server is down for a while. A sent message's body
-- (which may hold a one-time link) is blanked.
CREATE TABLE outbox (
    id              TEXT    NOT NULL PRIMARY KEY,
    project_id      TEXT    NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    channel         TEXT    NOT NULL CHECK (channel IN ('email', 'sms')),
    recipient       TEXT    NOT NULL,
    kind            TEXT    NOT NULL,
    subject         TEXT    NOT NULL,
    body            TEXT    NOT NULL,
    status          TEXT    NOT NULL CHECK (status IN ('pending', 'sent', 'failed')),
    attempts        BIGINT NOT NULL DEFAULT 0,
    next_attempt_at BIGINT NOT NULL,
    last_error      TEXT,
    created_at      BIGINT NOT NULL,
    sent_at         BIGINT
);
CREATE INDEX outbox_due ON outbox (next_attempt_at) WHERE status = 'pending';
CREATE INDEX outbox_by_recipient ON outbox (project_id, recipient, created_at);

-- Password reset codes: the SHA-256 of a 256-bit random value, single use.
CREATE TABLE reset_codes (
    project_id TEXT    NOT NULL,
    code_hash  TEXT    NOT NULL,
    user_id    TEXT    NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    used_at    BIGINT,
    PRIMARY KEY (project_id, code_hash),
    FOREIGN KEY (project_id, user_id) REFERENCES users (project_id, id) ON DELETE CASCADE
);
