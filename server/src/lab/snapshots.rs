//! A print's camera snapshot as its job keeps it: the picture's storage key
//! on the job's row, and a line in its log, taken or not (the printers'
//! camera, `printers::camera`, takes the picture and calls these).

use app::print_job::PrintJobStatus;

use crate::lab::events::add_event;
use crate::platform::db::Db;
use crate::platform::time::now_ms;

/// Where snapshots are stored: `snapshots/{job}.jpg` (or `.png`).
pub const SNAPSHOTS: &str = "snapshots";

/// The job's status, read in the caller's transaction (the log line keeps it).
async fn status_in(tx: &mut sqlx::Transaction<'_, sqlx::Any>, job_id: &str) -> sqlx::Result<PrintJobStatus> {
    let status: String = sqlx::query_scalar("SELECT status FROM print_jobs WHERE id = $1")
        .bind(job_id)
        .fetch_one(&mut **tx)
        .await?;
    PrintJobStatus::parse(&status).ok_or_else(|| sqlx::Error::Decode("unknown print job status".into()))
}

/// Records the picture stored at `key` as the job's snapshot, with its log line.
pub async fn record_snapshot(db: &Db, job_id: &str, key: &str) -> sqlx::Result<()> {
    let now = now_ms();
    let mut tx = db.begin_write().await?;
    let status = status_in(&mut tx, job_id).await?;
    sqlx::query("UPDATE print_jobs SET snapshot_key = $1, updated_at = $2 WHERE id = $3")
        .bind(key)
        .bind(now)
        .bind(job_id)
        .execute(&mut *tx)
        .await?;
    let details = "The printer's camera took a picture as the print ended.";
    add_event(&mut tx, job_id, now, ("printer", "snapshot"), (Some(status), status), details).await?;
    tx.commit().await
}

/// Says in the job's log why its print has no snapshot.
pub async fn record_no_snapshot(db: &Db, job_id: &str, why: &str) -> sqlx::Result<()> {
    let now = now_ms();
    let mut tx = db.begin_write().await?;
    let status = status_in(&mut tx, job_id).await?;
    let details = format!("No camera picture: {}.", why.chars().take(300).collect::<String>());
    add_event(&mut tx, job_id, now, ("printer", "no_snapshot"), (Some(status), status), &details).await?;
    tx.commit().await
}

/// The storage key of the job's snapshot, if it has one: on the pool
/// (`db.pool()`) or in the caller's transaction (`&mut *tx`).
pub async fn snapshot_of<'e>(
    executor: impl sqlx::Executor<'e, Database = sqlx::Any>,
    job_id: &str,
) -> sqlx::Result<Option<String>> {
    let key: Option<Option<String>> = sqlx::query_scalar("SELECT snapshot_key FROM print_jobs WHERE id = $1")
        .bind(job_id)
        .fetch_optional(executor)
        .await?;
    Ok(key.flatten())
}

/// Every snapshot a job names (the sweep of unnamed files asks).
pub async fn all_snapshots(db: &Db) -> sqlx::Result<Vec<String>> {
    sqlx::query_scalar("SELECT snapshot_key FROM print_jobs WHERE snapshot_key IS NOT NULL")
        .fetch_all(db.pool())
        .await
}
