-- What a creation started from: a person's story (hobbies and facts) or a
-- description of an object (kept as one "hobby", its short name, and the
-- description as the facts, so the same concept pipeline serves both).
ALTER TABLE creations ADD COLUMN kind TEXT NOT NULL DEFAULT 'story';
