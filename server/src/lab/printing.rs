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

/// A job on a printer (Printing, with a printer named), as the printers
/// room reads it to plan the queue, show each printer and follow it.
#[derive(sqlx::FromRow, Clone, Debug)]
pub struct PrintingJob {
    pub id: String,
    pub name: String,
    pub printer_id: String,
    /// The file's name on the printer (see [`printer_file_name`]).
    pub printer_file: Option<String>,
    pub sent_at: Option<i64>,
    pub print_hours: Option<f64>,
    pub progress_pct: Option<f64>,
    pub time_left_s: Option<i64>,
}

const PRINTING: &str = "SELECT id, name, printer_id, printer_file, sent_at, print_hours, progress_pct, time_left_s \
                        FROM print_jobs WHERE status = $1 AND printer_id IS NOT NULL";

/// The name of the job printing on printer `printer_id`, if any, read in
/// the caller's write transaction (the printers' side removing a printer).
pub async fn printing_on_in(
    tx: &mut sqlx::Transaction<'static, sqlx::Any>,
    printer_id: &str,
) -> sqlx::Result<Option<String>> {
    sqlx::query_scalar("SELECT name FROM print_jobs WHERE printer_id = $1 AND status = $2 LIMIT 1")
        .bind(printer_id)
        .bind(PrintJobStatus::Printing.as_str())
        .fetch_optional(&mut **tx)
        .await
}

/// Every job printing on a printer.
pub async fn printing_jobs(db: &Db) -> sqlx::Result<Vec<PrintingJob>> {
    sqlx::query_as(PRINTING).bind(PrintJobStatus::Printing.as_str()).fetch_all(db.pool()).await
}

/// The jobs printing on printer `printer_id` (one, unless staff started a
/// second by hand).
pub async fn printing_on(db: &Db, printer_id: &str) -> sqlx::Result<Vec<PrintingJob>> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!("{PRINTING} AND printer_id = $2")))
        .bind(PrintJobStatus::Printing.as_str())
        .bind(printer_id)
        .fetch_all(db.pool())
        .await
}

/// What a job needs of a printer (its method, colour and size), where it
/// stands, and what the plan weighs it by.
#[derive(sqlx::FromRow, Clone, Debug)]
pub struct JobForPrinter {
    pub id: String,
    pub status: String,
    pub method: String,
    pub color: String,
    pub size_x_mm: Option<f64>,
    pub size_y_mm: Option<f64>,
    pub size_z_mm: Option<f64>,
    /// All copies, h.
    pub print_hours: Option<f64>,
    pub weight_g: Option<f64>,
    /// Copies it prints.
    pub quantity: i64,
}

const FOR_PRINTER: &str = "SELECT id, status, method, color, size_x_mm, size_y_mm, size_z_mm, print_hours, weight_g, \
                           quantity FROM print_jobs";

/// The jobs ready to print, in queue order.
pub async fn waiting_to_print(db: &Db) -> sqlx::Result<Vec<JobForPrinter>> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "{FOR_PRINTER} WHERE status = $1 ORDER BY COALESCE(queue_at, created_at), id"
    )))
    .bind(PrintJobStatus::ReadyToPrint.as_str())
    .fetch_all(db.pool())
    .await
}

/// Job `id` as a printer sees it; `None` for no such job.
pub async fn job_for_printer(db: &Db, id: &str) -> sqlx::Result<Option<JobForPrinter>> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!("{FOR_PRINTER} WHERE id = $1")))
        .bind(id)
        .fetch_optional(db.pool())
        .await
}

/// Where a job's file to print is: a shop order's, or a student job's
/// folder (filed under `status`, or — mid-move — `filed_status`).
#[derive(sqlx::FromRow, Clone, Debug)]
pub struct FileToPrint {
    pub order_id: Option<String>,
    pub folder: Option<String>,
    pub status: String,
    pub filed_status: Option<String>,
    pub sliced_ext: Option<String>,
}

/// Where job `id`'s file to print is; `None` for no such job.
pub async fn file_to_print(db: &Db, id: &str) -> sqlx::Result<Option<FileToPrint>> {
    sqlx::query_as("SELECT order_id, folder, status, filed_status, sliced_ext FROM print_jobs WHERE id = $1")
        .bind(id)
        .fetch_optional(db.pool())
        .await
}

/// The printer the order's newest job is printing on, and how far it is.
pub async fn order_on_printer(db: &Db, order_id: &str) -> sqlx::Result<Option<app::staff::OnPrinter>> {
    let row: Option<(String, Option<f64>, Option<i64>)> = sqlx::query_as(
        "SELECT printer_name, progress_pct, time_left_s FROM print_jobs \
         WHERE order_id = $1 AND status = $2 AND printer_name IS NOT NULL ORDER BY created_at DESC LIMIT 1",
    )
    .bind(order_id)
    .bind(PrintJobStatus::Printing.as_str())
    .fetch_optional(db.pool())
    .await?;
    Ok(row.map(|(printer, progress_pct, time_left_s)| app::staff::OnPrinter {
        printer,
        progress_pct,
        time_left_s,
    }))
}
