//! Worker tokens: what a remote `memoreez worker` shows to pull jobs. Only
//! their SHA-256 is stored; a token is printed once, when it is made.

use crate::platform::db::Db;
use crate::platform::time::now_ms;
use crate::platform::tokens::{new_token, token_hash};

/// What every worker token starts with.
pub const TOKEN_PREFIX: &str = "mzw_";

/// Makes a token for the worker called `name`; returns the token itself.
pub async fn create(db: &Db, name: &str) -> sqlx::Result<String> {
    // The prefix keeps a token from starting with '-': base64url can, and
    // `memoreez worker --token -x…` then reads it as an option (a flaky test
    // found this, one token in 64). It also says what the secret is for.
    let token = format!("{TOKEN_PREFIX}{}", new_token());
    sqlx::query("INSERT INTO worker_tokens (token_hash, name, created_at) VALUES ($1, $2, $3)")
        .bind(token_hash(&token))
        .bind(name)
        .bind(now_ms())
        .execute(db.pool())
        .await?;
    Ok(token)
}

/// The name of the worker whose token this is, if it is one.
pub async fn worker_name(db: &Db, token: &str) -> sqlx::Result<Option<String>> {
    sqlx::query_scalar("SELECT name FROM worker_tokens WHERE token_hash = $1")
        .bind(token_hash(token))
        .fetch_optional(db.pool())
        .await
}
