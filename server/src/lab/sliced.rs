//! The file staff will print: uploaded from their own slicer (G-code or a
//! sliced 3MF) or sliced here with PrusaSlicer from the student's model.
//! Kept in the job's folder; from G-code the weight and print time are read
//! and become the job's, so the price staff approve comes from the print.

use app::error::AppError;
use std::sync::atomic::AtomicBool;

use app::lab::PrintMethod;
use app::print_job::PrintJobStatus;
use slicing::gcode::{grams, summarise};

use crate::lab::LabContext;
use crate::lab::folders::{self, key, model_file, sliced_file};
use crate::platform::model_file::ModelFile;
use crate::platform::time::now_ms;

#[derive(thiserror::Error, Debug)]
pub enum SlicedError {
    #[error("not found")]
    NotFound,
    /// The file or the step cannot be used; the reason is for staff.
    #[error("{0}")]
    Refused(String),
    #[error("storage: {0}")]
    Storage(#[from] crate::platform::storage::StorageError),
    #[error(transparent)]
    Database(#[from] sqlx::Error),
    #[error("slicing stopped: {0}")]
    Crashed(String),
}

impl From<SlicedError> for AppError {
    fn from(error: SlicedError) -> Self {
        match error {
            SlicedError::NotFound => AppError::NotFound,
            SlicedError::Refused(message) => AppError::Invalid { field: "sliced".into(), message },
            SlicedError::Crashed(reason) => {
                AppError::Invalid { field: "sliced".into(), message: format!("Slicing failed: {reason}") }
            }
            SlicedError::Database(error) => crate::platform::app_error::database(error),
            other => crate::platform::app_error::internal(other),
        }
    }
}

/// What the sliced file says: grams (all of it) and hours, when it says them.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Figures {
    pub weight_g: Option<f64>,
    pub print_hours: Option<f64>,
}

/// A student job's folder and what the file steps need of it.
struct Job {
    status: PrintJobStatus,
    filed: String,
    folder: String,
    file_name: String,
    method: PrintMethod,
    /// How many copies the one plate prints.
    copies: u32,
}

/// A student job's row as [`job`] reads it.
#[derive(sqlx::FromRow)]
struct JobRow {
    status: String,
    filed_status: Option<String>,
    folder: String,
    file_name: String,
    method: String,
    quantity: i64,
}

async fn job(cx: &LabContext, id: &str) -> Result<Job, SlicedError> {
    let row: JobRow = sqlx::query_as(
        "SELECT status, filed_status, folder, file_name, method, quantity FROM print_jobs \
         WHERE id = $1 AND folder IS NOT NULL",
    )
    .bind(id)
    .fetch_optional(cx.db.pool())
    .await?
    .ok_or(SlicedError::NotFound)?;
    let status = PrintJobStatus::parse(&row.status).ok_or(SlicedError::NotFound)?;
    if matches!(status, PrintJobStatus::PaidPickedUp | PrintJobStatus::Rejected) {
        return Err(SlicedError::Refused(format!(
            "The job is {}: its files no longer change.",
            status.label()
        )));
    }
    Ok(Job {
        status,
        filed: row.filed_status.unwrap_or_else(|| status.as_str().into()),
        folder: row.folder,
        file_name: row.file_name,
        method: PrintMethod::parse(&row.method).unwrap_or(PrintMethod::Filament),
        copies: u32::try_from(row.quantity).unwrap_or(1).clamp(1, app::lab::MAX_COPIES),
    })
}

/// Reads a G-code file's grams and time (filament of the job's material).
pub fn gcode_figures(bytes: &[u8], method: PrintMethod) -> Result<Figures, SlicedError> {
    let summary =
        summarise(bytes).map_err(|e| SlicedError::Refused(format!("The G-code could not be read: {e}")))?;
    let material = crate::lab::submissions::material(method);
    let from_length = material
        .filament_diameter_mm()
        .map(|diameter| grams(summary.total_mm(), diameter, material.density_g_cm3()))
        .filter(|g| *g > 0.0);
    let weight_g = summary.slicer_total_g.filter(|g| *g > 0.0).or(from_length);
    let print_hours = summary.print_time_s.map(|s| s as f64 / 3600.0);
    if weight_g.is_none() && print_hours.is_none() {
        return Err(SlicedError::Refused(
            "That file has no extrusion and no print time: is it sliced G-code?".into(),
        ));
    }
    Ok(Figures { weight_g, print_hours })
}

/// Keeps staff's sliced file (`.gcode` or `.3mf`) for job `id`; what it said.
pub async fn upload(
    cx: &LabContext,
    _staff: &crate::staff::StaffSession,
    id: &str,
    file: ModelFile,
) -> Result<Figures, SlicedError> {
    let job = job(cx, id).await?;
    let ext = folders::extension(&file.file_name);
    let figures = match ext.as_str() {
        "gcode" => gcode_figures(&file.bytes, job.method)?,
        // A sliced 3MF's plate G-code is the printer maker's own format: kept, not read.
        "3mf" => Figures { weight_g: None, print_hours: None },
        _ => {
            return Err(SlicedError::Refused(
                "Upload the sliced file: G-code (.gcode) or a sliced 3MF (.3mf).".into(),
            ));
        }
    };
    keep(cx, id, &job, (&ext, file.bytes), figures, "Sliced file uploaded").await?;
    Ok(figures)
}

/// Slices the student's model with PrusaSlicer (the lab's filament profile)
/// and keeps the G-code as the job's sliced file.
pub async fn slice(
    cx: &LabContext,
    _staff: &crate::staff::StaffSession,
    id: &str,
) -> Result<Figures, SlicedError> {
    let job = job(cx, id).await?;
    if job.method == PrintMethod::Resin {
        return Err(SlicedError::Refused(
            "Resin prints are sliced in the resin printer's own software; upload its file.".into(),
        ));
    }
    let model =
        cx.storage.get(&key(&job.filed, &job.folder, &model_file(&job.folder, &job.file_name))).await?;
    let _slot = cx.slice_slots.acquire().await;
    let (slicer, limits) = (cx.config.slicer(), cx.config.model_limits());
    let (name, material, copies) =
        (job.file_name.clone(), crate::lab::submissions::material(job.method), job.copies);
    let gcode = tokio::task::spawn_blocking(move || -> Result<Vec<u8>, String> {
        let mesh =
            crate::platform::model_file::read_model(&name, &model, &limits).map_err(|e| e.to_string())?;
        // The kernel's reading, written bare: what the slicer gets is a solid it can read.
        let folder = tempfile::tempdir().map_err(|e| e.to_string())?;
        let stl = folder.path().join("model.stl");
        std::fs::write(&stl, geometry::io::stl::write_binary(&mesh)).map_err(|e| e.to_string())?;
        let quiet: (&AtomicBool, slicing::prusa::Progress<'_>) = (&AtomicBool::new(false), &|_, _| {});
        let slice = slicer.slice_copies(&stl, material, copies, quiet).map_err(|e| e.to_string())?;
        std::fs::read(&slice.gcode).map_err(|e| e.to_string())
    })
    .await
    .map_err(|e| SlicedError::Crashed(e.to_string()))?
    .map_err(SlicedError::Crashed)?;
    let figures = gcode_figures(&gcode, job.method)?;
    let what = match job.copies {
        1 => "Sliced here with PrusaSlicer".to_string(),
        copies => format!("Sliced here with PrusaSlicer, {copies} copies on one plate"),
    };
    keep(cx, id, &job, ("gcode", gcode.into()), figures, &what).await?;
    Ok(figures)
}

/// Writes the file into the job's folder, then records it (and its
/// figures) with an event; the folder's metadata follows.
async fn keep(
    cx: &LabContext,
    id: &str,
    job: &Job,
    (ext, bytes): (&str, bytes::Bytes),
    figures: Figures,
    what: &str,
) -> Result<(), SlicedError> {
    let name = sliced_file(&job.folder, ext);
    let at = key(&job.filed, &job.folder, &name);
    cx.storage.put(&at, bytes).await?;
    let now = now_ms();
    let mut tx = cx.db.begin_write().await?;
    let recorded = sqlx::query(
        "UPDATE print_jobs SET sliced_ext = $1, weight_g = COALESCE($2, weight_g), \
         print_hours = COALESCE($3, print_hours), updated_at = $4 WHERE id = $5 AND status = $6",
    )
    .bind(ext)
    .bind(figures.weight_g)
    .bind(figures.print_hours)
    .bind(now)
    .bind(id)
    .bind(job.status.as_str())
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if recorded != 1 {
        return Err(SlicedError::Refused("The job changed meanwhile; reload and try again.".into()));
    }
    let said = match (figures.weight_g, figures.print_hours) {
        (Some(g), Some(h)) => format!(": {g:.1} g, {h:.2} h"),
        (Some(g), None) => format!(": {g:.1} g"),
        (None, Some(h)) => format!(": {h:.2} h"),
        (None, None) => String::new(),
    };
    let details = format!("{what} ({name}){said}.");
    crate::lab::events::add_event(
        &mut tx,
        id,
        now,
        ("staff", "sliced_file"),
        (Some(job.status), job.status),
        &details,
    )
    .await?;
    tx.commit().await?;
    folders::settle_after_step(cx, id).await;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gcode_gives_weight_and_time() {
        let gcode = b"G92 E0\n;TYPE:External perimeter\nG1 X1 E100\n\
            ; total filament used [g] = 12.34\n; estimated printing time (normal mode) = 1h 30m 0s\n";
        let figures = gcode_figures(gcode, PrintMethod::Filament).unwrap();
        assert_eq!(figures, Figures { weight_g: Some(12.34), print_hours: Some(1.5) });
        // Without the footer, the grams come from the filament pushed.
        let bare = gcode_figures(b"G92 E0\n;TYPE:Perimeter\nG1 X1 E1000\n", PrintMethod::Filament).unwrap();
        assert!((bare.weight_g.unwrap() - 2.98).abs() < 0.05, "{bare:?}");
        assert!(matches!(gcode_figures(b"hello\n", PrintMethod::Filament), Err(SlicedError::Refused(_))));
    }
}
