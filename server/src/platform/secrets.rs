//! The `secrets` table: values the site makes or is given once and keeps
//! (the link-signing key, the staff password's hash), by name. Written only
//! here; the rooms that keep a secret call these.

use crate::platform::db::Db;

/// The secret called `name`, if there is one.
pub async fn get(db: &Db, name: &str) -> sqlx::Result<Option<String>> {
    sqlx::query_scalar("SELECT value FROM secrets WHERE name = $1").bind(name).fetch_optional(db.pool()).await
}

/// Keeps `value` as `name` unless there is one already (whoever inserts
/// first wins, on every instance). Whether this one was kept.
pub async fn add_if_none(db: &Db, name: &str, value: &str) -> sqlx::Result<bool> {
    let inserted =
        sqlx::query("INSERT INTO secrets (name, value) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING")
            .bind(name)
            .bind(value)
            .execute(db.pool())
            .await?
            .rows_affected();
    Ok(inserted == 1)
}

/// Sets `name` to `value`, in the caller's transaction.
pub async fn replace(tx: &mut sqlx::Transaction<'_, sqlx::Any>, name: &str, value: &str) -> sqlx::Result<()> {
    sqlx::query("DELETE FROM secrets WHERE name = $1").bind(name).execute(&mut **tx).await?;
    sqlx::query("INSERT INTO secrets (name, value) VALUES ($1, $2)")
        .bind(name)
        .bind(value)
        .execute(&mut **tx)
        .await?;
    Ok(())
}
