//! Students and the print lab: a submission is checked (fields, then the
//! model by the geometry kernel) before anything is kept; the job, its first
//! event, the student's link and the "received" email are written in one
//! transaction. The student follows the job, and accepts the price, by the
//! link in their emails (only its SHA-256 is stored, and it expires).

use app::error::AppError;
use app::lab::{CheckedSubmission, PrintMethod, StudentPrintJob, Submission};
use app::print_job::PrintJobStatus;
use app::staff::PrintJobEvent;
use slicing::material::Material;
use sqlx::Row;

use crate::http::model_form::ModelFile;
use crate::lab::folders::{self, THUMBNAIL};
use crate::mail::outbox;
use crate::platform::time::now_ms;
use crate::platform::tokens::{new_token, token_hash};
use crate::shop::quotes::{self, QuoteFailure};
use crate::state::AppState;

/// The link in the "received" email works this long (a job can wait weeks).
const VIEW_LINK_DAYS: i64 = 180;
const DAY_MS: i64 = 24 * 3600 * 1000;

#[derive(thiserror::Error, Debug)]
pub enum LabError {
    /// A field is wrong (the form's name for it, and what to do).
    #[error("{0}")]
    Invalid(app::error::AppError),
    /// The model file cannot be printed as it is; the reason is for the student.
    #[error("{0}")]
    File(String),
    #[error("not found")]
    NotFound,
    /// The step cannot be taken now; the reason is for the student.
    #[error("{0}")]
    NotNow(String),
    #[error("the upload could not be stored: {0}")]
    Storage(String),
    #[error(transparent)]
    Database(#[from] sqlx::Error),
    #[error("reading the model stopped: {0}")]
    Crashed(String),
}

impl From<LabError> for AppError {
    fn from(error: LabError) -> Self {
        match error {
            LabError::Invalid(error) => error,
            LabError::File(message) => AppError::Invalid { field: "file".into(), message },
            LabError::NotNow(message) => AppError::Conflict { field: "confirm".into(), message },
            LabError::NotFound => AppError::NotFound,
            LabError::Database(error) => crate::platform::app_error::database(error),
            other => crate::platform::app_error::internal(other),
        }
    }
}

/// A job just submitted, and the token of the student's link to it.
pub struct Submitted {
    pub id: String,
    pub token: String,
}

impl Submitted {
    /// The student's page, as a path.
    pub fn page_path(&self) -> String {
        page_path(&self.id, &self.token)
    }
}

pub fn page_path(id: &str, token: &str) -> String {
    format!("/lab/jobs/{id}?t={token}")
}

/// The material the lab's price book charges for a method.
pub fn material(method: PrintMethod) -> Material {
    match method {
        PrintMethod::Filament => Material::Pla,
        PrintMethod::Resin => Material::Resin,
    }
}

/// Checks and keeps a student's submission.
pub async fn submit(state: &AppState, file: ModelFile, form: &Submission) -> Result<Submitted, LabError> {
    let form = form.checked(&state.config.lab_options()).map_err(LabError::Invalid)?;
    let ModelFile { file_name, bytes } = file;
    let limits = state.config.model_limits();
    let (name, model) = (file_name.clone(), bytes.clone());
    // The file is kept as the student sent it (staff open it in their slicer);
    // the kernel's reading proves it is a printable solid and draws its picture.
    let (picture, mesh_only, size_mm) = state
        .mesh_work
        .run(move || {
            let mesh = quotes::read_model(&name, &model, &limits)?;
            let picture = geometry::thumbnail::render_png(&mesh, 384)
                .map_err(|e| QuoteFailure::Model(e.to_string()))?;
            // Its size, as sent: only printers it fits are offered for it.
            let [min, max] = geometry::analysis::bounding_box(&mesh);
            let size_mm = [max[0] - min[0], max[1] - min[1], max[2] - min[2]];
            Ok((picture, geometry::io::stl::write_binary(&mesh), size_mm))
        })
        .await
        .map_err(|e| LabError::Crashed(e.to_string()))?
        .map_err(|failure| match failure {
            QuoteFailure::Model(reason) => LabError::File(reason),
            other => LabError::Crashed(other.to_string()),
        })?;

    let id = folders::new_job_id();
    let folder = folders::folder_name(&form.name, form.method.as_str(), &form.color, &id);
    let uploaded = PrintJobStatus::Uploaded.as_str();
    let model_key = folders::key(uploaded, &folder, &folders::model_file(&folder, &file_name));
    let picture_key = folders::key(uploaded, &folder, THUMBNAIL);
    let mesh_key = folders::key(uploaded, &folder, &folders::slicer_model_file(&folder));
    let forget = || async {
        for key in [&model_key, &picture_key, &mesh_key] {
            if let Err(error) = state.storage.delete(key).await {
                tracing::warn!(%error, key, "an unused upload was left in storage");
            }
        }
    };
    let kept = async {
        state.storage.put(&model_key, bytes).await?;
        state.storage.put(&mesh_key, bytes::Bytes::from(mesh_only)).await?;
        state.storage.put(&picture_key, bytes::Bytes::from(picture)).await
    };
    if let Err(error) = kept.await {
        forget().await;
        return Err(LabError::Storage(error.to_string()));
    }
    let token = new_token();
    let submitted = Submitted { id, token };
    let recorded =
        record(state, &submitted, &form, (file_name.as_str(), folder.as_str(), model_key.as_str()), size_mm)
            .await;
    if let Err(error) = recorded {
        // Nothing points at the files: take them back.
        forget().await;
        return Err(error.into());
    }
    folders::settle_after_step(state, &submitted.id).await;
    outbox::wake(state);
    Ok(submitted)
}

async fn record(
    state: &AppState,
    submitted: &Submitted,
    form: &CheckedSubmission,
    (file_name, folder, model_key): (&str, &str, &str),
    size_mm: [f64; 3],
) -> sqlx::Result<()> {
    let now = now_ms();
    let uploaded = PrintJobStatus::Uploaded.as_str();
    let mut tx = state.db.begin_write().await?;
    sqlx::query(
        "INSERT INTO print_jobs (id, source, order_id, status, name, email, method, color, notes, file_key, \
         quantity, created_at, updated_at, discipline, class_number, printer, file_name, folder, filed_status, \
         size_x_mm, size_y_mm, size_z_mm) \
         VALUES ($1, 'student', NULL, $2, $3, $4, $5, $6, $7, $8, 1, $9, $9, $10, $11, $12, $13, $14, $2, $15, $16, $17)",
    )
    .bind(&submitted.id)
    .bind(uploaded)
    .bind(&form.name)
    .bind(&form.email)
    .bind(form.method.as_str())
    .bind(&form.color)
    .bind(&form.notes)
    .bind(model_key)
    .bind(now)
    .bind(&form.discipline)
    .bind(&form.class_number)
    .bind(&form.printer)
    .bind(file_name)
    .bind(folder)
    .bind(size_mm[0])
    .bind(size_mm[1])
    .bind(size_mm[2])
    .execute(&mut *tx)
    .await?;
    let details = format!("Submitted {file_name} ({}, {}).", form.method.as_str(), form.color);
    add_event(
        &mut tx,
        &submitted.id,
        now,
        ("student", "submitted"),
        (None, PrintJobStatus::Uploaded),
        &details,
    )
    .await?;
    add_link(&mut tx, &submitted.id, &submitted.token, false, now + VIEW_LINK_DAYS * DAY_MS).await?;
    let link = public_link(state, &submitted.id, &submitted.token);
    outbox::enqueue(&mut tx, &crate::mail::lab::received(form, &submitted.id, file_name, &link)).await?;
    tx.commit().await
}

/// Appends to the job's event log.
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
pub fn public_link(state: &AppState, id: &str, token: &str) -> String {
    format!("{}{}", state.config.public_url.trim_end_matches('/'), page_path(id, token))
}

/// A link to one of a student job's files (`thumbnail.png`, `model`,
/// `sliced`) that works for `days` without a session.
pub fn file_link(state: &AppState, id: &str, file: &str, days: i64) -> String {
    let path = format!("/api/lab/jobs/{id}/files/{file}");
    let expires_s = now_ms() / 1000 + days * 24 * 3600;
    state.links.sign(&path, expires_s)
}

/// Whether the link `token` of job `id` may confirm its price; `NotFound`
/// when it is no link of the job's or has expired.
async fn may_confirm(state: &AppState, id: &str, token: &str) -> Result<bool, LabError> {
    let row = sqlx::query(
        "SELECT can_confirm FROM student_links WHERE token_hash = $1 AND job_id = $2 AND expires_at > $3",
    )
    .bind(token_hash(token))
    .bind(id)
    .bind(now_ms())
    .fetch_optional(state.db.pool())
    .await?
    .ok_or(LabError::NotFound)?;
    Ok(row.try_get::<i64, _>("can_confirm")? == 1)
}

/// The job as its student sees it through the link `token`.
///
/// One query for the link, the job and its log: this is what a student's
/// page polls, and on SQLite each query is a trip to the connection's thread
/// (three separate ones made this endpoint ~25 % slower under load).
pub async fn student_view(state: &AppState, id: &str, token: &str) -> Result<StudentPrintJob, LabError> {
    let rows = sqlx::query(
        "SELECT l.can_confirm, l.expires_at, j.status, j.name, j.method, j.color, j.file_name, j.weight_g, \
         j.print_hours, j.price_cents, j.currency, e.at, e.actor, e.kind, e.from_status, e.to_status, e.details, \
         p.name AS printer_name, j.progress_pct, j.time_left_s, \
         (SELECT r.id FROM print_jobs r WHERE r.replaces_job = j.id) AS replaced_by \
         FROM student_links l JOIN print_jobs j ON j.id = l.job_id AND j.source = 'student' \
         LEFT JOIN printers p ON p.id = j.printer_id \
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
    .fetch_all(state.db.pool())
    .await?;
    let job = rows.first().ok_or(LabError::NotFound)?;
    let status = PrintJobStatus::parse(&job.try_get::<String, _>("status")?)
        .ok_or_else(|| sqlx::Error::Decode("unknown print job status".into()))?;
    let method = PrintMethod::parse(&job.try_get::<String, _>("method")?).unwrap_or(PrintMethod::Filament);
    let zone = state.config.lab_zone();
    let confirm_link = job.try_get::<i64, _>("can_confirm")? == 1;
    let expires_at: i64 = job.try_get("expires_at")?;
    let can_confirm = confirm_link && status == PrintJobStatus::Pending && expires_at > now_ms();
    let confirm_until = match can_confirm {
        true => Some(crate::platform::time::lab_time(job.try_get("expires_at")?, zone)),
        false => None,
    };
    // Waiting to print: its place and when it should be ready.
    let (queue_place, ready_around) = match status {
        PrintJobStatus::ReadyToPrint => {
            let plan = crate::printers::eta::queue_plan(state).await?;
            match plan.of(id) {
                Some((place, eta)) => (
                    Some((place, plan.jobs.len())),
                    eta.ready_ms.map(|at| crate::platform::time::lab_time(at, zone)),
                ),
                None => (None, None),
            }
        }
        _ => (None, None),
    };
    let mut events = Vec::with_capacity(rows.len());
    for row in &rows {
        // A job with no events yet joins one row of NULLs.
        if row.try_get::<Option<i64>, _>("at")?.is_some() {
            events.push(event_line(row, zone)?);
        }
    }
    Ok(StudentPrintJob {
        id: id.to_string(),
        status,
        name: job.try_get("name")?,
        method,
        color: job.try_get("color")?,
        file_name: job.try_get("file_name")?,
        weight_g: job.try_get("weight_g")?,
        print_hours: job.try_get("print_hours")?,
        price_cents: job.try_get("price_cents")?,
        currency: job.try_get("currency")?,
        can_confirm,
        confirm_until,
        thumbnail_url: Some(file_link(state, id, THUMBNAIL, 1)),
        events,
        on_printer: match job.try_get::<Option<String>, _>("printer_name")? {
            Some(printer) => Some(app::staff::OnPrinter {
                printer,
                progress_pct: job.try_get("progress_pct")?,
                time_left_s: job.try_get("time_left_s")?,
            }),
            None => None,
        },
        replaced_by: job.try_get("replaced_by")?,
        queue_place,
        ready_around,
        can_ask_fresh_link: status == PrintJobStatus::Pending && !can_confirm,
    })
}

/// A job's event log, oldest first, with times in the lab's time zone.
pub async fn events(state: &AppState, id: &str) -> sqlx::Result<Vec<PrintJobEvent>> {
    let zone = state.config.lab_zone();
    sqlx::query(
        "SELECT at, actor, kind, from_status, to_status, details FROM print_job_events WHERE job_id = $1 ORDER BY id",
    )
    .bind(id)
    .fetch_all(state.db.pool())
    .await?
    .iter()
    .map(|row| event_line(row, zone))
    .collect()
}

/// One line of a job's log from a row with its columns.
fn event_line(row: &sqlx::any::AnyRow, zone: chrono_tz::Tz) -> sqlx::Result<PrintJobEvent> {
    Ok(PrintJobEvent {
        at: crate::platform::time::lab_time(row.try_get("at")?, zone),
        at_ms: row.try_get("at")?,
        actor: row.try_get("actor")?,
        kind: row.try_get("kind")?,
        from: row.try_get("from_status")?,
        to: row.try_get("to_status")?,
        details: row.try_get("details")?,
    })
}

/// The student accepts the approved price: Pending → ReadyToPrint.
pub async fn confirm(state: &AppState, id: &str, token: &str) -> Result<(), LabError> {
    if !may_confirm(state, id, token).await? {
        return Err(LabError::NotNow(
            "This link only shows your job; use the one in the email with the price.".into(),
        ));
    }
    let now = now_ms();
    let mut tx = state.db.begin_write().await?;
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
    if let Some(student) = crate::mail::lab::Student::of_job(&mut tx, id).await? {
        let token = new_token();
        add_link(&mut tx, id, &token, false, now + VIEW_LINK_DAYS * DAY_MS).await?;
        let link = public_link(state, id, &token);
        outbox::enqueue(&mut tx, &crate::mail::lab::queued(id, &student, &link)).await?;
    }
    tx.commit().await?;
    folders::settle_after_step(state, id).await;
    outbox::wake(state);
    Ok(())
}

/// How soon after one a student may ask for another fresh confirm link.
const FRESH_LINK_EVERY_MS: i64 = 10 * 60 * 1000;

/// A student whose link to accept the price ran out (or who lost it) asks,
/// from their job's page, for a fresh one: the approval email again, with
/// a new link good for the lab's confirm days. At most one per ten minutes.
pub async fn send_fresh_confirm_link(state: &AppState, id: &str, token: &str) -> Result<(), LabError> {
    let job = student_view(state, id, token).await?;
    if job.status != PrintJobStatus::Pending {
        return Err(LabError::NotNow("This job is not waiting for you to accept a price.".into()));
    }
    let now = now_ms();
    let mut tx = state.db.begin_write().await?;
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
    let student = crate::mail::lab::Student::of_job(&mut tx, id).await?.ok_or(LabError::NotFound)?;
    // The approval's own words (grams, hours, price), from the log.
    let details: String = sqlx::query_scalar(
        "SELECT details FROM print_job_events WHERE job_id = $1 AND kind = 'approved' ORDER BY id DESC LIMIT 1",
    )
    .bind(id)
    .fetch_optional(&mut *tx)
    .await?
    .unwrap_or_default();
    let fresh = new_token();
    let days = state.config.lab_confirm_days as i64;
    add_link(&mut tx, id, &fresh, true, now + days * DAY_MS).await?;
    let link = public_link(state, id, &fresh);
    outbox::enqueue(&mut tx, &crate::mail::lab::approved(state, id, &student, &details, &link)).await?;
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
    outbox::wake(state);
    Ok(())
}

/// Print time as the lab quotes it: rounded up to its price book's step (half hours).
pub fn quoted_hours(state: &AppState, hours: f64) -> f64 {
    let seconds = (hours.max(0.0) * 3600.0).round() as u64;
    state.config.lab.shown_time_s(seconds) as f64 / 3600.0
}
