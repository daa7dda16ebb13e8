-- When a reminder was first due (or last snoozed to): lateness is counted from here, while
-- due_at moves for retries and quiet hours.
ALTER TABLE reminders ADD COLUMN first_due INTEGER;
UPDATE reminders SET first_due = due_at;
