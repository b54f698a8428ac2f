-- Times are UTC milliseconds since the Unix epoch (BIGINT) in both backends.

-- An anonymous browser session. Only a SHA-256 of the cookie's token is kept,
-- so a copy of the database cannot be used to act as a visitor.
CREATE TABLE visitors (
    token_hash   TEXT PRIMARY KEY,
    created_at   BIGINT NOT NULL,
    last_seen_at BIGINT NOT NULL
);

-- A customer's story on its way to becoming a keepsake.
CREATE TABLE creations (
    id         TEXT PRIMARY KEY,
    visitor    TEXT NOT NULL REFERENCES visitors (token_hash),
    hobbies    TEXT NOT NULL, -- JSON array of strings
    facts      TEXT NOT NULL,
    created_at BIGINT NOT NULL
);

CREATE INDEX creations_by_visitor ON creations (visitor, created_at);
