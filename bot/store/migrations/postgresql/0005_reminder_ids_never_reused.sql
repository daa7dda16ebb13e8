-- Reminder ids are never handed out again (buttons carry them). SQLite needed its table rebuilt
-- with AUTOINCREMENT for that; here the identity column of 0003 already never reuses an id.
SELECT 1;
