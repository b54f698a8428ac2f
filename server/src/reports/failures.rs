//! Failed prints on the lab overview: how often each cause was given, and
//! each printer's failure rate. A print counts in the period it became
//! Completed or Print failed; its cause is the last one staff gave it
//! (the log's "Cause: …" line, found again by its words).

use std::collections::BTreeMap;

use app::lab::FAILURE_CAUSES;
use app::report::{FailureRow, PrinterFailureRow};

use crate::platform::db::Db;

/// What a printer's name is shown as when a print had none (run by hand,
/// no printer typed).
const NO_PRINTER: &str = "No printer named";

#[derive(sqlx::FromRow)]
struct Ended {
    job_id: String,
    to_status: String,
    printer_name: Option<String>,
}

#[derive(sqlx::FromRow)]
struct Cause {
    job_id: String,
    details: String,
}

/// The causes of the prints that failed between `start` and `end`, in the
/// form's order (then "not given"), and each printer's prints and failures.
pub async fn failures(
    db: &Db,
    start: i64,
    end: i64,
) -> sqlx::Result<(Vec<FailureRow>, Vec<PrinterFailureRow>)> {
    let ended: Vec<Ended> = sqlx::query_as(
        // A step into Completed or PrintFailed; not a line added to a job
        // already there (a cause, a review).
        "SELECT e.job_id, e.to_status, p.printer_name FROM print_job_events e JOIN print_jobs p ON p.id = e.job_id \
         WHERE e.to_status IN ('Completed', 'PrintFailed') AND (e.from_status IS NULL OR e.from_status <> e.to_status) \
         AND e.at >= $1 AND e.at < $2",
    )
    .bind(start)
    .bind(end)
    .fetch_all(db.pool())
    .await?;
    let causes: Vec<Cause> = sqlx::query_as(
        "SELECT job_id, details FROM print_job_events WHERE kind = 'failure_cause' ORDER BY at, id",
    )
    .fetch_all(db.pool())
    .await?;
    // The last cause given for each job.
    let last: BTreeMap<&str, &str> =
        causes.iter().map(|cause| (cause.job_id.as_str(), cause.details.as_str())).collect();
    let mut counts = [0u64; FAILURE_CAUSES.len()];
    let mut not_given = 0;
    let mut printers: BTreeMap<String, (u64, u64)> = BTreeMap::new();
    for end in &ended {
        let printer = end.printer_name.clone().unwrap_or_else(|| NO_PRINTER.into());
        let (printed, failed) = printers.entry(printer).or_default();
        *printed += 1;
        if end.to_status != "PrintFailed" {
            continue;
        }
        *failed += 1;
        let said = last.get(end.job_id.as_str()).copied().unwrap_or_default();
        match FAILURE_CAUSES.iter().position(|(_, label)| said.starts_with(&format!("Cause: {label}."))) {
            Some(at) => counts[at] += 1,
            None => not_given += 1,
        }
    }
    let causes = FAILURE_CAUSES
        .iter()
        .zip(counts)
        .map(|((key, label), jobs)| FailureRow { cause: key.to_string(), label: label.to_string(), jobs })
        .chain(std::iter::once(FailureRow {
            cause: "none".into(),
            label: "Not given yet".into(),
            jobs: not_given,
        }))
        .collect();
    let printers = printers
        .into_iter()
        .map(|(printer, (prints, failed))| PrinterFailureRow {
            printer,
            prints,
            failed,
            failed_pct: if prints == 0 { 0.0 } else { failed as f64 * 100.0 / prints as f64 },
        })
        .collect();
    Ok((causes, printers))
}
