-- The discreet notice in a server's reminder channel is posted only for users who chose it
-- (/settings channel-notice): off by default. 0 or 1, as in SQLite.
ALTER TABLE user_settings ADD COLUMN channel_notice INTEGER NOT NULL DEFAULT 0;
