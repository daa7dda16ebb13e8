-- Reminders and the other person's reply pace (numbers only: no names, no message text).
CREATE TABLE reminders (
    id           INTEGER PRIMARY KEY,
    user_id      INTEGER NOT NULL,
    guild_id     INTEGER,           -- the server it was set in, for the channel fallback
    kind         TEXT    NOT NULL CHECK (kind IN ('after-send', 'reply', 'at')),
    due_at       INTEGER NOT NULL,  -- unix seconds, UTC
    note         TEXT,              -- the user's own note for `at`, at most 200 characters
    locale       TEXT    NOT NULL,
    state        TEXT    NOT NULL DEFAULT 'pending'
                 CHECK (state IN ('pending', 'sending', 'held', 'delivered', 'cancelled', 'replied')),
    attempts     INTEGER NOT NULL DEFAULT 0,
    created_at   INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL,
    delivered_at INTEGER
) STRICT;
CREATE INDEX reminders_due ON reminders (state, due_at);
CREATE INDEX reminders_user ON reminders (user_id, state);

ALTER TABLE user_settings ADD COLUMN pace_gap_minutes INTEGER;
ALTER TABLE user_settings ADD COLUMN pace_quiet_start TEXT;
ALTER TABLE user_settings ADD COLUMN pace_quiet_end TEXT;
