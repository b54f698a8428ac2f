//! A print job's event log (`print_job_events`): what happened to it, when,
//! by whom, from which status to which. The database keeps it append-only
//! (UPDATE and DELETE are refused by triggers); this is the one place that
//! writes it, so every step of every room lands in it the same way.

use app::print_job::PrintJobStatus;
use app::staff::PrintJobEvent;

use crate::platform::db::Db;

/// Appends one event to job `job_id`'s log, in the caller's transaction.
/// `from` is `None` for the event that starts a job's log.
pub async fn add_event(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    job_id: &str,
    now: i64,
    (actor, kind): (&str, &str),
    (from, to): (Option<PrintJobStatus>, PrintJobStatus),
    details: &str,
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO print_job_events (job_id, at, actor, kind, from_status, to_status, details) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(job_id)
    .bind(now)
    .bind(actor)
    .bind(kind)
    .bind(from.map(PrintJobStatus::as_str))
    .bind(to.as_str())
    .bind(details)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// A job's event log, oldest first, with times in the lab's time zone.
pub async fn events(db: &Db, zone: chrono_tz::Tz, id: &str) -> sqlx::Result<Vec<PrintJobEvent>> {
    Ok(log(db, id).await?.into_iter().map(|row| row.line(zone)).collect())
}

/// A job's event log as it is stored, oldest first.
pub(crate) async fn log(db: &Db, id: &str) -> sqlx::Result<Vec<EventRow>> {
    sqlx::query_as(
        "SELECT at, actor, kind, from_status, to_status, details FROM print_job_events WHERE job_id = $1 ORDER BY id",
    )
    .bind(id)
    .fetch_all(db.pool())
    .await
}

/// A `print_job_events` row, as a job's log shows it.
#[derive(sqlx::FromRow)]
pub(crate) struct EventRow {
    pub at: i64,
    pub actor: String,
    pub kind: String,
    pub from_status: Option<String>,
    pub to_status: Option<String>,
    pub details: String,
}

impl EventRow {
    fn line(self, zone: chrono_tz::Tz) -> PrintJobEvent {
        PrintJobEvent {
            at: crate::platform::time::lab_time(self.at, zone),
            at_ms: self.at,
            actor: self.actor,
            kind: self.kind,
            from: self.from_status,
            to: self.to_status,
            details: self.details,
        }
    }
}

/// One line of a job's log from a row with its columns (among others).
pub(crate) fn event_line(row: &sqlx::any::AnyRow, zone: chrono_tz::Tz) -> sqlx::Result<PrintJobEvent> {
    Ok(<EventRow as sqlx::FromRow<'_, sqlx::any::AnyRow>>::from_row(row)?.line(zone))
}

/// Where the lab's log stands: the newest event's id and time (`None`
/// before the first), which the staff pages' stream follows.
pub async fn newest(db: &Db) -> sqlx::Result<(Option<i64>, Option<i64>)> {
    sqlx::query_as("SELECT MAX(id), MAX(at) FROM print_job_events").fetch_one(db.pool()).await
}

/// How many jobs were submitted after event `after`.
pub async fn submitted_since(db: &Db, after: i64) -> sqlx::Result<i64> {
    sqlx::query_scalar("SELECT COUNT(*) FROM print_job_events WHERE id > $1 AND kind = 'submitted'")
        .bind(after)
        .fetch_one(db.pool())
        .await
}
