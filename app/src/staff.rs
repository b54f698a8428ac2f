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
pub struct PrintJobCard {
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
    pub jobs: Vec<PrintJobCard>,
}

/// One entry of a job's event log.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PrintJobEvent {
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
pub struct PrintJobPage {
    pub card: PrintJobCard,
    pub status: crate::print_job::PrintJobStatus,
    pub events: Vec<PrintJobEvent>,
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

/// A number typed into a staff form ("12.5"; a comma as the decimal mark too).
pub fn number(field: &str, text: &str) -> Result<f64, AppError> {
    text.trim().replace(',', ".").parse::<f64>().ok().filter(|value| value.is_finite()).ok_or_else(|| {
        AppError::Invalid { field: field.into(), message: "Enter a number, like 12.5.".into() }
    })
}
