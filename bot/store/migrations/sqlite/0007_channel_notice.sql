-- The discreet notice posted in a server's reminder channel when a reminder could not reach the
-- user's DMs (only the bot's own channel and message ids): it is deleted once the user has seen
-- the reminder, or when they delete their data, so no public trace is left behind.
ALTER TABLE reminders ADD COLUMN notice_channel_id INTEGER;
ALTER TABLE reminders ADD COLUMN notice_message_id INTEGER;
