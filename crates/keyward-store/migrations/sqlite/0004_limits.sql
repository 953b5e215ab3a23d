-- keyward schema v4: per-project Admin API limits and the replay guard.
-- Rates are requests per second (burst: one second's worth); NULL = no limit.

ALTER TABLE projects ADD COLUMN key_rate_limit INTEGER CHECK (key_rate_limit > 0);
ALTER TABLE projects ADD COLUMN project_rate_limit INTEGER CHECK (project_rate_limit > 0);
ALTER TABLE projects ADD COLUMN replay_guard INTEGER NOT NULL DEFAULT 0 CHECK (replay_guard IN (0, 1));

-- Token IDs accepted while a project's replay guard is on, kept until the
-- token (plus leeway) has expired.
CREATE TABLE used_jtis (
    project_id TEXT    NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    jti        TEXT    NOT NULL,
    expires_at INTEGER NOT NULL,
    PRIMARY KEY (project_id, jti)
);
CREATE INDEX used_jtis_expiry ON used_jtis (expires_at);
