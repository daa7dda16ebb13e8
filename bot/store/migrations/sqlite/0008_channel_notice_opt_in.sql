-- The discreet notice in a server's reminder channel, for a reminder that cannot reach the
-- user's DMs, is posted only for users who chose it (/settings channel-notice): off by default,
-- so nothing public appears unless the user asked for it.
ALTER TABLE user_settings ADD COLUMN channel_notice INTEGER NOT NULL DEFAULT 0;
