-- When the questionnaire was started (to the minute, as its buttons carry it): the same
-- questionnaire finished twice with the same answers (a double click) is stored once.
ALTER TABLE diagnoses ADD COLUMN started_at INTEGER;
CREATE UNIQUE INDEX diagnoses_once ON diagnoses (user_id, started_at, answers);
