//! What a student does by the link in their emails: follow their job, accept
//! the approved price, ask for a fresh link when it ran out. Only a link's
//! SHA-256 is stored, and it expires.

use app::lab::{PrintMethod, StudentPrintJob};
use app::print_job::PrintJobStatus;

use crate::lab::LabContext;
use crate::lab::events::{add_event, event_line};
use crate::lab::folders::{self, THUMBNAIL};
use crate::lab::submissions::{LabError, page_path};
use crate::mail::outbox;
use crate::platform::time::now_ms;
use crate::platform::tokens::{new_token, token_hash};

/// The link in the "received" email works this long (a job can wait weeks).
pub const VIEW_LINK_DAYS: i64 = 180;
pub const DAY_MS: i64 = 24 * 3600 * 1000;

/// Stores a new link for the student (its hash), valid until `expires_at`.
pub async fn add_link(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    job_id: &str,
    token: &str,
    can_confirm: bool,
    expires_at: i64,
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO student_links (token_hash, job_id, can_confirm, expires_at, created_at) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(token_hash(token))
    .bind(job_id)
    .bind(i64::from(can_confirm))
    .bind(expires_at)
    .bind(now_ms())
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// The student's page, as a full link for emails.
pub fn public_link(cx: &LabContext, id: &str, token: &str) -> String {
    format!("{}{}", cx.config.public_url.trim_end_matches('/'), page_path(id, token))
}

/// A link to one of a student job's files (`thumbnail.png`, `model`,
/// `sliced`) that works for `days` without a session.
pub fn file_link(cx: &LabContext, id: &str, file: &str, days: i64) -> String {
    let path = format!("/api/lab/jobs/{id}/files/{file}");
    let expires_s = now_ms() / 1000 + days * 24 * 3600;
    cx.links.sign(&path, expires_s)
}

/// Whether the link `token` of job `id` may confirm its price; `NotFound`
/// when it is no link of the job's or has expired.
async fn may_confirm(cx: &LabContext, id: &str, token: &str) -> Result<bool, LabError> {
    let can_confirm: i64 = sqlx::query_scalar(
        "SELECT can_confirm FROM student_links WHERE token_hash = $1 AND job_id = $2 AND expires_at > $3",
    )
    .bind(token_hash(token))
    .bind(id)
    .bind(now_ms())
    .fetch_optional(cx.db.pool())
    .await?
    .ok_or(LabError::NotFound)?;
    Ok(can_confirm == 1)
}

/// The job as its student sees it through the link `token` (its place in
/// the queue is the printers' to say: `printers::board::student_view`).
///
/// One query for the link, the job and its log: this is what a student's
/// page polls, and on SQLite each query is a trip to the connection's thread
/// (three separate ones made this endpoint ~25 % slower under load).
pub async fn student_view(cx: &LabContext, id: &str, token: &str) -> Result<StudentPrintJob, LabError> {
    let rows = sqlx::query(
        "SELECT l.can_confirm, l.expires_at, j.status, j.name, j.method, j.color, j.file_name, j.weight_g, \
         j.print_hours, j.price_cents, j.currency, e.at, e.actor, e.kind, e.from_status, e.to_status, e.details, \
         j.printer_name, j.progress_pct, j.time_left_s, j.quantity, \
         (SELECT r.id FROM print_jobs r WHERE r.replaces_job = j.id) AS replaced_by \
         FROM student_links l JOIN print_jobs j ON j.id = l.job_id AND j.source = 'student' \
         LEFT JOIN print_job_events e ON e.job_id = j.id \
         WHERE l.token_hash = $1 AND l.job_id = $2 \
         AND (l.expires_at > $3 OR (l.can_confirm = 1 AND l.created_at > $4)) ORDER BY e.id",
    )
    .bind(token_hash(token))
    .bind(id)
    .bind(now_ms())
    // A confirm link that ran out still shows the job (and offers a fresh
    // link) for as long as a view link would.
    .bind(now_ms() - VIEW_LINK_DAYS * DAY_MS)
    .fetch_all(cx.db.pool())
    .await?;
    let first = rows.first().ok_or(LabError::NotFound)?;
    let job = <StudentJobRow as sqlx::FromRow<'_, sqlx::any::AnyRow>>::from_row(first)?;
    let status = PrintJobStatus::parse(&job.status)
        .ok_or_else(|| sqlx::Error::Decode("unknown print job status".into()))?;
    let zone = cx.config.lab_zone();
    let can_confirm = job.can_confirm == 1 && status == PrintJobStatus::Pending && job.expires_at > now_ms();
    let confirm_until = can_confirm.then(|| crate::platform::time::lab_time(job.expires_at, zone));
    let mut events = Vec::with_capacity(rows.len());
    for row in &rows {
        // A job with no events yet joins one row of NULLs.
        let event: EventAt = sqlx::FromRow::from_row(row)?;
        if event.at.is_some() {
            events.push(event_line(row, zone)?);
        }
    }
    Ok(StudentPrintJob {
        id: id.to_string(),
        status,
        name: job.name,
        method: PrintMethod::parse(&job.method).unwrap_or(PrintMethod::Filament),
        color: job.color,
        file_name: job.file_name,
        copies: u32::try_from(job.quantity).unwrap_or(1),
        weight_g: job.weight_g,
        print_hours: job.print_hours,
        price_cents: job.price_cents,
        currency: job.currency,
        can_confirm,
        confirm_until,
        thumbnail_url: Some(file_link(cx, id, THUMBNAIL, 1)),
        events,
        on_printer: job.printer_name.map(|printer| app::staff::OnPrinter {
            printer,
            progress_pct: job.progress_pct,
            time_left_s: job.time_left_s,
        }),
        replaced_by: job.replaced_by,
        // Its place and when it should be ready: `printers::board`.
        queue_place: None,
        ready_around: None,
        can_ask_fresh_link: status == PrintJobStatus::Pending && !can_confirm,
    })
}

/// The link's and the job's columns of a [`student_view`] row.
#[derive(sqlx::FromRow)]
struct StudentJobRow {
    can_confirm: i64,
    expires_at: i64,
    status: String,
    name: String,
    method: String,
    color: String,
    file_name: String,
    weight_g: Option<f64>,
    print_hours: Option<f64>,
    price_cents: Option<i64>,
    currency: Option<String>,
    printer_name: Option<String>,
    progress_pct: Option<f64>,
    time_left_s: Option<i64>,
    quantity: i64,
    replaced_by: Option<String>,
}

/// The student accepts the approved price: Pending → ReadyToPrint.
pub async fn confirm(cx: &LabContext, id: &str, token: &str) -> Result<(), LabError> {
    if !may_confirm(cx, id, token).await? {
        return Err(LabError::NotNow(
            "This link only shows your job; use the one in the email with the price.".into(),
        ));
    }
    let now = now_ms();
    let mut tx = cx.db.begin_write().await?;
    let (from, to) = (PrintJobStatus::Pending, PrintJobStatus::ReadyToPrint);
    let moved =
        sqlx::query("UPDATE print_jobs SET status = $1, updated_at = $2 WHERE id = $3 AND status = $4")
            .bind(to.as_str())
            .bind(now)
            .bind(id)
            .bind(from.as_str())
            .execute(&mut *tx)
            .await?
            .rows_affected();
    if moved != 1 {
        return Err(LabError::NotNow("This job is not waiting for your confirmation.".into()));
    }
    add_event(&mut tx, id, now, ("student", "confirmed"), (Some(from), to), "Price accepted by the student.")
        .await?;
    if let Some(student) = crate::lab::students::of_job(&mut tx, id).await? {
        let token = new_token();
        add_link(&mut tx, id, &token, false, now + VIEW_LINK_DAYS * DAY_MS).await?;
        let link = public_link(cx, id, &token);
        outbox::enqueue(&mut tx, &crate::mail::lab::queued(id, &student, &link)).await?;
    }
    tx.commit().await?;
    folders::settle_after_step(cx, id).await;
    outbox::wake(&cx.mail_due);
    Ok(())
}

/// How soon after one a student may ask for another fresh confirm link.
const FRESH_LINK_EVERY_MS: i64 = 10 * 60 * 1000;

/// A student whose link to accept the price ran out (or who lost it) asks,
/// from their job's page, for a fresh one: the approval email again, with
/// a new link good for the lab's confirm days. At most one per ten minutes.
pub async fn send_fresh_confirm_link(cx: &LabContext, id: &str, token: &str) -> Result<(), LabError> {
    let job = student_view(cx, id, token).await?;
    if job.status != PrintJobStatus::Pending {
        return Err(LabError::NotNow("This job is not waiting for you to accept a price.".into()));
    }
    let now = now_ms();
    let mut tx = cx.db.begin_write().await?;
    let recent: Option<i64> =
        sqlx::query_scalar("SELECT MAX(at) FROM print_job_events WHERE job_id = $1 AND kind = 'fresh_link'")
            .bind(id)
            .fetch_one(&mut *tx)
            .await?;
    if recent.is_some_and(|at| now - at < FRESH_LINK_EVERY_MS) {
        return Err(LabError::NotNow(
            "A link to accept the price was sent a few minutes ago: please check your email.".into(),
        ));
    }
    let student = crate::lab::students::of_job(&mut tx, id).await?.ok_or(LabError::NotFound)?;
    // The approval's own words (grams, hours, price), from the log.
    let details: String = sqlx::query_scalar(
        "SELECT details FROM print_job_events WHERE job_id = $1 AND kind = 'approved' ORDER BY id DESC LIMIT 1",
    )
    .bind(id)
    .fetch_optional(&mut *tx)
    .await?
    .unwrap_or_default();
    let fresh = new_token();
    let days = cx.config.lab_confirm_days as i64;
    add_link(&mut tx, id, &fresh, true, now + days * DAY_MS).await?;
    let link = public_link(cx, id, &fresh);
    outbox::enqueue(
        &mut tx,
        &crate::mail::lab::approved(cx.config.lab_confirm_days, id, &student, &details, &link),
    )
    .await?;
    add_event(
        &mut tx,
        id,
        now,
        ("student", "fresh_link"),
        (Some(job.status), job.status),
        "A fresh link to accept the price was emailed.",
    )
    .await?;
    tx.commit().await?;
    outbox::wake(&cx.mail_due);
    Ok(())
}

/// Whether a row of [`student_view`]'s join has an event (`at` is NULL when the job has none).
#[derive(sqlx::FromRow)]
struct EventAt {
    at: Option<i64>,
}
