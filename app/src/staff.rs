//! The lab's staff: signing in with the shared password, and what only
//! staff may see (for now the outbox of emails).

use serde::{Deserialize, Serialize};

use crate::error::AppError;

/// Whether staff pages can be used from this browser.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StaffAccess {
    pub signed_in: bool,
    /// No password yet: the setup page (with the code from the server's log) sets one.
    pub password_set: bool,
}

/// One message in the outbox, as the staff page lists it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
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
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct QueueTab {
    pub status: crate::print_job::PrintJobStatus,
    pub jobs: i64,
    pub grams: f64,
    pub hours: f64,
}

/// A print job as its card on the dashboard shows it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
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
    /// How many copies the job prints (a shop order's quantity).
    pub copies: u32,
    /// All copies, model and supports, g.
    pub weight_g: Option<f64>,
    /// All copies, h.
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
    /// While it waits to print: its place in the queue (1 = next)…
    #[serde(default)]
    pub place: Option<usize>,
    /// …and when it should start and be ready, in the lab's time zone.
    #[serde(default)]
    pub eta: Option<String>,
}

/// The dashboard: every status with its totals, and the chosen one's jobs (oldest first).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Queue {
    /// When this was read, in the lab's time zone ("last updated").
    #[serde(default)]
    pub read_at: String,
    pub tabs: Vec<QueueTab>,
    pub showing: crate::print_job::PrintJobStatus,
    pub jobs: Vec<PrintJobCard>,
    /// The lab's printers, each with what it is doing.
    #[serde(default)]
    pub printers: Vec<PrinterCard>,
    /// The board, when no status was asked: a column per active status
    /// ([`crate::print_job::PrintJobStatus::ACTIVE`]), in queue order.
    #[serde(default)]
    pub board: Vec<QueueColumn>,
}

/// One column of the staff's board: its status's jobs (the first
/// [`QueueColumn::MOST`]) and how many there are in all.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct QueueColumn {
    pub status: crate::print_job::PrintJobStatus,
    pub jobs: Vec<PrintJobCard>,
    pub total: i64,
}

impl QueueColumn {
    /// Most cards a column shows; the rest are on the status's own list.
    pub const MOST: usize = 50;
}

/// One entry of a job's event log.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
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
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
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
    /// The printer it is on (or failed on) and how far it got.
    #[serde(default)]
    pub on_printer: Option<OnPrinter>,
    /// The lab's printers with a server (OctoPrint, Moonraker), each with whether this job fits it now
    /// (offered while the job is ready to print).
    #[serde(default)]
    pub printers: Vec<PrinterChoice>,
    /// The failed job this one reprints, and the reprint of this one.
    #[serde(default)]
    pub replaces: Option<String>,
    #[serde(default)]
    pub replaced_by: Option<String>,
    /// A shop order's job: printing it at Slant 3D instead (none for a student's).
    #[serde(default)]
    pub outside: Option<PrintOutside>,
    /// The printer's camera picture of the print as it ended (a signed link).
    #[serde(default)]
    pub snapshot_url: Option<String>,
}

/// Printing a shop order at an outside print service (Slant 3D), who ship it
/// to the customer.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PrintOutside {
    /// Why it cannot be sent now (not set up, collected at the lab, already
    /// printing); empty when it can, or once it was sent.
    pub why_not: String,
    /// Once sent: their order id, and what they last said of it.
    pub their_order: Option<String>,
    pub their_status: Option<String>,
}

/// A job on its printer.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OnPrinter {
    pub printer: String,
    /// How far the print is, 0–100 (`None` until the printer says).
    pub progress_pct: Option<f64>,
    /// The printer's estimate, seconds.
    pub time_left_s: Option<i64>,
}

impl OnPrinter {
    /// "42 % · about 1 h 05 min left", as the pages show it.
    pub fn in_words(&self) -> String {
        let pct = self.progress_pct.map(|pct| format!("{pct:.0} %"));
        let left = self.time_left_s.filter(|s| *s > 0).map(|s| format!("about {} left", duration_words(s)));
        match (pct, left) {
            (Some(pct), Some(left)) => format!("{pct} · {left}"),
            (Some(pct), None) => pct,
            (None, Some(left)) => left,
            (None, None) => "starting".into(),
        }
    }
}

/// "1 h 05 min", "12 min", "under a minute".
pub fn duration_words(seconds: i64) -> String {
    let minutes = (seconds + 59) / 60;
    match minutes {
        ..=0 => "under a minute".into(),
        1..=59 => format!("{minutes} min"),
        _ => format!("{} h {:02} min", minutes / 60, minutes % 60),
    }
}

/// A printer offered for a job: `why_not` is empty when the job can go to it now.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PrinterChoice {
    pub id: String,
    pub name: String,
    pub why_not: String,
}

/// A printer on the staff's printers page.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PrinterCard {
    pub id: String,
    pub name: String,
    pub method: crate::lab::PrintMethod,
    pub build_mm: [f64; 3],
    pub material: String,
    pub colour: String,
    /// `manual`, `octoprint` or `moonraker`.
    pub connection: String,
    /// Its printer server's address (never its key).
    pub url: Option<String>,
    /// Where the server reads its key (`env:NAME` or `file:/path`; never the key).
    #[serde(default)]
    pub key_from: Option<String>,
    /// `manual`, `offline`, `idle`, `printing`, `paused`, `stopped` (free;
    /// its last print stopped with an error) or `error`.
    pub state: String,
    /// What the printer said (an error's or an outage's reason).
    pub message: String,
    /// The job it is printing, with its progress.
    pub job: Option<(String, String)>,
    pub progress: Option<OnPrinter>,
    /// When it was last read, in the lab's time zone.
    pub read_at: Option<String>,
    /// When it is free after its print and the jobs the queue plans for it
    /// (lab time zone), and the material those need.
    #[serde(default)]
    pub free_at: Option<String>,
    #[serde(default)]
    pub material_needed_g: f64,
    /// Staff's note while it is in maintenance (nothing is sent or planned
    /// to it); `None` in service.
    #[serde(default)]
    pub maintenance: Option<String>,
    /// Its log, newest first: maintenance in and out, its camera set or removed.
    #[serde(default)]
    pub log: Vec<PrinterLogLine>,
    /// Where its camera's still picture is read when a print on it ends.
    #[serde(default)]
    pub snapshot_url: Option<String>,
    /// When the print on it should be done, by the printer's own estimate (lab time zone).
    #[serde(default)]
    pub done_around: Option<String>,
}

/// One line of a printer's log.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PrinterLogLine {
    /// When, in the lab's time zone.
    pub at: String,
    pub what: String,
    pub note: String,
}

/// The fields of the "add a printer" and "change this printer" forms, as typed.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
// A field left out is empty, and then refused by name like any empty field.
#[serde(default)]
pub struct PrinterForm {
    pub name: String,
    pub method: String,
    pub build_x_mm: String,
    pub build_y_mm: String,
    pub build_z_mm: String,
    pub material: String,
    pub colour: String,
    /// `manual`, `octoprint` or `moonraker`.
    pub connection: String,
    /// The printer server's address (OctoPrint's or Moonraker's).
    #[serde(alias = "octoprint_url")]
    pub server_url: String,
    /// `env:NAME` or `file:/path`: where the server reads the API key
    /// (optional for Moonraker, which may trust the lab's network instead).
    pub api_key_from: String,
}

/// What a student told the lab besides their name and email.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
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
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
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
