//! The lab's overview for staff: by week or month, what was submitted and
//! where it stands now, what was printed (grams, hours, by method and
//! colour), how long from upload to pickup, why jobs were turned away, why
//! prints failed and on which printers (`failures`), and what the shop and
//! the lab took in.
//!
//! Read from the print jobs, their immutable event log and the orders' log:
//! a step counts in the period its event happened.

use app::lab::REJECTION_REASONS;
use app::print_job::PrintJobStatus;
use app::report::{Grain, LabOverview, LabPeriod, MaterialRow, RejectionRow};

use crate::platform::config::Config;
use crate::platform::db::Db;
use crate::reports::funnel::median;
use crate::reports::period::{Period, periods};

/// A job submitted (its status now).
pub struct Submitted {
    pub status: PrintJobStatus,
    pub at: i64,
}

/// A step in a job's log that the overview counts.
pub struct Step {
    pub to: PrintJobStatus,
    pub at: i64,
    pub details: String,
    /// `student` or `shop`.
    pub source: String,
    pub method: String,
    pub color: String,
    pub weight_g: Option<f64>,
    pub print_hours: Option<f64>,
    pub price_cents: Option<i64>,
    pub created_at: i64,
}

/// A shop order's payment: `total_cents` at `at`.
#[derive(sqlx::FromRow)]
pub struct Payment {
    pub at: i64,
    pub total_cents: i64,
}

/// The overview of the `count` weeks or months up to now.
pub async fn overview(
    (db, config): (&Db, &Config),
    _staff: &crate::staff::StaffSession,
    grain: Grain,
    count: u32,
) -> sqlx::Result<LabOverview> {
    let periods = periods(crate::platform::time::now_ms(), config.lab_zone(), grain, count);
    let (start, end) = (periods[0].start_ms, periods[periods.len() - 1].end_ms);
    let pool = db.pool();
    let submitted: Vec<(String, i64)> = sqlx::query_as(
        "SELECT status, created_at FROM print_jobs WHERE created_at >= $1 AND created_at < $2",
    )
    .bind(start)
    .bind(end)
    .fetch_all(pool)
    .await?;
    let submitted: Vec<Submitted> = submitted
        .into_iter()
        .filter_map(|(status, at)| Some(Submitted { status: PrintJobStatus::parse(&status)?, at }))
        .collect();
    let steps: Vec<StepRow> = sqlx::query_as(
        "SELECT e.to_status, e.at, e.details, p.source, p.method, p.color, p.weight_g, p.print_hours, \
         p.price_cents, p.created_at FROM print_job_events e JOIN print_jobs p ON p.id = e.job_id \
         WHERE e.to_status IN ('Completed', 'PaidPickedUp', 'Rejected') AND e.at >= $1 AND e.at < $2",
    )
    .bind(start)
    .bind(end)
    .fetch_all(pool)
    .await?;
    // A status this version does not know is not counted.
    let steps: Vec<Step> = steps.into_iter().filter_map(StepRow::step).collect();
    // Paid by card when Stripe says so; paid at pickup when it is collected.
    let payments: Vec<Payment> = sqlx::query_as(
        "SELECT e.at, o.total_cents FROM order_events e JOIN orders o ON o.id = e.order_id \
         WHERE ((e.to_status = 'Paid' AND o.payment = 'stripe') \
             OR (e.to_status = 'Collected' AND o.payment = 'pickup')) \
         AND e.at >= $1 AND e.at < $2",
    )
    .bind(start)
    .bind(end)
    .fetch_all(pool)
    .await?;
    let (failures, printer_failures) = crate::reports::failures::failures(db, start, end).await?;
    Ok(LabOverview {
        grain,
        time_zone: config.lab_time_zone.clone(),
        shop_currency: config.shop.currency.clone(),
        lab_currency: config.lab.currency.clone(),
        periods: period_rows(&periods, &submitted, &steps, &payments),
        materials: materials(steps.iter().filter(|step| step.to == PrintJobStatus::Completed)),
        rejections: rejections(steps.iter().filter(|step| step.to == PrintJobStatus::Rejected)),
        failures,
        printer_failures,
    })
}

/// A [`Step`] as stored.
#[derive(sqlx::FromRow)]
struct StepRow {
    to_status: String,
    at: i64,
    details: String,
    source: String,
    method: String,
    color: String,
    weight_g: Option<f64>,
    print_hours: Option<f64>,
    price_cents: Option<i64>,
    created_at: i64,
}

impl StepRow {
    fn step(self) -> Option<Step> {
        Some(Step {
            to: PrintJobStatus::parse(&self.to_status)?,
            at: self.at,
            details: self.details,
            source: self.source,
            method: self.method,
            color: self.color,
            weight_g: self.weight_g,
            print_hours: self.print_hours,
            price_cents: self.price_cents,
            created_at: self.created_at,
        })
    }
}

/// Each period's figures.
fn period_rows(
    periods: &[Period],
    submitted: &[Submitted],
    steps: &[Step],
    payments: &[Payment],
) -> Vec<LabPeriod> {
    let within = |period: &Period, at: i64| period.start_ms <= at && at < period.end_ms;
    periods
        .iter()
        .map(|period| {
            let mut submitted_now = vec![0u64; PrintJobStatus::ALL.len()];
            for job in submitted.iter().filter(|job| within(period, job.at)) {
                let index = PrintJobStatus::ALL.iter().position(|status| *status == job.status);
                submitted_now[index.expect("every status is in ALL")] += 1;
            }
            let here = |to: PrintJobStatus| {
                steps.iter().filter(move |step| step.to == to && within(period, step.at))
            };
            let picked_up: Vec<&Step> = here(PrintJobStatus::PaidPickedUp).collect();
            LabPeriod {
                label: period.label.clone(),
                starts: period.starts.to_string(),
                submitted: submitted_now,
                printed: here(PrintJobStatus::Completed).count() as u64,
                printed_g: here(PrintJobStatus::Completed).filter_map(|step| step.weight_g).sum(),
                printed_h: here(PrintJobStatus::Completed).filter_map(|step| step.print_hours).sum(),
                picked_up: picked_up.len() as u64,
                median_to_pickup_h: median(
                    picked_up.iter().map(|step| (step.at - step.created_at) as f64 / 3_600_000.0).collect(),
                ),
                shop_cents: payments
                    .iter()
                    .filter(|paid| within(period, paid.at))
                    .map(|paid| paid.total_cents)
                    .sum(),
                lab_cents: picked_up
                    .iter()
                    .filter(|step| step.source == "student")
                    .filter_map(|step| step.price_cents)
                    .sum(),
            }
        })
        .collect()
}

/// Printed jobs by method and colour, most grams first.
fn materials<'a>(printed: impl Iterator<Item = &'a Step>) -> Vec<MaterialRow> {
    let mut rows: Vec<MaterialRow> = Vec::new();
    for step in printed {
        let color = if step.color.trim().is_empty() { "any" } else { step.color.trim() };
        let index = match rows.iter().position(|row| row.method == step.method && row.color == color) {
            Some(index) => index,
            None => {
                rows.push(MaterialRow {
                    method: step.method.clone(),
                    color: color.to_string(),
                    jobs: 0,
                    grams: 0.0,
                    hours: 0.0,
                });
                rows.len() - 1
            }
        };
        let row = &mut rows[index];
        row.jobs += 1;
        row.grams += step.weight_g.unwrap_or(0.0);
        row.hours += step.print_hours.unwrap_or(0.0);
    }
    rows.sort_by(|a, b| {
        b.grams.total_cmp(&a.grams).then_with(|| (&a.method, &a.color).cmp(&(&b.method, &b.color)))
    });
    rows
}

/// How often each reason was ticked, in the form's order; a rejection with
/// a note and no reason counts as `note`. The log keeps each reason's
/// wording, which is how it is found again.
fn rejections<'a>(rejected: impl Iterator<Item = &'a Step>) -> Vec<RejectionRow> {
    let mut counts = [0u64; REJECTION_REASONS.len()];
    let mut notes_only = 0;
    for step in rejected {
        let mut any = false;
        for (count, (_, label)) in counts.iter_mut().zip(REJECTION_REASONS) {
            if step.details.contains(label) {
                *count += 1;
                any = true;
            }
        }
        if !any {
            notes_only += 1;
        }
    }
    REJECTION_REASONS
        .iter()
        .zip(counts)
        .map(|((key, label), jobs)| RejectionRow { reason: key.to_string(), label: label.to_string(), jobs })
        .chain(std::iter::once(RejectionRow {
            reason: "note".into(),
            label: "A note only".into(),
            jobs: notes_only,
        }))
        .collect()
}
