//! What staff read about the business: the customers' funnel (where people
//! drop off on the way to a paid keepsake) and the lab's overview (what was
//! printed, how long it took, what was turned away, what it earned).
//!
//! Every figure a page charts is also a [`Table`], so the page, its CSV
//! export and the tests all read the same numbers.

use serde::{Deserialize, Serialize};

/// The customer's way from a story to a paid keepsake, in order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum FunnelStep {
    StorySubmitted,
    ConceptsShown,
    ConceptPicked,
    MeshReady,
    StudioOpened,
    ExactPrice,
    CheckoutStarted,
    Paid,
}

impl FunnelStep {
    pub const ALL: [FunnelStep; 8] = [
        FunnelStep::StorySubmitted,
        FunnelStep::ConceptsShown,
        FunnelStep::ConceptPicked,
        FunnelStep::MeshReady,
        FunnelStep::StudioOpened,
        FunnelStep::ExactPrice,
        FunnelStep::CheckoutStarted,
        FunnelStep::Paid,
    ];

    /// The name kept in the database and the CSV.
    pub fn as_str(self) -> &'static str {
        match self {
            FunnelStep::StorySubmitted => "story_submitted",
            FunnelStep::ConceptsShown => "concepts_shown",
            FunnelStep::ConceptPicked => "concept_picked",
            FunnelStep::MeshReady => "mesh_ready",
            FunnelStep::StudioOpened => "studio_opened",
            FunnelStep::ExactPrice => "exact_price",
            FunnelStep::CheckoutStarted => "checkout_started",
            FunnelStep::Paid => "paid",
        }
    }

    pub fn parse(name: &str) -> Option<FunnelStep> {
        FunnelStep::ALL.into_iter().find(|step| step.as_str() == name)
    }

    /// In the shop's words.
    pub fn label(self) -> &'static str {
        match self {
            FunnelStep::StorySubmitted => "Story submitted",
            FunnelStep::ConceptsShown => "Designs shown",
            FunnelStep::ConceptPicked => "Design picked",
            FunnelStep::MeshReady => "3D model ready",
            FunnelStep::StudioOpened => "Studio opened",
            FunnelStep::ExactPrice => "Exact price",
            FunnelStep::CheckoutStarted => "Checkout started",
            FunnelStep::Paid => "Paid",
        }
    }
}

/// One step of the funnel for the stories submitted in the period.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FunnelRow {
    pub step: FunnelStep,
    /// Creations that reached the step.
    pub creations: u64,
    /// Different visitors (browser sessions) among them.
    pub visitors: u64,
    /// Of the stories submitted, in per cent.
    pub of_start_pct: f64,
    /// Lost since the step before (none for the first).
    pub dropped: u64,
    /// Of those at the step before, in per cent.
    pub dropped_pct: f64,
    /// The median time from the story to this step, seconds (none: nobody got here).
    pub median_s: Option<f64>,
}

/// How one provider's jobs ended in the period.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ProviderRow {
    /// `image`, `mesh` or `slicing`.
    pub provider: String,
    pub done: u64,
    pub failed: u64,
    /// Failed of all ended, in per cent.
    pub failed_pct: f64,
    /// Attempts that failed and were tried again (on jobs that ended).
    pub retries: u64,
}

/// The funnel page: the period, its steps and the providers behind them.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FunnelReport {
    /// The first and last day of the period, `YYYY-MM-DD` in the lab's time zone.
    pub from: String,
    pub to: String,
    pub time_zone: String,
    pub steps: Vec<FunnelRow>,
    pub providers: Vec<ProviderRow>,
}

impl FunnelReport {
    pub fn tables(&self) -> Vec<Table> {
        let funnel = Table {
            name: "funnel".into(),
            title: "Funnel".into(),
            columns: cols(&[
                "step",
                "creations",
                "visitors",
                "of_start_pct",
                "dropped",
                "dropped_pct",
                "median_s",
            ]),
            rows: self
                .steps
                .iter()
                .map(|row| {
                    vec![
                        row.step.as_str().into(),
                        row.creations.to_string(),
                        row.visitors.to_string(),
                        fixed(row.of_start_pct, 1),
                        row.dropped.to_string(),
                        fixed(row.dropped_pct, 1),
                        row.median_s.map(|s| fixed(s, 0)).unwrap_or_default(),
                    ]
                })
                .collect(),
        };
        let providers = Table {
            name: "providers".into(),
            title: "Provider failures".into(),
            columns: cols(&["provider", "done", "failed", "failed_pct", "retries"]),
            rows: self
                .providers
                .iter()
                .map(|row| {
                    vec![
                        row.provider.clone(),
                        row.done.to_string(),
                        row.failed.to_string(),
                        fixed(row.failed_pct, 1),
                        row.retries.to_string(),
                    ]
                })
                .collect(),
        };
        vec![funnel, providers]
    }
}

/// How the overview groups time.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum Grain {
    Week,
    Month,
}

impl Grain {
    pub fn as_str(self) -> &'static str {
        match self {
            Grain::Week => "week",
            Grain::Month => "month",
        }
    }

    pub fn parse(name: &str) -> Option<Grain> {
        match name {
            "week" => Some(Grain::Week),
            "month" => Some(Grain::Month),
            _ => None,
        }
    }
}

/// The most periods one overview shows (five years of months).
pub const MAX_PERIODS: u32 = 60;

/// One week or month of the lab.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LabPeriod {
    /// `2026-W47` or `2026-11`.
    pub label: String,
    /// Its first day, `YYYY-MM-DD` in the lab's time zone.
    pub starts: String,
    /// Jobs submitted in the period, by where they stand now (in [`PrintJobStatus::ALL`] order).
    ///
    /// [`PrintJobStatus::ALL`]: crate::print_job::PrintJobStatus::ALL
    pub submitted: Vec<u64>,
    /// Jobs whose print was finished in the period, with their grams and hours.
    pub printed: u64,
    pub printed_g: f64,
    pub printed_h: f64,
    /// Jobs handed over in the period, and the median hours from upload to handover.
    pub picked_up: u64,
    pub median_to_pickup_h: Option<f64>,
    /// Shop orders paid (by card, or at pickup) and student jobs paid at pickup, cents.
    pub shop_cents: i64,
    pub lab_cents: i64,
}

/// Grams and hours printed in one method and colour.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MaterialRow {
    pub method: String,
    pub color: String,
    pub jobs: u64,
    pub grams: f64,
    pub hours: f64,
}

/// How often a reason was given when rejecting a job.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RejectionRow {
    /// The reason's key (`file`, `size`, …) or `note` for a note alone.
    pub reason: String,
    pub label: String,
    pub jobs: u64,
}

/// How often a cause was given for a failed print.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FailureRow {
    /// The cause's key (`detached`, `warping`, …) or `none` when none was given yet.
    pub cause: String,
    pub label: String,
    pub jobs: u64,
}

/// A printer's prints that ended (completed or failed) and how many failed.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PrinterFailureRow {
    pub printer: String,
    pub prints: u64,
    pub failed: u64,
    pub failed_pct: f64,
}

/// The lab's overview by week or month, newest last.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LabOverview {
    pub grain: Grain,
    pub time_zone: String,
    /// Currencies of the shop's and the lab's prices.
    pub shop_currency: String,
    pub lab_currency: String,
    pub periods: Vec<LabPeriod>,
    /// Over all the periods shown.
    pub materials: Vec<MaterialRow>,
    pub rejections: Vec<RejectionRow>,
    /// Failed prints by cause, and each printer's failure rate.
    #[serde(default)]
    pub failures: Vec<FailureRow>,
    #[serde(default)]
    pub printer_failures: Vec<PrinterFailureRow>,
}

impl LabOverview {
    pub fn tables(&self) -> Vec<Table> {
        use crate::print_job::PrintJobStatus;
        let mut jobs = cols(&["period", "starts"]);
        jobs.extend(PrintJobStatus::ALL.iter().map(|status| status.as_str().to_string()));
        let per_period =
            |name: &str, title: &str, columns: &[&str], row: &dyn Fn(&LabPeriod) -> Vec<String>| {
                let mut header = cols(&["period", "starts"]);
                header.extend(cols(columns));
                Table {
                    name: name.into(),
                    title: title.into(),
                    columns: header,
                    rows: self
                        .periods
                        .iter()
                        .map(|period| {
                            let mut cells = vec![period.label.clone(), period.starts.clone()];
                            cells.extend(row(period));
                            cells
                        })
                        .collect(),
                }
            };
        let statuses: Vec<&str> = PrintJobStatus::ALL.iter().map(|status| status.as_str()).collect();
        vec![
            per_period("jobs", "Jobs submitted, by status now", &statuses, &|period| {
                period.submitted.iter().map(u64::to_string).collect()
            }),
            per_period("printed", "Printed", &["jobs", "grams", "hours"], &|period| {
                vec![period.printed.to_string(), fixed(period.printed_g, 1), fixed(period.printed_h, 1)]
            }),
            Table {
                name: "materials".into(),
                title: "Grams and hours by method and colour".into(),
                columns: cols(&["method", "color", "jobs", "grams", "hours"]),
                rows: self
                    .materials
                    .iter()
                    .map(|row| {
                        vec![
                            row.method.clone(),
                            row.color.clone(),
                            row.jobs.to_string(),
                            fixed(row.grams, 1),
                            fixed(row.hours, 1),
                        ]
                    })
                    .collect(),
            },
            per_period("turnaround", "Upload to pickup", &["picked_up", "median_hours"], &|period| {
                vec![
                    period.picked_up.to_string(),
                    period.median_to_pickup_h.map(|h| fixed(h, 1)).unwrap_or_default(),
                ]
            }),
            Table {
                name: "rejections".into(),
                title: "Rejection reasons".into(),
                columns: cols(&["reason", "label", "jobs"]),
                rows: self
                    .rejections
                    .iter()
                    .map(|row| vec![row.reason.clone(), row.label.clone(), row.jobs.to_string()])
                    .collect(),
            },
            Table {
                name: "failures".into(),
                title: "Causes of failed prints".into(),
                columns: cols(&["cause", "label", "jobs"]),
                rows: self
                    .failures
                    .iter()
                    .map(|row| vec![row.cause.clone(), row.label.clone(), row.jobs.to_string()])
                    .collect(),
            },
            Table {
                name: "printer_failures".into(),
                title: "Failure rate by printer".into(),
                columns: cols(&["printer", "prints", "failed", "failed_pct"]),
                rows: self
                    .printer_failures
                    .iter()
                    .map(|row| {
                        vec![
                            row.printer.clone(),
                            row.prints.to_string(),
                            row.failed.to_string(),
                            fixed(row.failed_pct, 1),
                        ]
                    })
                    .collect(),
            },
            per_period(
                "revenue",
                "Revenue",
                &["shop_cents", "shop_currency", "lab_cents", "lab_currency"],
                &|period| {
                    vec![
                        period.shop_cents.to_string(),
                        self.shop_currency.clone(),
                        period.lab_cents.to_string(),
                        self.lab_currency.clone(),
                    ]
                },
            ),
        ]
    }
}

/// A table as the page shows it and the CSV export writes it: raw numbers,
/// no units in the cells (the column names carry them).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Table {
    /// Its file name in the export (`funnel` → `funnel.csv`).
    pub name: String,
    pub title: String,
    pub columns: Vec<String>,
    pub rows: Vec<Vec<String>>,
}

fn cols(names: &[&str]) -> Vec<String> {
    names.iter().map(|name| name.to_string()).collect()
}

/// `value` with `places` decimals, as CSV and tables show numbers.
pub fn fixed(value: f64, places: usize) -> String {
    format!("{value:.places$}")
}

/// `numerator` of `denominator` in per cent (0 when there is nothing to divide).
pub fn percent(numerator: u64, denominator: u64) -> f64 {
    match denominator {
        0 => 0.0,
        d => numerator as f64 * 100.0 / d as f64,
    }
}
