//! Worker tokens: what a remote `memoreez worker` shows to pull jobs. Only
//! their SHA-256 is stored; a token is printed once, when it is made.

use sqlx::Row;

use crate::db::Db;
use crate::session::{new_token, token_hash};
use crate::time::now_ms;

/// Makes a token for the worker called `name`; returns the token itself.
pub async fn create(db: &Db, name: &str) -> sqlx::Result<String> {
    let token = new_token();
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
    let row = sqlx::query("SELECT name FROM worker_tokens WHERE token_hash = $1")
        .bind(token_hash(token))
        .fetch_optional(db.pool())
        .await?;
    row.map(|row| row.try_get("name")).transpose()
}
