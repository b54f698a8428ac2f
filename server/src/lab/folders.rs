//! A student job's files in the lab's shared storage, kept in a folder per
//! job under a folder per status — `lab/Pending/AdaLovelace_Filament_Red_k3x9…/`
//! holding the model, its picture, the sliced file and a `metadata.json` with
//! the job and its history — so that the folder alone still tells the story.
//!
//! The database is the truth. A transaction that changes a job's status
//! schedules the move by that change alone: `filed_status` (where the folder
//! is) no longer equals `status`. [`settle`] then moves whatever is still in
//! any other status folder and rewrites `metadata.json`; it is idempotent, so
//! running it after a crash (the background loop does, and so does start-up)
//! finishes an interrupted move without ever losing a file.

use std::time::Duration;

use app::print_job::PrintJobStatus;
use serde_json::json;

use crate::lab::LabContext;
use crate::platform::storage::StorageError;

/// The storage folder holding the status folders.
pub const ROOT: &str = "lab";

/// A print job's id: ten lower-case letters and digits, short enough to read
/// out at the counter and safe in a file name.
pub fn new_job_id() -> String {
    use rand::Rng;
    const ALPHABET: &[u8] = b"abcdefghijkmnpqrstuvwxyz23456789";
    let mut rng = rand::rng();
    (0..10).map(|_| ALPHABET[rng.random_range(0..ALPHABET.len())] as char).collect()
}

/// `FirstAndLastName_PrintMethod_Color_JobID`: each part reduced to ASCII
/// letters and digits in CamelCase, so the name is the same on every file system.
pub fn folder_name(name: &str, method: &str, color: &str, job_id: &str) -> String {
    let part = |text: &str, fallback: &str, max: usize| {
        let camel: String = text
            .split(|c: char| !c.is_ascii_alphanumeric())
            .filter(|word| !word.is_empty())
            .map(|word| {
                let mut chars = word.chars();
                let first = chars.next().map(|c| c.to_ascii_uppercase());
                first.into_iter().chain(chars).collect::<String>()
            })
            .collect();
        match camel.is_empty() {
            true => fallback.to_string(),
            false => camel.chars().take(max).collect(),
        }
    };
    format!(
        "{}_{}_{}_{}",
        part(name, "Student", 48),
        part(method, "Method", 16),
        part(color, "Colour", 24),
        part(job_id, "Job", 16).to_ascii_lowercase()
    )
}

/// The key of `file` in the job's folder while it is in `status`.
pub fn key(status: &str, folder: &str, file: &str) -> String {
    format!("{ROOT}/{status}/{folder}/{file}")
}

/// A file name's extension, lower-case (`""` when it has none).
pub fn extension(file_name: &str) -> String {
    file_name.rsplit_once('.').map(|(_, ext)| ext.to_ascii_lowercase()).unwrap_or_default()
}

/// The model's name in its folder: the folder's name with the extension of
/// the file the student sent (`file_name`).
pub fn model_file(folder: &str, file_name: &str) -> String {
    format!("{folder}.{}", extension(file_name))
}

/// The sliced file staff print: the folder's name, `.sliced.` and its extension.
pub fn sliced_file(folder: &str, ext: &str) -> String {
    format!("{folder}.sliced.{ext}")
}

/// The model as staff's slicer opens it: the triangles only, written by us
/// (binary STL). A student's 3MF can carry slicer settings, among them
/// post-processing scripts the slicer would run on staff's computer; this
/// file carries nothing but the mesh. The file as sent is a download only.
pub fn slicer_model_file(folder: &str) -> String {
    format!("{folder}.mesh.stl")
}

pub const THUMBNAIL: &str = "thumbnail.png";
pub const METADATA: &str = "metadata.json";

#[derive(thiserror::Error, Debug)]
pub enum SettleError {
    #[error(transparent)]
    Storage(#[from] StorageError),
    #[error(transparent)]
    Database(#[from] sqlx::Error),
}

/// A student job's folder as its files are found: the folder, where it is
/// filed and — mid-move — where it is going, the student's file name and
/// the sliced file's extension once there is one.
#[derive(sqlx::FromRow)]
pub struct JobFolder {
    pub folder: String,
    pub status: String,
    pub filed_status: Option<String>,
    pub file_name: String,
    pub sliced_ext: Option<String>,
}

/// Job `id`'s folder; `None` for no such job, or a shop order's (its files stay with the order).
pub async fn job_folder(db: &crate::platform::db::Db, id: &str) -> sqlx::Result<Option<JobFolder>> {
    sqlx::query_as(
        "SELECT folder, status, filed_status, file_name, sliced_ext FROM print_jobs WHERE id = $1 AND folder IS NOT NULL",
    )
    .bind(id)
    .fetch_optional(db.pool())
    .await
}

/// A student job's row as its `metadata.json` tells it.
#[derive(sqlx::FromRow)]
struct SettleRow {
    status: String,
    folder: String,
    updated_at: i64,
    name: String,
    email: String,
    discipline: String,
    class_number: String,
    method: String,
    color: String,
    printer: String,
    notes: String,
    file_name: String,
    weight_g: Option<f64>,
    print_hours: Option<f64>,
    price_cents: Option<i64>,
    currency: Option<String>,
    created_at: i64,
    reviewed_at: Option<i64>,
}

/// Brings job `id`'s folder in line with the database: moved into its
/// status's folder, `metadata.json` rewritten. Nothing for a shop order's
/// job or an unknown id. Safe to run any number of times, from any instance.
pub async fn settle(cx: &LabContext, id: &str) -> Result<(), SettleError> {
    let db = cx.db.pool();
    let Some(job) = sqlx::query_as::<_, SettleRow>(
        "SELECT status, folder, updated_at, name, email, discipline, class_number, method, color, printer, \
         notes, file_name, weight_g, print_hours, price_cents, currency, created_at, reviewed_at \
         FROM print_jobs WHERE id = $1 AND folder IS NOT NULL",
    )
    .bind(id)
    .fetch_optional(db)
    .await?
    else {
        return Ok(());
    };
    let (status, folder, updated_at) = (job.status.as_str(), job.folder.as_str(), job.updated_at);

    // Whatever is in another status folder (all of them: a crash halfway
    // through one move, then another step, can leave files in two) comes here.
    for other in PrintJobStatus::ALL.map(PrintJobStatus::as_str).into_iter().filter(|s| *s != status) {
        let prefix = format!("{ROOT}/{other}/{folder}");
        for from in cx.storage.list(&prefix).await? {
            let Some(rest) = from.strip_prefix(&format!("{prefix}/")) else { continue };
            match cx.storage.rename(&from, &key(status, folder, rest)).await {
                // Another instance moved it first.
                Ok(()) | Err(StorageError::NotFound(_)) => {}
                Err(error) => return Err(error.into()),
            }
        }
        cx.storage.remove_empty_folder(&prefix)?;
    }

    let history: Vec<serde_json::Value> = crate::lab::events::log(&cx.db, id)
        .await?
        .into_iter()
        .map(|event| {
            json!({
                "at": utc(event.at),
                "actor": event.actor,
                "kind": event.kind,
                "from": event.from_status,
                "to": event.to_status,
                "details": event.details,
            })
        })
        .collect();
    let metadata = json!({
        "job_id": id,
        "status": status,
        "name": job.name,
        "email": job.email,
        "discipline": job.discipline,
        "class_number": job.class_number,
        "method": job.method,
        "color": job.color,
        "printer": job.printer,
        "notes": job.notes,
        "file_name": job.file_name,
        "weight_g": job.weight_g,
        "print_hours": job.print_hours,
        "price_cents": job.price_cents,
        "currency": job.currency,
        "submitted_at": utc(job.created_at),
        "reviewed_at": job.reviewed_at.map(utc),
        "updated_at": utc(updated_at),
        "history": history,
    });
    let pretty = serde_json::to_vec_pretty(&metadata).expect("JSON values serialise");
    cx.storage.put(&key(status, folder, METADATA), pretty).await?;

    // Only if nothing changed meanwhile; otherwise the next settle catches up.
    sqlx::query(
        "UPDATE print_jobs SET filed_status = $1, filed_at = $2 WHERE id = $3 AND status = $1 AND updated_at = $2",
    )
    .bind(status)
    .bind(updated_at)
    .bind(id)
    .execute(db)
    .await?;
    Ok(())
}

/// Settles every student job whose folder is behind its row; how many.
pub async fn settle_due(cx: &LabContext) -> Result<usize, SettleError> {
    let due: Vec<String> = sqlx::query_scalar(
        "SELECT id FROM print_jobs WHERE folder IS NOT NULL \
         AND (filed_status IS NULL OR filed_status <> status OR filed_at IS NULL OR filed_at <> updated_at) \
         ORDER BY updated_at LIMIT 500",
    )
    .fetch_all(cx.db.pool())
    .await?;
    for id in &due {
        settle(cx, id).await?;
    }
    Ok(due.len())
}

/// Settles after a step, logging (not failing) when storage is unavailable:
/// the step is committed, and the background loop finishes the move later.
pub async fn settle_after_step(cx: &LabContext, id: &str) {
    if let Err(error) = settle(cx, id).await {
        tracing::warn!(%error, job = id, "the job's folder will be moved later");
    }
}

/// Finishes moves left by a crash or an unavailable storage: at start, then every half minute.
pub async fn run(cx: LabContext) {
    loop {
        match settle_due(&cx).await {
            Ok(0) => {}
            Ok(settled) => tracing::info!(settled, "lab folders brought up to date"),
            Err(error) => tracing::warn!(%error, "lab folders could not be brought up to date"),
        }
        tokio::time::sleep(Duration::from_secs(30)).await;
    }
}

/// UTC milliseconds as RFC 3339 (`2026-11-23T15:04:05Z`).
fn utc(at_ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(at_ms)
        .map(|at| at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
        .unwrap_or_default()
}

/// Every print job's folder name (the orphan sweep keeps what is in them).
pub async fn all_folders(db: &crate::platform::db::Db) -> sqlx::Result<Vec<String>> {
    sqlx::query_scalar("SELECT folder FROM print_jobs WHERE folder IS NOT NULL").fetch_all(db.pool()).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folder_names_are_safe_and_readable() {
        assert_eq!(
            folder_name("Ada Lovelace", "filament", "Light Blue", "k3x9"),
            "AdaLovelace_Filament_LightBlue_k3x9"
        );
        assert_eq!(folder_name("o'neil-smith", "resin", "grey", "ab"), "ONeilSmith_Resin_Grey_ab");
        // Nothing that could climb out of the folder or upset a file system.
        let odd = folder_name("../../etc/passwd", "filament", "a/b\\c:d*?", "id");
        assert_eq!(odd, "EtcPasswd_Filament_ABCD_id");
        assert_eq!(folder_name("李雷", "resin", "", "x"), "Student_Resin_Colour_x");
        assert!(folder_name(&"a".repeat(500), "filament", "red", "x").len() < 100);
    }

    #[test]
    fn job_ids_are_short_and_plain() {
        let id = new_job_id();
        assert_eq!(id.len(), 10);
        assert!(id.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit()));
        assert_ne!(id, new_job_id());
    }

    #[test]
    fn times_in_metadata_are_utc() {
        assert_eq!(utc(1_795_000_000_000), "2026-11-18T11:06:40Z");
    }
}
