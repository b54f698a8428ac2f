//! When each job waiting in the print queue should start and be ready:
//! in queue order (first come, unless staff moved one up), each on the
//! printer that fits it and is free soonest, one print after another with a
//! changeover between them (staff clear the plate, check the material).

use std::collections::HashMap;

use crate::lab::LabContext;

/// A printer and when it will be free (now, if idle; when its print ends).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PrinterLoad {
    pub id: String,
    pub free_at_ms: i64,
}

/// A job waiting to print, with the slicer's print time and the printers it fits on.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WaitingJob {
    pub id: String,
    pub print_time_s: i64,
    pub fits_on: Vec<String>,
}

/// A waiting job's place in the plan.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Eta {
    pub job_id: String,
    /// The printer it should go to; `None`: no printer fits it.
    pub printer_id: Option<String>,
    pub start_ms: Option<i64>,
    pub ready_ms: Option<i64>,
}

/// Time between two prints on one printer, for the staff to take one off and start the next.
pub const CHANGEOVER_S: i64 = 10 * 60;

/// The plan for `queue`, in its order, on `printers` as they are at `now_ms`.
pub fn plan(now_ms: i64, printers: &[PrinterLoad], queue: &[WaitingJob]) -> Vec<Eta> {
    let mut free: HashMap<&str, i64> =
        printers.iter().map(|printer| (printer.id.as_str(), printer.free_at_ms.max(now_ms))).collect();
    queue
        .iter()
        .map(|job| {
            // The fitting printer free soonest; on a tie the first by id, so the plan is the same each time.
            let chosen = job
                .fits_on
                .iter()
                .filter_map(|id| free.get_key_value(id.as_str()).map(|(id, at)| (*at, *id)))
                .min();
            let Some((start_ms, printer)) = chosen else {
                return Eta { job_id: job.id.clone(), printer_id: None, start_ms: None, ready_ms: None };
            };
            let ready_ms = start_ms + job.print_time_s.max(0) * 1000;
            free.insert(printer, ready_ms + CHANGEOVER_S * 1000);
            Eta {
                job_id: job.id.clone(),
                printer_id: Some(printer.to_string()),
                start_ms: Some(start_ms),
                ready_ms: Some(ready_ms),
            }
        })
        .collect()
}

/// The queue as it stands: each waiting job's place and times, and when
/// each printer will be free and the material its planned jobs need.
#[derive(Clone, Debug, Default)]
pub struct QueuePlan {
    /// Waiting jobs in queue order, each with its plan.
    pub jobs: Vec<Eta>,
    /// Per printer id: when it is free after its planned jobs, and their grams.
    pub printers: HashMap<String, (i64, f64)>,
    /// The printers as they were read for the plan (pages show them from here
    /// rather than reading them again).
    pub listed: Vec<crate::printers::store::Printer>,
}

impl QueuePlan {
    /// A planned printer's name.
    pub fn printer_name(&self, id: &str) -> Option<&str> {
        self.listed.iter().find(|printer| printer.id == id).map(|printer| printer.spec.name.as_str())
    }

    /// The job's place (1-based) in the queue and its plan.
    pub fn of(&self, job_id: &str) -> Option<(usize, &Eta)> {
        self.jobs.iter().enumerate().find(|(_, eta)| eta.job_id == job_id).map(|(i, eta)| (i + 1, eta))
    }
}

/// A waiting job without a print time is planned as an hour.
const UNKNOWN_PRINT_S: i64 = 3600;

/// Plans the ReadyToPrint jobs, in queue order, on every printer: free now,
/// or when the job printing on it should end (the printer's own estimate,
/// else the job's print time from when it was sent).
pub async fn queue_plan(cx: &LabContext) -> sqlx::Result<QueuePlan> {
    let now = crate::platform::time::now_ms();
    let printers = crate::printers::store::list(&cx.db).await?;
    let printing = crate::lab::printing::printing_jobs(&cx.db).await?;
    let mut loads = Vec::new();
    for printer in &printers {
        let mut free_at_ms = now;
        for job in printing.iter().filter(|job| job.printer_id == printer.id) {
            let left_s = match job.time_left_s {
                Some(left) => left,
                None => {
                    let hours = job.print_hours.unwrap_or(1.0);
                    let sent = job.sent_at.unwrap_or(now);
                    ((hours * 3600.0) as i64 - (now - sent) / 1000).max(0)
                }
            };
            free_at_ms = free_at_ms.max(now + left_s * 1000 + CHANGEOVER_S * 1000);
        }
        loads.push(PrinterLoad { id: printer.id.clone(), free_at_ms });
    }
    let waiting = crate::lab::printing::waiting_to_print(&cx.db).await?;
    let mut queue = Vec::new();
    let mut grams = HashMap::new();
    for job in waiting {
        let needs = crate::printers::sending::needs_of_job(&job);
        grams.insert(job.id.clone(), job.weight_g.unwrap_or(0.0));
        queue.push(WaitingJob {
            id: job.id,
            // A job's hours are all its copies'; without them, each copy is guessed alike.
            print_time_s: job
                .print_hours
                .map_or(UNKNOWN_PRINT_S * job.quantity.max(1), |h| (h * 3600.0) as i64),
            fits_on: printers
                .iter()
                // A printer in maintenance is planned nothing.
                .filter(|printer| printer.maintenance.is_none())
                .filter(|printer| crate::printers::sending::mismatch(printer, &needs).is_none())
                .map(|printer| printer.id.clone())
                .collect(),
        });
    }
    let jobs = plan(now, &loads, &queue);
    let mut by_printer: HashMap<String, (i64, f64)> =
        loads.iter().map(|load| (load.id.clone(), (load.free_at_ms, 0.0))).collect();
    for eta in &jobs {
        if let (Some(printer), Some(ready)) = (&eta.printer_id, eta.ready_ms) {
            let entry = by_printer.entry(printer.clone()).or_default();
            entry.0 = ready + CHANGEOVER_S * 1000;
            entry.1 += grams.get(&eta.job_id).copied().unwrap_or(0.0);
        }
    }
    Ok(QueuePlan { jobs, printers: by_printer, listed: printers })
}

/// "starts around 14:20 on MK4, ready around 16:05" (in the lab's time zone), or why there is no time.
pub fn in_words(cx: &LabContext, eta: &Eta, printer_name: Option<&str>) -> String {
    let zone = cx.config.lab_zone();
    match (eta.start_ms, eta.ready_ms) {
        (Some(start), Some(ready)) => format!(
            "starts around {} on {}, ready around {}",
            crate::platform::time::lab_time(start, zone),
            printer_name.unwrap_or("a printer"),
            crate::platform::time::lab_time(ready, zone)
        ),
        _ => "no printer in the lab fits it".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: i64 = 1_000_000;
    const MIN: i64 = 60_000;

    fn printer(id: &str, free_in_min: i64) -> PrinterLoad {
        PrinterLoad { id: id.into(), free_at_ms: NOW + free_in_min * MIN }
    }

    fn job(id: &str, minutes: i64, fits_on: &[&str]) -> WaitingJob {
        WaitingJob {
            id: id.into(),
            print_time_s: minutes * 60,
            fits_on: fits_on.iter().map(|p| p.to_string()).collect(),
        }
    }

    /// (printer, start and ready in minutes from now) of each job.
    fn minutes(etas: &[Eta]) -> Vec<(Option<&str>, Option<i64>, Option<i64>)> {
        etas.iter()
            .map(|eta| {
                (
                    eta.printer_id.as_deref(),
                    eta.start_ms.map(|at| (at - NOW) / MIN),
                    eta.ready_ms.map(|at| (at - NOW) / MIN),
                )
            })
            .collect()
    }

    #[test]
    fn one_printer_takes_the_queue_in_order_with_a_changeover_between() {
        let etas = plan(NOW, &[printer("mk4", 0)], &[job("a", 60, &["mk4"]), job("b", 30, &["mk4"])]);
        assert_eq!(minutes(&etas), [(Some("mk4"), Some(0), Some(60)), (Some("mk4"), Some(70), Some(100))]);
    }

    #[test]
    fn each_job_goes_to_the_fitting_printer_free_soonest() {
        let printers = [printer("mk4", 45), printer("ender", 0), printer("form", 0)];
        let queue = [
            job("a", 120, &["mk4", "ender"]),
            job("b", 30, &["mk4", "ender"]),
            job("c", 20, &["form"]),
            job("d", 10, &["mk4", "ender"]),
        ];
        assert_eq!(
            minutes(&plan(NOW, &printers, &queue)),
            [
                (Some("ender"), Some(0), Some(120)),
                // The MK4 finishes its current print in 45 minutes: sooner than the Ender.
                (Some("mk4"), Some(45), Some(75)),
                (Some("form"), Some(0), Some(20)),
                (Some("mk4"), Some(85), Some(95)),
            ]
        );
    }

    #[test]
    fn a_job_waits_for_the_only_printer_it_fits_even_when_another_is_free() {
        let printers = [printer("resin", 90), printer("fdm", 0)];
        let etas = plan(NOW, &printers, &[job("a", 30, &["resin"])]);
        assert_eq!(minutes(&etas), [(Some("resin"), Some(90), Some(120))]);
    }

    #[test]
    fn a_job_no_printer_fits_has_no_time_and_holds_up_nothing() {
        let etas = plan(NOW, &[printer("mk4", 0)], &[job("huge", 600, &[]), job("b", 30, &["mk4"])]);
        assert_eq!(minutes(&etas), [(None, None, None), (Some("mk4"), Some(0), Some(30))]);
        // A printer named in `fits_on` that is not in the lab any more does not count.
        let gone = plan(NOW, &[], &[job("a", 30, &["sold"])]);
        assert_eq!(minutes(&gone), [(None, None, None)]);
    }

    #[test]
    fn a_printer_free_in_the_past_is_free_now_and_ties_go_by_name() {
        let printers = [printer("b", -30), printer("a", 0)];
        let etas = plan(NOW, &printers, &[job("x", 10, &["b", "a"])]);
        assert_eq!(minutes(&etas), [(Some("a"), Some(0), Some(10))]);
        assert!(plan(NOW, &printers, &[]).is_empty());
    }
}
