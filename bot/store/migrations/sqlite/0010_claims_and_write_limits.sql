-- Several processes share one database (PostgreSQL): a reminder being sent, or a held reminder
-- being shown, names who claimed it and until when (unix seconds); a claim left by a process
-- that died returns once its time has passed. Here, with SQLite, one process runs, but the store
-- speaks the same way to both.
ALTER TABLE reminders ADD COLUMN claimed_by TEXT;
ALTER TABLE reminders ADD COLUMN claimed_until INTEGER;
UPDATE reminders SET claimed_until = updated_at + 600 WHERE state = 'sending';

-- The times (unix milliseconds, comma-separated) of a user's last writing commands, so the
-- 5-per-10-seconds limit holds whichever process answers them. Purged daily.
CREATE TABLE write_limits (
    user_id INTEGER PRIMARY KEY,
    hits    TEXT    NOT NULL,
    last_at INTEGER NOT NULL  -- unix milliseconds of the latest hit
) STRICT;
CREATE INDEX write_limits_last ON write_limits (last_at);
