-- Limits on expensive requests per client address, shared by every instance
-- (fixed windows, as the limit is stated: N requests per window).
CREATE TABLE rate_limit_windows (
    ip           TEXT NOT NULL,
    scope        TEXT NOT NULL,
    window_start BIGINT NOT NULL,
    hits         BIGINT NOT NULL,
    PRIMARY KEY (ip, scope, window_start)
);

-- An address that kept going after it was refused, and until when it is blocked.
CREATE TABLE rate_limit_blocks (
    ip    TEXT PRIMARY KEY,
    until BIGINT NOT NULL
);

-- A customer's generation session: the SHA-256 of its cookie's token, whose
-- visitor it is, and how many generations it has asked for. It ends after
-- the configured idle time; the visitor's creations ("My models") do not.
CREATE TABLE generation_sessions (
    id_hash      TEXT PRIMARY KEY,
    visitor_id   TEXT NOT NULL,
    started_at   BIGINT NOT NULL,
    last_seen_at BIGINT NOT NULL,
    generations  BIGINT NOT NULL
);

CREATE INDEX generation_sessions_by_last_seen ON generation_sessions (last_seen_at);
