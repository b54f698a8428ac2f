//! The job queue: long work as rows with a lease (see migration 0003).
//!
//! A worker `claim`s the oldest queued job of a kind (or one whose lease ran
//! out), `heartbeat`s while it works — extending the lease and reporting
//! progress — and ends it with `complete` or `fail`. Every write after the
//! claim names the lease owner, so a worker whose lease was taken over can
//! no longer touch the job: a job never runs twice at once to completion.

use serde::Serialize;

use crate::platform::db::{DatabaseKind, Db};
use crate::platform::time::now_ms;

/// A claimed job, as its worker sees it.
#[derive(Clone, Debug, PartialEq)]
pub struct Claimed {
    pub id: String,
    pub kind: String,
    pub payload: serde_json::Value,
    /// 1 on the first run.
    pub attempt: i64,
}

/// A job as anyone watching it sees it.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct JobView {
    pub id: String,
    pub kind: String,
    pub status: String,
    pub attempts: i64,
    pub stage: Option<String>,
    pub percent: Option<i64>,
    pub result: Option<serde_json::Value>,
    pub error: Option<String>,
    /// What the job was given (for a page that shows what was asked).
    pub payload: serde_json::Value,
}

/// Hears where a job is: what it is doing, in words for the customer, and
/// how far it is, 0–100 (never going backwards).
pub type Report = std::sync::Arc<dyn Fn(&str, u8) + Send + Sync>;

/// A [`Report`] nobody listens to.
pub fn unheard() -> Report {
    std::sync::Arc::new(|_, _| {})
}

/// A [`Report`] and the receiving end that follows its latest word (for
/// the heartbeat that records it).
pub fn progress_channel() -> (Report, tokio::sync::watch::Receiver<(String, u8)>) {
    let (progress, heard) = tokio::sync::watch::channel(("Starting".to_string(), 0u8));
    let report: Report = std::sync::Arc::new(move |stage: &str, percent: u8| {
        progress.send_replace((stage.to_string(), percent));
    });
    (report, heard)
}

/// Queues a job; returns its id.
pub async fn enqueue(
    db: &Db,
    kind: &str,
    payload: &serde_json::Value,
    max_attempts: i64,
) -> sqlx::Result<String> {
    let id = enqueue_with(db.pool(), kind, payload, max_attempts).await?;
    wake_workers();
    Ok(id)
}

/// Rung when this process queues a job, so its idle workers claim it at
/// once instead of at their next poll. Other processes (more instances,
/// remote workers) still find it by polling.
static QUEUED: tokio::sync::Notify = tokio::sync::Notify::const_new();

/// Tells this process's idle workers that a job was queued; call it after
/// the transaction that queued it has committed.
pub fn wake_workers() {
    QUEUED.notify_waiters();
}

/// Waits until a job is queued in this process, or `idle` has passed.
pub async fn wait_for_work(idle: std::time::Duration) {
    let _ = tokio::time::timeout(idle, QUEUED.notified()).await;
}

/// Queues a typed job on a connection or transaction, so it is queued
/// together with the rows it works on; call [`wake_workers`] once it has committed.
pub async fn push<'e, J: crate::jobs::kinds::Job>(
    executor: impl sqlx::Executor<'e, Database = sqlx::Any>,
    job: &J,
) -> sqlx::Result<String> {
    enqueue_with(executor, J::KIND.name(), &job.payload(), J::MAX_ATTEMPTS).await
}

/// [`enqueue`] on a connection or transaction, so a job can be queued
/// together with the rows it works on; call [`wake_workers`] once it has committed.
pub async fn enqueue_with<'e>(
    executor: impl sqlx::Executor<'e, Database = sqlx::Any>,
    kind: &str,
    payload: &serde_json::Value,
    max_attempts: i64,
) -> sqlx::Result<String> {
    let id = crate::platform::tokens::new_id();
    let now = now_ms();
    sqlx::query(
        "INSERT INTO jobs (id, kind, payload, status, attempts, max_attempts, created_at, updated_at) \
         VALUES ($1, $2, $3, 'queued', 0, $4, $5, $5)",
    )
    .bind(&id)
    .bind(kind)
    .bind(payload.to_string())
    .bind(max_attempts.max(1))
    .bind(now)
    .execute(executor)
    .await?;
    Ok(id)
}

/// Takes the oldest claimable job of one of `kinds` for `owner`, leased for
/// `lease_ms`. Claimable: queued, or running with a lease that ran out and
/// attempts left. One statement, so two workers never get the same job.
pub async fn claim(db: &Db, kinds: &[&str], owner: &str, lease_ms: i64) -> sqlx::Result<Option<Claimed>> {
    let now = now_ms();
    let claimable =
        "(status = 'queued' OR (status = 'running' AND lease_expires_at < $3)) AND attempts < max_attempts";
    // PostgreSQL: SKIP LOCKED lets concurrent claimers pass each other by;
    // the outer condition is checked again on the locked row. SQLite runs one
    // writer at a time, so the statement alone is atomic.
    // $4, $5, …: one placeholder per kind (the kinds are bound, never spliced in).
    let placeholders = (0..kinds.len()).map(|i| format!("${}", i + 4)).collect::<Vec<_>>().join(", ");
    let lock = match db.kind() {
        DatabaseKind::Postgres => "FOR UPDATE SKIP LOCKED",
        DatabaseKind::Sqlite => "",
    };
    let sql = format!(
        "UPDATE jobs SET status = 'running', lease_owner = $1, lease_expires_at = $2, attempts = attempts + 1, \
         progress_stage = NULL, progress_percent = NULL, updated_at = $3 \
         WHERE id = (SELECT id FROM jobs WHERE kind IN ({placeholders}) AND {claimable} ORDER BY created_at, id LIMIT 1 {lock}) \
         AND {claimable} \
         RETURNING id, kind, payload, attempts"
    );
    let mut query = sqlx::query_as::<_, (String, String, String, i64)>(sqlx::AssertSqlSafe(sql))
        .bind(owner)
        .bind(now + lease_ms)
        .bind(now);
    for kind in kinds {
        query = query.bind(*kind);
    }
    let Some((id, kind, payload, attempt)) = query.fetch_optional(db.pool()).await? else { return Ok(None) };
    Ok(Some(Claimed {
        id,
        kind,
        payload: serde_json::from_str(&payload).map_err(|e| sqlx::Error::Decode(Box::new(e)))?,
        attempt,
    }))
}

/// Extends the lease and records progress. `false`: the lease is no longer
/// this worker's (it ran out and another took the job); stop working.
pub async fn heartbeat(
    db: &Db,
    id: &str,
    owner: &str,
    lease_ms: i64,
    stage: &str,
    percent: i64,
) -> sqlx::Result<bool> {
    let now = now_ms();
    let done = sqlx::query(
        "UPDATE jobs SET lease_expires_at = $1, progress_stage = $2, progress_percent = $3, updated_at = $4 \
         WHERE id = $5 AND lease_owner = $6 AND status = 'running'",
    )
    .bind(now + lease_ms)
    .bind(stage)
    .bind(percent.clamp(0, 100))
    .bind(now)
    .bind(id)
    .bind(owner)
    .execute(db.pool())
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Ends the job with its result. `false`: the lease was lost first.
pub async fn complete(db: &Db, id: &str, owner: &str, result: &serde_json::Value) -> sqlx::Result<bool> {
    end_lease(db, id, owner, "'done'", (Some(result.to_string()), None)).await
}

/// Records a failed attempt: back in the queue while attempts are left,
/// otherwise failed for good. `reason` is shown to people.
pub async fn fail(db: &Db, id: &str, owner: &str, reason: &str) -> sqlx::Result<bool> {
    let status = "CASE WHEN attempts < max_attempts THEN 'queued' ELSE 'failed' END";
    end_lease(db, id, owner, status, (None, Some(reason))).await
}

/// Fails the job for good, whatever attempts are left: retrying cannot help
/// (the user's file is unusable, say). `reason` is shown to people.
pub async fn reject(db: &Db, id: &str, owner: &str, reason: &str) -> sqlx::Result<bool> {
    end_lease(db, id, owner, "'failed'", (None, Some(reason))).await
}

/// Releases `owner`'s lease, setting the status (an SQL expression from
/// this module, never user input) and the result or the error.
async fn end_lease(
    db: &Db,
    id: &str,
    owner: &str,
    status: &'static str,
    (result, error): (Option<String>, Option<&str>),
) -> sqlx::Result<bool> {
    let sql = format!(
        "UPDATE jobs SET status = {status}, result = COALESCE($1, result), error = COALESCE($2, error), \
         lease_owner = NULL, lease_expires_at = NULL, updated_at = $3 \
         WHERE id = $4 AND lease_owner = $5 AND status = 'running'"
    );
    let done = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(result)
        .bind(error)
        .bind(now_ms())
        .bind(id)
        .bind(owner)
        .execute(db.pool())
        .await?;
    Ok(done.rows_affected() == 1)
}

/// Fails for good every job whose lease ran out with no attempts left (a
/// worker that kept dying on it); returns how many.
pub async fn give_up_abandoned(db: &Db) -> sqlx::Result<u64> {
    let now = now_ms();
    let done = sqlx::query(
        "UPDATE jobs SET status = 'failed', error = COALESCE(error, 'the worker stopped answering') || \
         ' (gave up after ' || CAST(attempts AS TEXT) || ' attempts)', lease_owner = NULL, \
         lease_expires_at = NULL, updated_at = $1 \
         WHERE status = 'running' AND lease_expires_at < $1 AND attempts >= max_attempts",
    )
    .bind(now)
    .execute(db.pool())
    .await?;
    Ok(done.rows_affected())
}

/// How many jobs there are, by kind and status (for `/metrics`).
pub async fn counts(db: &Db) -> sqlx::Result<Vec<(String, String, i64)>> {
    sqlx::query_as("SELECT kind, status, COUNT(*) AS n FROM jobs GROUP BY kind, status")
        .fetch_all(db.pool())
        .await
}

/// When the oldest queued job of each kind was queued (for `/metrics`).
pub async fn oldest_queued(db: &Db) -> sqlx::Result<Vec<(String, i64)>> {
    sqlx::query_as("SELECT kind, MIN(created_at) AS since FROM jobs WHERE status = 'queued' GROUP BY kind")
        .fetch_all(db.pool())
        .await
}

/// The job as a watcher sees it, if it exists.
pub async fn view(db: &Db, id: &str) -> sqlx::Result<Option<JobView>> {
    let row = sqlx::query_as::<_, JobRow>(
        "SELECT id, kind, status, attempts, progress_stage, progress_percent, result, error, payload \
         FROM jobs WHERE id = $1",
    )
    .bind(id)
    .fetch_optional(db.pool())
    .await?;
    Ok(row.map(|row| JobView {
        id: row.id,
        kind: row.kind,
        status: row.status,
        attempts: row.attempts,
        stage: row.progress_stage,
        percent: row.progress_percent,
        result: row.result.and_then(|r| serde_json::from_str(&r).ok()),
        error: row.error,
        payload: serde_json::from_str(&row.payload).unwrap_or_default(),
    }))
}

/// A `jobs` row as [`view`] reads it.
#[derive(sqlx::FromRow)]
struct JobRow {
    id: String,
    kind: String,
    status: String,
    attempts: i64,
    progress_stage: Option<String>,
    progress_percent: Option<i64>,
    result: Option<String>,
    error: Option<String>,
    payload: String,
}

/// Whether the job is running under `owner`'s lease.
/// Job `id`'s status (`queued`, `running`, `done`, `failed`); `None` for no such job.
pub async fn status_of(db: &Db, id: &str) -> sqlx::Result<Option<String>> {
    sqlx::query_scalar("SELECT status FROM jobs WHERE id = $1").bind(id).fetch_optional(db.pool()).await
}

/// Where a job stands: its status (`queued`, `running`, `done`, `failed`)
/// and, for a failed one, why.
#[derive(sqlx::FromRow, Clone, Debug)]
pub struct JobState {
    pub id: String,
    pub status: String,
    pub error: Option<String>,
}

/// Where each of the jobs `ids` stands (unknown ids are left out).
pub async fn states_of(db: &Db, ids: &[&str]) -> sqlx::Result<Vec<JobState>> {
    if ids.is_empty() {
        return Ok(vec![]);
    }
    let places: Vec<String> = (1..=ids.len()).map(|n| format!("${n}")).collect();
    let sql = format!("SELECT id, status, error FROM jobs WHERE id IN ({})", places.join(", "));
    let mut query = sqlx::query_as(sqlx::AssertSqlSafe(sql));
    for id in ids {
        query = query.bind(*id);
    }
    query.fetch_all(db.pool()).await
}

/// Job `id`'s result once it is done (`Some(None)`: done with none);
/// `None` while it is not done, or for no such job.
pub async fn result_if_done(db: &Db, id: &str) -> sqlx::Result<Option<Option<String>>> {
    sqlx::query_scalar("SELECT result FROM jobs WHERE id = $1 AND status = 'done'")
        .bind(id)
        .fetch_optional(db.pool())
        .await
}

/// The payloads of every job of `kind`, whatever its status (the orphan
/// sweep reads the files they name).
pub async fn payloads_of(db: &Db, kind: &str) -> sqlx::Result<Vec<String>> {
    sqlx::query_scalar("SELECT payload FROM jobs WHERE kind = $1").bind(kind).fetch_all(db.pool()).await
}

/// The results of the done jobs of these kinds.
pub async fn done_results_of(db: &Db, kinds: [&str; 2]) -> sqlx::Result<Vec<String>> {
    sqlx::query_scalar(
        "SELECT result FROM jobs WHERE kind IN ($1, $2) AND status = 'done' AND result IS NOT NULL",
    )
    .bind(kinds[0])
    .bind(kinds[1])
    .fetch_all(db.pool())
    .await
}

pub async fn is_leased_to(db: &Db, id: &str, owner: &str) -> sqlx::Result<bool> {
    let row =
        sqlx::query("SELECT 1 AS yes FROM jobs WHERE id = $1 AND lease_owner = $2 AND status = 'running'")
            .bind(id)
            .bind(owner)
            .fetch_optional(db.pool())
            .await?;
    Ok(row.is_some())
}
