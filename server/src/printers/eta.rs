//! When each job waiting in the print queue should start and be ready:
//! in queue order (first come, unless staff moved one up), each on the
//! printer that fits it and is free soonest, one print after another with a
//! changeover between them (staff clear the plate, check the material).

use std::collections::HashMap;

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
