-- keyward schema v4: per-project Admin API limits and the replay guard.
-- Rates are requests per second (burst: one second's worth); NULL = no limit.

ALTER TABLE projects ADD COLUMN key_rate_limit BIGINT CHECK (key_rate_limit > 0);
ALTER TABLE projects ADD COLUMN project_rate_limit BIGINT CHECK (project_rate_limit > 0);
ALTER TABLE projects ADD COLUMN replay_guard BOOLEAN NOT NULL DEFAULT false;

-- Token IDs accepted while a project's replay guard is on, kept until the
-- token (plus leeway) has expired. Shared by every replica.
CREATE TABLE used_jtis (
    project_id TEXT   NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    jti        TEXT   NOT NULL,
    expires_at BIGINT NOT NULL,
    PRIMARY KEY (project_id, jti)
);
CREATE INDEX used_jtis_expiry ON used_jtis (expires_at);
