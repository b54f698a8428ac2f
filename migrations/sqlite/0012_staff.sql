-- Staff sign-in: the shared password is an argon2 hash in `secrets`
-- (name 'staff_password'); sessions and login attempts live here, so they
-- hold across instances and restarts.

-- A signed-in browser: the SHA-256 of its cookie's token, and when it was
-- last used (sessions end after the configured idle time).
CREATE TABLE staff_sessions (
    id_hash      TEXT PRIMARY KEY,
    created_at   BIGINT NOT NULL,
    last_seen_at BIGINT NOT NULL
);

-- Failed sign-ins, by client address, for the rate limit.
CREATE TABLE login_attempts (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    ip TEXT NOT NULL,
    at BIGINT NOT NULL
);

CREATE INDEX login_attempts_by_ip ON login_attempts (ip, at);
