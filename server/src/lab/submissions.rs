//! Students and the print lab: a submission is checked (fields, then the
//! model by the geometry kernel) before anything is kept; the job, its first
//! event, the student's link and the "received" email are written in one
//! transaction. The student follows the job, and accepts the price, by the
//! link in their emails (`student_links`).

use app::error::AppError;
use app::lab::{CheckedSubmission, PrintMethod, Submission};
use app::print_job::PrintJobStatus;
use slicing::material::Material;

use crate::lab::LabContext;
use crate::lab::events::add_event;
use crate::lab::folders::{self, THUMBNAIL};
use crate::lab::student_links::{DAY_MS, VIEW_LINK_DAYS, add_link, public_link};
use crate::mail::outbox;
use crate::platform::model_file::{ModelFile, UnusableModel, read_model};
use crate::platform::time::now_ms;
use crate::platform::tokens::new_token;

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
pub async fn submit(cx: &LabContext, file: ModelFile, form: &Submission) -> Result<Submitted, LabError> {
    let form = form.checked(&cx.config.lab_options()).map_err(LabError::Invalid)?;
    let ModelFile { file_name, bytes } = file;
    let limits = cx.config.model_limits();
    let (name, model) = (file_name.clone(), bytes.clone());
    // The file is kept as the student sent it (staff open it in their slicer);
    // the kernel's reading proves it is a printable solid and draws its picture.
    let (picture, mesh_only, size_mm) = cx
        .mesh_work
        .run(move || {
            let mesh = read_model(&name, &model, &limits)?;
            let picture =
                geometry::thumbnail::render_png(&mesh, 384).map_err(|e| UnusableModel(e.to_string()))?;
            // Its size, as sent: only printers it fits are offered for it.
            let [min, max] = geometry::analysis::bounding_box(&mesh);
            let size_mm = [max[0] - min[0], max[1] - min[1], max[2] - min[2]];
            Ok((picture, geometry::io::stl::write_binary(&mesh), size_mm))
        })
        .await
        .map_err(|e| LabError::Crashed(e.to_string()))?
        .map_err(|UnusableModel(reason)| LabError::File(reason))?;

    let id = folders::new_job_id();
    let folder = folders::folder_name(&form.name, form.method.as_str(), &form.color, &id);
    let uploaded = PrintJobStatus::Uploaded.as_str();
    let model_key = folders::key(uploaded, &folder, &folders::model_file(&folder, &file_name));
    let picture_key = folders::key(uploaded, &folder, THUMBNAIL);
    let mesh_key = folders::key(uploaded, &folder, &folders::slicer_model_file(&folder));
    let forget = || async {
        for key in [&model_key, &picture_key, &mesh_key] {
            if let Err(error) = cx.storage.delete(key).await {
                tracing::warn!(%error, key, "an unused upload was left in storage");
            }
        }
    };
    let kept = async {
        cx.storage.put(&model_key, bytes).await?;
        cx.storage.put(&mesh_key, bytes::Bytes::from(mesh_only)).await?;
        cx.storage.put(&picture_key, bytes::Bytes::from(picture)).await
    };
    if let Err(error) = kept.await {
        forget().await;
        return Err(LabError::Storage(error.to_string()));
    }
    let token = new_token();
    let submitted = Submitted { id, token };
    let recorded =
        record(cx, &submitted, &form, (file_name.as_str(), folder.as_str(), model_key.as_str()), size_mm)
            .await;
    if let Err(error) = recorded {
        // Nothing points at the files: take them back.
        forget().await;
        return Err(error.into());
    }
    folders::settle_after_step(cx, &submitted.id).await;
    outbox::wake(&cx.mail_due);
    Ok(submitted)
}

async fn record(
    cx: &LabContext,
    submitted: &Submitted,
    form: &CheckedSubmission,
    (file_name, folder, model_key): (&str, &str, &str),
    size_mm: [f64; 3],
) -> sqlx::Result<()> {
    let now = now_ms();
    let uploaded = PrintJobStatus::Uploaded.as_str();
    let mut tx = cx.db.begin_write().await?;
    sqlx::query(
        "INSERT INTO print_jobs (id, source, order_id, status, name, email, method, color, notes, file_key, \
         quantity, created_at, updated_at, discipline, class_number, printer, file_name, folder, filed_status, \
         size_x_mm, size_y_mm, size_z_mm) \
         VALUES ($1, 'student', NULL, $2, $3, $4, $5, $6, $7, $8, $18, $9, $9, $10, $11, $12, $13, $14, $2, $15, $16, $17)",
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
    .bind(i64::from(form.copies))
    .execute(&mut *tx)
    .await?;
    let details = format!(
        "Submitted {file_name} ({}, {}, {}).",
        form.method.as_str(),
        form.color,
        app::lab::copies_label(form.copies)
    );
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
    let link = public_link(cx, &submitted.id, &submitted.token);
    outbox::enqueue(&mut tx, &crate::mail::lab::received(form, &submitted.id, file_name, &link)).await?;
    tx.commit().await
}

/// Print time as the lab quotes it: rounded up to its price book's step (half hours).
pub fn quoted_hours(cx: &LabContext, hours: f64) -> f64 {
    let seconds = (hours.max(0.0) * 3600.0).round() as u64;
    cx.config.lab.shown_time_s(seconds) as f64 / 3600.0
}
