-- Base schema: bot metadata, per-user settings, per-server settings (as sqlite/0001).
CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

CREATE TABLE user_settings (
    user_id     BIGINT PRIMARY KEY,
    timezone    TEXT,
    quiet_start TEXT,
    quiet_end   TEXT,
    updated_at  TEXT NOT NULL
);

CREATE TABLE guild_settings (
    guild_id            BIGINT PRIMARY KEY,
    reminder_channel_id BIGINT,
    updated_at          TEXT NOT NULL
);
