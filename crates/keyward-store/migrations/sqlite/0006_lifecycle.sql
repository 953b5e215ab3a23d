-- keyward schema v6: scheduled account work.
-- Users can be scheduled for anonymization (as for deletion); a background
-- job carries out both when due. Times on users are Unix MICROSECONDS.
ALTER TABLE users ADD COLUMN anonymize_at INTEGER;

-- The job finds due work across projects by these, never by a scan.
CREATE INDEX users_delete_due ON users (delete_at) WHERE delete_at IS NOT NULL;
CREATE INDEX users_anonymize_due ON users (anonymize_at) WHERE anonymize_at IS NOT NULL;

-- A lease per background job: at most one replica holds it at a time; a
-- holder renews it each round, and a dead holder's lease runs out.
-- expires_at in Unix SECONDS.
CREATE TABLE job_leases (
    name       TEXT    NOT NULL PRIMARY KEY,
    holder     TEXT    NOT NULL,
    expires_at INTEGER NOT NULL
);

-- Per-project account settings (Authgear's account_deletion.grace_period_days,
-- account_anonymization.grace_period_days, admin_api.create_session_enabled).
ALTER TABLE projects ADD COLUMN deletion_grace_days INTEGER NOT NULL DEFAULT 30 CHECK (deletion_grace_days BETWEEN 0 AND 3650);
ALTER TABLE projects ADD COLUMN anonymization_grace_days INTEGER NOT NULL DEFAULT 30 CHECK (anonymization_grace_days BETWEEN 0 AND 3650);
ALTER TABLE projects ADD COLUMN create_session_enabled INTEGER NOT NULL DEFAULT 0 CHECK (create_session_enabled IN (0, 1));
