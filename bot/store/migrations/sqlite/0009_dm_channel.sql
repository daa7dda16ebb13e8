-- The id of the user's DM channel with the bot, learnt when a reminder first opened it: later
-- reminders are one request to Discord instead of two (open the DM, then send). Deleted with
-- the user's other settings.
ALTER TABLE user_settings ADD COLUMN dm_channel_id INTEGER;
