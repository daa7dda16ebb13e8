-- The id of the user's DM channel with the bot, learnt when a reminder first opened it: later
-- reminders are one request to Discord instead of two. Deleted with the user's other settings.
ALTER TABLE user_settings ADD COLUMN dm_channel_id BIGINT;
