//! Sending a ready job to a printer with a server (OctoPrint or Moonraker): which printers it fits (and
//! why not the others), then its G-code uploaded and started, then the job
//! moved to Printing with the printer in its log. From there the poller's
//! readings move it on (`printers::tracking`).

use app::lab::PrintMethod;
use app::print_job::{PrintJobAction, PrintJobStatus};
use app::staff::PrinterChoice;

use crate::lab::LabContext;
use crate::lab::actions::ActionError;
use crate::lab::folders;
use crate::platform::time::now_ms;
use crate::printers::reading::PrinterState;
use crate::printers::server::PrinterServer;
use crate::printers::store::{self, Connection, Printer};

/// What decides where a job can print.
#[derive(Clone, Debug, PartialEq)]
pub struct JobNeeds {
    pub method: PrintMethod,
    /// The colour asked for; empty: any (a shop keepsake).
    pub colour: String,
    /// Width, depth and height of the model as sent; `None` when not known.
    pub size_mm: Option<[f64; 3]>,
}

/// Why `printer` can never take a job needing `needs` as it is set up
/// (method, loaded material and colour, build volume); `None`: it fits.
pub fn mismatch(printer: &Printer, needs: &JobNeeds) -> Option<String> {
    let spec = &printer.spec;
    if spec.method != needs.method {
        return Some(format!("prints {}; this job is {}", spec.method.as_str(), needs.method.as_str()));
    }
    let material = crate::lab::submissions::material(needs.method).name();
    if !spec.material.eq_ignore_ascii_case(material) {
        return Some(format!("has {} loaded; this job is {}", spec.material, material.to_ascii_uppercase()));
    }
    if !needs.colour.is_empty() && !spec.colour.eq_ignore_ascii_case(needs.colour.trim()) {
        return Some(format!("has {} loaded; this job is {}", spec.colour, needs.colour));
    }
    if let Some([x, y, z]) = needs.size_mm {
        let [bx, by, bz] = spec.build_mm;
        // Turned a quarter on the bed if that makes it fit; never laid on its side.
        let flat = (x <= bx && y <= by) || (y <= bx && x <= by);
        if !flat || z > bz {
            return Some(format!(
                "builds up to {bx:.0} × {by:.0} × {bz:.0} mm; the model is {x:.0} × {y:.0} × {z:.0} mm"
            ));
        }
    }
    None
}

/// Why `printer` cannot take a job needing `needs` now (`None`: it can).
/// `busy_with`: the job already on it, if any.
pub fn why_not(printer: &Printer, needs: &JobNeeds, busy_with: Option<&str>) -> Option<String> {
    if let Some(why) = mismatch(printer, needs) {
        return Some(why);
    }
    if let Some(note) = &printer.maintenance {
        return Some(if note.is_empty() {
            "is in maintenance".into()
        } else {
            format!("is in maintenance ({note})")
        });
    }
    let spec = &printer.spec;
    if spec.connection == Connection::Manual {
        return Some("is run by hand: use Start printing".into());
    }
    if let Some(job) = busy_with {
        return Some(format!("is busy with job {job}"));
    }
    match &printer.reading {
        None => Some("has not been read yet".into()),
        Some(reading) => match reading.state {
            // Klipper after a print that stopped on an error takes a new file.
            PrinterState::Idle | PrinterState::Stopped => None,
            PrinterState::Printing | PrinterState::Paused => {
                Some(format!("is busy printing {}", reading.file.as_deref().unwrap_or("another file")))
            }
            PrinterState::Offline => Some(format!("is offline ({})", reading.message)),
            PrinterState::Error => Some(format!("reports an error ({})", reading.message)),
        },
    }
}

/// What a job needs of a printer.
pub fn needs_of_job(job: &crate::lab::printing::JobForPrinter) -> JobNeeds {
    let size_mm = match (job.size_x_mm, job.size_y_mm, job.size_z_mm) {
        (Some(x), Some(y), Some(z)) => Some([x, y, z]),
        _ => None,
    };
    JobNeeds {
        method: PrintMethod::parse(&job.method).unwrap_or(PrintMethod::Filament),
        colour: job.color.clone(),
        size_mm,
    }
}

/// The job's needs and where it stands; `None` for an unknown job.
async fn needs_of(cx: &LabContext, job_id: &str) -> sqlx::Result<Option<(PrintJobStatus, JobNeeds)>> {
    let Some(job) = crate::lab::printing::job_for_printer(&cx.db, job_id).await? else {
        return Ok(None);
    };
    let status = PrintJobStatus::parse(&job.status)
        .ok_or_else(|| sqlx::Error::Decode("unknown print job status".into()))?;
    Ok(Some((status, needs_of_job(&job))))
}

/// The job each printer is busy with (a job Printing on it), by printer id.
async fn busy(cx: &LabContext) -> sqlx::Result<Vec<(String, String)>> {
    let printing = crate::lab::printing::printing_jobs(&cx.db).await?;
    Ok(printing.into_iter().map(|job| (job.printer_id, job.id)).collect())
}

/// Every printer with a server, with why it cannot take the job
/// now (empty when it can), fitting ones first.
pub async fn choices(cx: &LabContext, job_id: &str) -> sqlx::Result<Vec<PrinterChoice>> {
    let Some((_, needs)) = needs_of(cx, job_id).await? else { return Ok(vec![]) };
    let busy = busy(cx).await?;
    let mut choices: Vec<PrinterChoice> = store::list(&cx.db)
        .await?
        .iter()
        .filter(|printer| printer.spec.connection != Connection::Manual)
        .map(|printer| {
            let busy_with = busy.iter().find(|(on, _)| *on == printer.id).map(|(_, job)| job.as_str());
            PrinterChoice {
                id: printer.id.clone(),
                name: printer.spec.name.clone(),
                why_not: why_not(printer, &needs, busy_with).unwrap_or_default(),
            }
        })
        .collect();
    choices.sort_by_key(|choice| !choice.why_not.is_empty());
    Ok(choices)
}

/// How long a send may take before another may try (the upload's own limit is 120 s).
const SENDING_MS: i64 = 150_000;

/// Uploads the job's G-code to `printer_id`, starts it, and moves the job
/// to Printing. Refused, with the reason, when the printer does not fit or
/// is not free, the job has no G-code, or its server will not take it; then
/// nothing changes.
pub async fn send(
    cx: &LabContext,
    staff: &crate::staff::StaffSession,
    job_id: &str,
    printer_id: &str,
) -> Result<(), ActionError> {
    let (status, needs) = needs_of(cx, job_id).await?.ok_or(ActionError::NotFound)?;
    if status != PrintJobStatus::ReadyToPrint {
        return Err(ActionError::NotNow { from: status.label(), action: "sent to a printer" });
    }
    let printer = store::list(&cx.db)
        .await?
        .into_iter()
        .find(|printer| printer.id == printer_id)
        .ok_or_else(|| invalid("There is no such printer."))?;
    let busy = busy(cx).await?;
    let busy_with = busy.iter().find(|(on, _)| *on == printer.id).map(|(_, job)| job.as_str());
    if let Some(why) = why_not(&printer, &needs, busy_with) {
        return Err(invalid(format!("{} {why}.", printer.spec.name)));
    }
    let server = PrinterServer::of(&printer.spec.connection, &cx.config.printer_keys_dir)
        .map_err(|why| invalid(format!("{}: no API key ({why}).", printer.spec.name)))?
        .ok_or_else(|| invalid("That printer is run by hand."))?;
    let gcode = gcode_of(cx, job_id).await?;

    // One send of a job at a time: two staff pressing Send at once upload once.
    let now = now_ms();
    if !crate::lab::printing::claim_send(&cx.db, job_id, now, now + SENDING_MS).await? {
        return Err(ActionError::NotNow { from: "being sent already", action: "sent again" });
    }
    let sent = server.print(&crate::lab::printing::printer_file_name(job_id), &gcode).await;
    if let Err(error) = sent {
        release(cx, job_id).await;
        return Err(invalid(format!("{} did not take the job: {error}", printer.spec.name)));
    }
    let action = PrintJobAction::SendToPrinter {
        printer_id: printer.id.clone(),
        printer_name: printer.spec.name.clone(),
    };
    let moved = crate::lab::actions::act(cx, staff, job_id, &action).await;
    if let Err(error) = &moved {
        // The printer has started it; staff must know the queue does not say so.
        tracing::error!(%error, job_id, printer = printer.spec.name, "a job started on its printer could not be marked Printing");
        release(cx, job_id).await;
    }
    moved.map(drop)
}

/// Lets the job be sent again.
async fn release(cx: &LabContext, job_id: &str) {
    if let Err(error) = crate::lab::printing::release_send(&cx.db, job_id).await {
        // The claim lapses by itself after SENDING_MS.
        tracing::warn!(%error, job_id, "cannot release a job's send");
    }
}

/// The job's G-code: a student job's sliced file, or a shop order's slice.
async fn gcode_of(cx: &LabContext, job_id: &str) -> Result<bytes::Bytes, ActionError> {
    let file = crate::lab::printing::file_to_print(&cx.db, job_id).await?.ok_or(ActionError::NotFound)?;
    let keys = match (file.order_id, file.folder) {
        (Some(order), _) => {
            let key = crate::shop::orders::file_key(&cx.db, &order, "print.gcode")
                .await
                .map_err(|_| invalid("This order has no G-code to print."))?;
            vec![key]
        }
        (None, Some(folder)) => {
            if file.sliced_ext.as_deref() != Some("gcode") {
                return Err(invalid(
                    "A printer server prints G-code: slice the job here or upload its G-code first.",
                ));
            }
            let name = folders::sliced_file(&folder, "gcode");
            // Where the folder is, or — mid-move — where it is going.
            [file.filed_status, Some(file.status)]
                .into_iter()
                .flatten()
                .map(|status| folders::key(&status, &folder, &name))
                .collect()
        }
        (None, None) => return Err(invalid("This job has no file to print.")),
    };
    for key in &keys {
        if let Ok(bytes) = cx.storage.get(key).await {
            return Ok(bytes);
        }
    }
    Err(invalid("The job's G-code is missing from storage."))
}

fn invalid(message: impl Into<String>) -> ActionError {
    ActionError::Invalid { field: "printer_id", message: message.into() }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::printers::reading::Reading;
    use crate::printers::store::{KeySource, NewPrinter};

    fn printer(method: PrintMethod, material: &str, colour: &str, state: PrinterState) -> Printer {
        Printer {
            id: "p1".into(),
            spec: NewPrinter {
                name: "MK4".into(),
                method,
                build_mm: [250.0, 210.0, 220.0],
                material: material.into(),
                colour: colour.into(),
                connection: Connection::OctoPrint {
                    url: "http://mk4".into(),
                    key: KeySource::Env("K".into()),
                },
            },
            reading: Some(Reading {
                state,
                completion_pct: None,
                time_left_s: None,
                file: None,
                message: "Operational".into(),
            }),
            read_at: Some(1),
            maintenance: None,
            snapshot_url: None,
        }
    }

    fn needs(colour: &str, size_mm: Option<[f64; 3]>) -> JobNeeds {
        JobNeeds { method: PrintMethod::Filament, colour: colour.into(), size_mm }
    }

    #[test]
    fn only_a_free_printer_with_the_right_method_material_colour_and_room_fits() {
        let mk4 = printer(PrintMethod::Filament, "PLA", "Red", PrinterState::Idle);
        assert_eq!(why_not(&mk4, &needs("red", Some([200.0, 240.0, 100.0])), None), None, "turned a quarter");
        assert_eq!(why_not(&mk4, &needs("", None), None), None, "a shop keepsake takes any colour");
        let cases = [
            (
                printer(PrintMethod::Resin, "Resin", "Grey", PrinterState::Idle),
                needs("Red", None),
                "prints resin; this job is filament",
            ),
            (
                printer(PrintMethod::Filament, "PETG", "Red", PrinterState::Idle),
                needs("Red", None),
                "has PETG loaded; this job is PLA",
            ),
            (mk4.clone(), needs("Black", None), "has Red loaded; this job is Black"),
            (
                mk4.clone(),
                needs("Red", Some([260.0, 260.0, 10.0])),
                "builds up to 250 × 210 × 220 mm; the model is 260 × 260 × 10 mm",
            ),
            (
                mk4.clone(),
                needs("Red", Some([10.0, 10.0, 221.0])),
                "builds up to 250 × 210 × 220 mm; the model is 10 × 10 × 221 mm",
            ),
            (
                printer(PrintMethod::Filament, "PLA", "Red", PrinterState::Printing),
                needs("Red", None),
                "is busy printing another file",
            ),
            (
                printer(PrintMethod::Filament, "PLA", "Red", PrinterState::Offline),
                needs("Red", None),
                "is offline (Operational)",
            ),
        ];
        for (printer, needs, why) in cases {
            assert_eq!(why_not(&printer, &needs, None).as_deref(), Some(why));
        }
        assert_eq!(why_not(&mk4, &needs("Red", None), Some("abc")).as_deref(), Some("is busy with job abc"));
        let after_an_error = printer(PrintMethod::Filament, "PLA", "Red", PrinterState::Stopped);
        assert_eq!(why_not(&after_an_error, &needs("Red", None), None), None, "Klipper takes a new file");
        let mut manual = mk4.clone();
        manual.spec.connection = Connection::Manual;
        assert_eq!(
            why_not(&manual, &needs("Red", None), None).as_deref(),
            Some("is run by hand: use Start printing")
        );
        let mut resting = mk4.clone();
        resting.maintenance = Some("new nozzle".into());
        assert_eq!(
            why_not(&resting, &needs("Red", None), None).as_deref(),
            Some("is in maintenance (new nozzle)")
        );
        resting.maintenance = Some(String::new());
        assert_eq!(why_not(&resting, &needs("Red", None), None).as_deref(), Some("is in maintenance"));
    }
}
