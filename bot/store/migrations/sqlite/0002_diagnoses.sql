-- Finished diagnoses: only answer ids, the ranking and when. Nothing about the other person.
CREATE TABLE diagnoses (
    id         INTEGER PRIMARY KEY,
    user_id    INTEGER NOT NULL,
    answers    TEXT    NOT NULL,  -- JSON object question id -> option id
    ranking    TEXT    NOT NULL,  -- JSON list of cause ids, most likely first
    created_at INTEGER NOT NULL   -- unix seconds, UTC
) STRICT;
CREATE INDEX diagnoses_user ON diagnoses (user_id, created_at);
CREATE INDEX diagnoses_created ON diagnoses (created_at);
