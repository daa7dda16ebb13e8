-- Reminder ids are never handed out again. Buttons carry a reminder's id: after /privacy delete
-- or the retention purge removed the newest row, SQLite reused its id, and a button on the old
-- reminder acted on the new one. AUTOINCREMENT needs the table rebuilt; rows keep their ids.
CREATE TABLE reminders_new (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
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
    delivered_at INTEGER,
    first_due    INTEGER            -- when first due (or last snoozed to): lateness counts from here
) STRICT;
INSERT INTO reminders_new (id, user_id, guild_id, kind, due_at, note, locale, state, attempts,
                           created_at, updated_at, delivered_at, first_due)
    SELECT id, user_id, guild_id, kind, due_at, note, locale, state, attempts,
           created_at, updated_at, delivered_at, first_due
    FROM reminders;
DROP TABLE reminders;
ALTER TABLE reminders_new RENAME TO reminders;
CREATE INDEX reminders_due ON reminders (state, due_at);
CREATE INDEX reminders_user ON reminders (user_id, state);
