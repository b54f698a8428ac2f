//! The staff's printers page on the server: each printer as a card (what it
//! is doing, the job on it and how far), and the "add a printer" form read
//! into a printer.

use app::error::AppError;
use app::lab::PrintMethod;
use app::staff::{OnPrinter, PrinterCard, PrinterForm};

use crate::lab::LabContext;
use crate::printers::eta::QueuePlan;
use crate::printers::store::{Connection, KeySource, NewPrinter};

/// Every printer, by name, with the job printing on it.
pub async fn cards(
    cx: &LabContext,
    _staff: &crate::staff::StaffSession,
    plan: &QueuePlan,
) -> sqlx::Result<Vec<PrinterCard>> {
    let printing = crate::lab::printing::printing_jobs(&cx.db).await?;
    let zone = cx.config.lab_zone();
    let mut cards = Vec::new();
    for printer in &plan.listed {
        let job = printing.iter().find(|job| job.printer_id == printer.id);
        let (job, progress) = match job {
            Some(job) => (
                Some((job.id.clone(), job.name.clone())),
                Some(OnPrinter {
                    printer: printer.spec.name.clone(),
                    progress_pct: job.progress_pct,
                    time_left_s: job.time_left_s,
                }),
            ),
            None => (None, None),
        };
        let connection = printer.spec.connection.kind();
        let (url, key_from) =
            (printer.spec.connection.url().map(str::to_string), printer.spec.connection.key_from());
        let (state_name, message) = match &printer.reading {
            Some(reading) => (reading.state.name().to_string(), reading.message.clone()),
            None if connection == "manual" => {
                ("manual".to_string(), "Staff mark each step by hand.".to_string())
            }
            None => ("offline".to_string(), "Not read yet.".to_string()),
        };
        let done_around = progress
            .as_ref()
            .and_then(|on| on.time_left_s)
            .map(|left| crate::platform::time::lab_time(crate::platform::time::now_ms() + left * 1000, zone));
        cards.push(PrinterCard {
            id: printer.id.clone(),
            name: printer.spec.name.clone(),
            method: printer.spec.method,
            build_mm: printer.spec.build_mm,
            material: printer.spec.material.clone(),
            colour: printer.spec.colour.clone(),
            connection: connection.to_string(),
            url,
            key_from,
            state: state_name,
            message,
            job,
            progress,
            read_at: printer.read_at.map(|at| crate::platform::time::lab_time(at, zone)),
            // Free now says nothing; free later says when.
            free_at: plan
                .printers
                .get(&printer.id)
                .filter(|(at, _)| *at > crate::platform::time::now_ms() + 60_000)
                .map(|(at, _)| crate::platform::time::lab_time(*at, zone)),
            material_needed_g: plan.printers.get(&printer.id).map_or(0.0, |(_, grams)| *grams),
            maintenance: printer.maintenance.clone(),
            log: crate::printers::maintenance::log(&cx.db, &printer.id, zone).await?,
            snapshot_url: printer.snapshot_url.clone(),
            done_around,
        });
    }
    Ok(cards)
}

/// The form as a printer, or the first field that is wrong (the rest is
/// checked by `NewPrinter::checked` when it is added or changed).
pub fn from_form(form: &PrinterForm) -> Result<NewPrinter, AppError> {
    let invalid =
        |field: &str, message: &str| AppError::Invalid { field: field.into(), message: message.into() };
    let method =
        PrintMethod::parse(&form.method).ok_or_else(|| invalid("method", "Choose filament or resin."))?;
    let side = |field: &str, text: &str| app::staff::number(field, text);
    let build_mm = [
        side("build_x_mm", &form.build_x_mm)?,
        side("build_y_mm", &form.build_y_mm)?,
        side("build_z_mm", &form.build_z_mm)?,
    ];
    let key = || {
        KeySource::parse(&form.api_key_from)
            .ok_or_else(|| invalid("api_key_from", crate::printers::store::KEY_SOURCE_HELP))
    };
    let connection = match form.connection.as_str() {
        "manual" => Connection::Manual,
        "octoprint" => Connection::OctoPrint { url: form.server_url.clone(), key: key()? },
        // A Moonraker that trusts the lab's network needs no key.
        "moonraker" => Connection::Moonraker {
            url: form.server_url.clone(),
            key: if form.api_key_from.trim().is_empty() { None } else { Some(key()?) },
        },
        _ => return Err(invalid("connection", "Choose OctoPrint, Moonraker or by hand.")),
    };
    Ok(NewPrinter {
        name: form.name.clone(),
        method,
        build_mm,
        material: form.material.clone(),
        colour: form.colour.clone(),
        connection,
    })
}
