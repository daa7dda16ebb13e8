-- Base schema: bot metadata, per-user settings, per-server settings.
CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
) STRICT;

CREATE TABLE user_settings (
    user_id     INTEGER PRIMARY KEY,
    timezone    TEXT,
    quiet_start TEXT,
    quiet_end   TEXT,
    updated_at  TEXT NOT NULL
) STRICT;

CREATE TABLE guild_settings (
    guild_id            INTEGER PRIMARY KEY,
    reminder_channel_id INTEGER,
    updated_at          TEXT NOT NULL
) STRICT;
