//! What a printer's side does to a print job's row: claiming a job for one
//! send, letting it go, and the progress a printer reports. `print_jobs` is
//! the lab's table; the printers room calls these rather than writing it.

use app::print_job::PrintJobStatus;

use crate::platform::db::Db;

/// The name a job's G-code gets on a printer: a job following its file
/// there knows it by this name.
pub fn printer_file_name(job_id: &str) -> String {
    format!("memoreez-{job_id}.gcode")
}

/// Claims ready job `job_id` for one send until `until` (ms): of two staff
/// pressing Send at once, one claims it. Whether this one did.
pub async fn claim_send(db: &Db, job_id: &str, now: i64, until: i64) -> sqlx::Result<bool> {
    let claimed = sqlx::query(
        "UPDATE print_jobs SET sending_until = $1 WHERE id = $2 AND status = $3 \
         AND (sending_until IS NULL OR sending_until < $4)",
    )
    .bind(until)
    .bind(job_id)
    .bind(PrintJobStatus::ReadyToPrint.as_str())
    .bind(now)
    .execute(db.pool())
    .await?
    .rows_affected();
    Ok(claimed == 1)
}

/// Lets the job be sent again.
pub async fn release_send(db: &Db, job_id: &str) -> sqlx::Result<()> {
    sqlx::query("UPDATE print_jobs SET sending_until = NULL WHERE id = $1")
        .bind(job_id)
        .execute(db.pool())
        .await?;
    Ok(())
}

/// Records how far a printing job is, in the caller's transaction.
pub async fn record_progress(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    job_id: &str,
    pct: Option<f64>,
    time_left_s: Option<i64>,
) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE print_jobs SET progress_pct = CAST($1 AS DOUBLE PRECISION), time_left_s = $2 \
         WHERE id = $3 AND status = $4",
    )
    .bind(crate::platform::db::maybe_number(pct))
    .bind(time_left_s)
    .bind(job_id)
    .bind(PrintJobStatus::Printing.as_str())
    .execute(&mut **tx)
    .await?;
    Ok(())
}
