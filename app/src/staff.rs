//! The lab's staff: signing in with the shared password, and what only
//! staff may see (for now the outbox of emails).

use serde::{Deserialize, Serialize};

use crate::error::AppError;

/// Whether staff pages can be used from this browser.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StaffAccess {
    pub signed_in: bool,
    /// No password yet: the setup page (with the code from the server's log) sets one.
    pub password_set: bool,
}

/// One message in the outbox, as the staff page lists it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OutboxLine {
    pub id: String,
    pub kind: String,
    pub to: String,
    pub subject: String,
    /// `pending`, `sent`, `failed` or `held` (waiting for the order's payment).
    pub status: String,
    pub attempts: i64,
    pub last_error: Option<String>,
    /// UTC milliseconds.
    pub created_at_ms: i64,
    pub sent_at_ms: Option<i64>,
    /// The same times in the lab's time zone, as the page shows them.
    #[serde(default)]
    pub written: String,
    #[serde(default)]
    pub sent: Option<String>,
}

/// One status tab of the queue: how many jobs, and their grams and print hours.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct QueueTab {
    pub status: crate::print_job::PrintJobStatus,
    pub jobs: i64,
    pub grams: f64,
    pub hours: f64,
}

/// A print job as its card on the dashboard shows it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct JobCard {
    pub id: String,
    /// `student` or `shop`.
    pub source: String,
    pub order_id: Option<String>,
    pub name: String,
    pub email: String,
    pub method: String,
    pub color: String,
    pub notes: String,
    pub quantity: i64,
    pub weight_g: Option<f64>,
    pub print_hours: Option<f64>,
    pub price_cents: Option<i64>,
    pub currency: Option<String>,
    /// Not yet marked reviewed: shown as NEW.
    pub new: bool,
    pub created_at_ms: i64,
    /// When it was queued, in the lab's time zone.
    pub queued: String,
    /// A signed link to the job's picture.
    pub thumbnail_url: Option<String>,
}

/// The dashboard: every status with its totals, and the chosen one's jobs (oldest first).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Queue {
    /// When this was read, in the lab's time zone ("last updated").
    #[serde(default)]
    pub read_at: String,
    pub tabs: Vec<QueueTab>,
    pub showing: crate::print_job::PrintJobStatus,
    pub jobs: Vec<JobCard>,
}

/// One entry of a job's event log.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct JobEventLine {
    pub at_ms: i64,
    /// `at_ms` in the lab's time zone.
    pub at: String,
    /// `staff`, `student` or `system`.
    pub actor: String,
    pub kind: String,
    pub from: Option<String>,
    pub to: Option<String>,
    pub details: String,
}

/// A job's own page: its card, where it stands and everything that happened.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct JobPage {
    pub card: JobCard,
    pub status: crate::print_job::PrintJobStatus,
    pub events: Vec<JobEventLine>,
    /// `3dprint://open?path=…`: opens the job's file on a staff computer
    /// that has run `memoreez protocol install`.
    pub slicer_link: String,
    /// A student's own details (none for a shop order).
    pub student: Option<StudentDetails>,
    /// Downloads of the job's files (signed links).
    pub files: Vec<FileLink>,
}

/// What a student told the lab besides their name and email.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StudentDetails {
    pub discipline: String,
    pub class_number: String,
    /// The printer they asked for, if any.
    pub printer: String,
    pub file_name: String,
    /// The job's folder in the lab's shared storage (`lab/<status>/<folder>`).
    pub folder: String,
}

/// A file to download.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileLink {
    pub label: String,
    pub url: String,
}

#[leptos::server(endpoint = "staff_job")]
pub async fn staff_job(id: String) -> Result<JobPage, AppError> {
    let (backend, request) = crate::backend::from_context()?;
    crate::error::with_status(backend.staff_job(&request, &id).await)
}

// One argument per form field, because that is what the form posts without
// JavaScript; the allow must sit on a module, as the server function macro
// does not carry it to the browser's half.
pub use job_action::*;

#[allow(clippy::too_many_arguments)]
mod job_action {
    use crate::error::AppError;

    /// Does `action` (`mark_reviewed`, `approve`, `reject`, `start_printing`,
    /// `complete`, `picked_up`) to the job; back to its page. Rejection reasons
    /// come as one checkbox each (`reason_file`, `reason_size`, …), so the form
    /// works without JavaScript.
    #[leptos::server(endpoint = "staff_job_action")]
    pub async fn staff_job_action(
        id: String,
        action: String,
        #[server(default)] printer: String,
        #[server(default)] payment: String,
        #[server(default)] weight_g: String,
        #[server(default)] print_hours: String,
        #[server(default)] note: String,
        #[server(default)] reason_file: String,
        #[server(default)] reason_size: String,
        #[server(default)] reason_detail: String,
        #[server(default)] reason_supports: String,
        #[server(default)] reason_rules: String,
    ) -> Result<(), AppError> {
        use crate::print_job::JobAction;
        let (backend, request) = crate::backend::from_context()?;
        let outcome = async {
            // Who asks comes first: a stranger learns nothing about the form.
            if !backend.staff_status(&request).await?.signed_in {
                return Err(AppError::SignInNeeded);
            }
            let action = match action.as_str() {
                "mark_reviewed" => JobAction::MarkReviewed,
                "approve" => JobAction::Approve {
                    weight_g: super::number("weight_g", &weight_g)?,
                    print_hours: super::number("print_hours", &print_hours)?,
                },
                "reject" => {
                    let ticked = [reason_file, reason_size, reason_detail, reason_supports, reason_rules];
                    let reasons = crate::lab::REJECTION_REASONS
                        .iter()
                        .zip(ticked)
                        .filter(|(_, ticked)| !ticked.is_empty())
                        .map(|((key, _), _)| key.to_string())
                        .collect();
                    JobAction::Reject { reasons, note }
                }
                "start_printing" => JobAction::StartPrinting { printer },
                "complete" => JobAction::Complete,
                "picked_up" => JobAction::PickedUp { payment },
                _ => {
                    return Err(AppError::Invalid {
                        field: "action".into(),
                        message: "Unknown action.".into(),
                    });
                }
            };
            backend.staff_job_action(&request, &id, action).await
        };
        crate::error::with_status(outcome.await)?;
        leptos_axum::redirect(&format!("/staff/jobs/{id}"));
        Ok(())
    }
}

/// Keeps the sliced file staff will print (multipart: `id`, `file` — G-code
/// or a sliced 3MF); back to the job's page.
#[leptos::server(endpoint = "staff_upload_sliced", input = leptos::server_fn::codec::MultipartFormData)]
pub async fn staff_upload_sliced(form: leptos::server_fn::codec::MultipartData) -> Result<(), AppError> {
    let (backend, request) = crate::backend::from_context()?;
    let id = crate::error::with_status(backend.staff_upload_sliced(&request, form).await)?;
    leptos_axum::redirect(&format!("/staff/jobs/{id}"));
    Ok(())
}

/// Slices the student's model here (PrusaSlicer, the lab's filament profile).
#[leptos::server(endpoint = "staff_slice")]
pub async fn staff_slice(id: String) -> Result<(), AppError> {
    let (backend, request) = crate::backend::from_context()?;
    crate::error::with_status(backend.staff_slice(&request, &id).await)?;
    leptos_axum::redirect(&format!("/staff/jobs/{id}"));
    Ok(())
}

/// A number typed into a staff form ("12.5"; a comma as the decimal mark too).
pub fn number(field: &str, text: &str) -> Result<f64, AppError> {
    text.trim().replace(',', ".").parse::<f64>().ok().filter(|value| value.is_finite()).ok_or_else(|| {
        AppError::Invalid { field: field.into(), message: "Enter a number, like 12.5.".into() }
    })
}

/// The queue for signed-in staff; `status` empty: the first tab with jobs.
#[leptos::server(endpoint = "staff_queue")]
pub async fn staff_queue(status: String) -> Result<Queue, AppError> {
    let (backend, request) = crate::backend::from_context()?;
    crate::error::with_status(backend.staff_queue(&request, &status).await)
}

#[leptos::server(endpoint = "staff_status")]
pub async fn staff_status() -> Result<StaffAccess, AppError> {
    let (backend, request) = crate::backend::from_context()?;
    backend.staff_status(&request).await
}

/// Signs in with the shared password; then to `/staff`.
#[leptos::server(endpoint = "staff_sign_in")]
pub async fn staff_sign_in(password: String) -> Result<(), AppError> {
    let (backend, request) = crate::backend::from_context()?;
    crate::error::with_status(backend.staff_sign_in(&request, &password).await)?;
    leptos_axum::redirect("/staff");
    Ok(())
}

/// Sets the first staff password, with the setup code from the server's log.
#[leptos::server(endpoint = "staff_setup")]
pub async fn staff_setup(code: String, password: String, repeat: String) -> Result<(), AppError> {
    let (backend, request) = crate::backend::from_context()?;
    crate::error::with_status(backend.staff_setup(&request, &code, &password, &repeat).await)?;
    leptos_axum::redirect("/staff/login");
    Ok(())
}

#[leptos::server(endpoint = "staff_sign_out")]
pub async fn staff_sign_out() -> Result<(), AppError> {
    let (backend, request) = crate::backend::from_context()?;
    backend.staff_sign_out(&request).await?;
    leptos_axum::redirect("/staff/login");
    Ok(())
}

/// The newest messages in the outbox, newest first.
#[leptos::server(endpoint = "staff_outbox")]
pub async fn staff_outbox() -> Result<Vec<OutboxLine>, AppError> {
    let (backend, request) = crate::backend::from_context()?;
    crate::error::with_status(backend.staff_outbox(&request).await)
}
