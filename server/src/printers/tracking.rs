//! Following a job on its printer from what the poller reads: its progress
//! and time left while it prints, Completed when the printer reports its
//! file done, Print failed when the printer cancelled it or stopped with an
//! error. An unreachable printer changes nothing: the job stays Printing
//! and is followed again when the printer answers. When a print ends, done
//! or failed, the printer's camera (if it has one) takes its picture first,
//! so the step's email can carry it.

use app::print_job::PrintJobAction;

use crate::lab::LabContext;
use crate::lab::actions::ActionError;
use crate::platform::time::now_ms;
use crate::printers::reading::{PrinterState, Reading};
use crate::printers::store::Printer;

/// A printer may show its new file idle for a moment before it starts it:
/// an idle reading this soon after the send is not yet a failure.
const START_GRACE_MS: i64 = 20_000;

/// What a reading means for the job on the printer.
#[derive(Clone, Debug, PartialEq)]
pub enum Outcome {
    /// Nothing to record (unreachable, or not started yet).
    Wait,
    Progress {
        pct: Option<f64>,
        time_left_s: Option<i64>,
    },
    Done,
    Failed(String),
}

/// The job sent as `file` `since_ms` ago (last seen at `last_pct`), read as `reading`.
pub fn outcome(reading: &Reading, file: &str, since_ms: i64, last_pct: Option<f64>) -> Outcome {
    let ours = reading.file.as_deref() == Some(file);
    let stopped_at = match last_pct.or(reading.completion_pct) {
        Some(pct) => format!(" at {pct:.0} %"),
        None => String::new(),
    };
    match reading.state {
        PrinterState::Offline => Outcome::Wait,
        PrinterState::Error => {
            Outcome::Failed(format!("the printer stopped with an error{stopped_at}: {}", reading.message))
        }
        // Klipper: the print stopped on an error in its file; the printer is free.
        PrinterState::Stopped if ours => {
            Outcome::Failed(format!("the print stopped with an error{stopped_at}: {}", reading.message))
        }
        PrinterState::Printing | PrinterState::Paused if ours => {
            Outcome::Progress { pct: reading.completion_pct, time_left_s: reading.time_left_s }
        }
        // The file is named after the job: done is done, however soon.
        PrinterState::Idle if ours && reading.completion_pct.is_some_and(|pct| pct >= 100.0) => Outcome::Done,
        _ if since_ms < START_GRACE_MS => Outcome::Wait,
        PrinterState::Printing | PrinterState::Paused => Outcome::Failed(format!(
            "the printer went on to print {}",
            reading.file.as_deref().unwrap_or("another file")
        )),
        PrinterState::Idle if ours => Outcome::Failed(format!("cancelled on the printer{stopped_at}")),
        PrinterState::Idle | PrinterState::Stopped => Outcome::Failed(format!(
            "the printer is idle with {} selected",
            reading.file.as_deref().unwrap_or("no file")
        )),
    }
}

/// Applies `reading` of `printer` to the job printing on it, if any.
/// Called by the instance holding the printer's poll lease.
pub async fn follow(cx: &LabContext, printer: &Printer, reading: &Reading) -> sqlx::Result<()> {
    let printer_id = printer.id.as_str();
    let jobs = crate::lab::printing::printing_on(&cx.db, printer_id).await?;
    let now = now_ms();
    for job in jobs {
        let id = job.id;
        let file = job.printer_file.unwrap_or_default();
        let sent_at = job.sent_at.unwrap_or(0);
        let (last_pct, last_left) = (job.progress_pct, job.time_left_s);
        let action = match outcome(reading, &file, now - sent_at, last_pct) {
            Outcome::Wait => continue,
            Outcome::Progress { pct, time_left_s } => {
                // A printer busy cancelling or starting says no figure: keep the last.
                let pct = pct.or(last_pct);
                if (pct, time_left_s) != (last_pct, last_left) {
                    // The printer's row changes too, so every dashboard re-reads.
                    let mut tx = cx.db.begin_write().await?;
                    crate::lab::printing::record_progress(&mut tx, &id, pct, time_left_s).await?;
                    sqlx::query("UPDATE printers SET changed_at = $1 WHERE id = $2")
                        .bind(now)
                        .bind(printer_id)
                        .execute(&mut *tx)
                        .await?;
                    tx.commit().await?;
                }
                continue;
            }
            Outcome::Done => PrintJobAction::Complete,
            Outcome::Failed(reason) => PrintJobAction::Fail { reason },
        };
        if let Some(camera) = &printer.snapshot_url {
            crate::printers::camera::take(cx, &id, camera).await;
        }
        match crate::lab::actions::act_as(cx, &id, &action, "printer").await {
            // Another instance (or staff) took the step first.
            Ok(_) | Err(ActionError::NotNow { .. }) => {}
            Err(ActionError::Database(error)) => return Err(error),
            Err(error) => tracing::warn!(%error, job = id, "a printer's report could not move its job"),
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reading(state: PrinterState, file: Option<&str>, pct: Option<f64>) -> Reading {
        Reading {
            state,
            completion_pct: pct,
            time_left_s: Some(30),
            file: file.map(str::to_string),
            message: "Operational".into(),
        }
    }

    const FILE: &str = "memoreez-abc.gcode";

    #[test]
    fn a_printers_reading_moves_its_job() {
        use PrinterState::*;
        let late = START_GRACE_MS + 1;
        let cases = [
            (
                reading(Printing, Some(FILE), Some(40.0)),
                late,
                Outcome::Progress { pct: Some(40.0), time_left_s: Some(30) },
            ),
            (
                reading(Paused, Some(FILE), Some(40.0)),
                late,
                Outcome::Progress { pct: Some(40.0), time_left_s: Some(30) },
            ),
            (reading(Idle, Some(FILE), Some(100.0)), late, Outcome::Done),
            // Done before the first reading after the send: done all the same.
            (reading(Idle, Some(FILE), Some(100.0)), 10, Outcome::Done),
            (
                reading(Idle, Some(FILE), None),
                late,
                Outcome::Failed("cancelled on the printer at 35 %".into()),
            ),
            (reading(Idle, Some(FILE), Some(0.0)), 10, Outcome::Wait),
            (reading(Idle, Some("old.gcode"), Some(100.0)), 10, Outcome::Wait),
            (
                reading(Idle, Some("old.gcode"), Some(100.0)),
                late,
                Outcome::Failed("the printer is idle with old.gcode selected".into()),
            ),
            (
                reading(Printing, Some("other.gcode"), Some(5.0)),
                late,
                Outcome::Failed("the printer went on to print other.gcode".into()),
            ),
            (reading(Offline, None, None), late, Outcome::Wait),
        ];
        for (reading, since, expected) in cases {
            assert_eq!(outcome(&reading, FILE, since, Some(35.0)), expected, "{reading:?} after {since} ms");
        }
        let mut error = reading(Error, Some(FILE), Some(12.0));
        error.message = "Thermal Runaway".into();
        assert_eq!(
            outcome(&error, FILE, 10, None),
            Outcome::Failed("the printer stopped with an error at 12 %: Thermal Runaway".into())
        );
        let mut stopped = reading(Stopped, Some(FILE), Some(40.0));
        stopped.message = "Error on 'G1 X900': Move out of range".into();
        assert_eq!(
            outcome(&stopped, FILE, 10, None),
            Outcome::Failed(
                "the print stopped with an error at 40 %: Error on 'G1 X900': Move out of range".into()
            )
        );
        // A failure of an earlier file is not this job's.
        stopped.file = Some("old.gcode".into());
        assert_eq!(outcome(&stopped, FILE, 10, None), Outcome::Wait);
    }
}
