-- Tokens that let a remote worker (`memoreez worker`, beside a GPU) pull
-- jobs. Only a SHA-256 of each token is kept; the token is shown once.
CREATE TABLE worker_tokens (
    token_hash TEXT PRIMARY KEY,
    name       TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
