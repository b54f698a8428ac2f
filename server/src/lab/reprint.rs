//! A failed print printed again: a new job, linked both ways in the event
//! logs, joins the queue where the failed one stood. A student's job gets
//! its own folder (a copy of the failed job's files, named for the new
//! job) and the student is told, at the price already accepted.

use app::print_job::PrintJobStatus;

use crate::lab::LabContext;
use crate::lab::actions::ActionError;
use crate::lab::folders::{self, METADATA};
use crate::lab::student_links as links;
use crate::mail::lab::Student;
use crate::mail::outbox;
use crate::platform::time::now_ms;

/// Reprints failed job `job_id` with staff's `note`; the failed job stays
/// PrintFailed (its log names the reprint). Returns its status.
pub async fn reprint(
    cx: &LabContext,
    _staff: &crate::staff::StaffSession,
    job_id: &str,
    note: &str,
) -> Result<PrintJobStatus, ActionError> {
    let note = note.trim();
    if note.chars().count() > app::lab::NOTES_MAX_CHARS {
        return Err(ActionError::Invalid {
            field: "note",
            message: "The note can be at most 1000 characters.".into(),
        });
    }
    let db = cx.db.pool();
    let row = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT status, folder, filed_status, name, method, color, {} FROM print_jobs WHERE id = $1",
        crate::lab::students::COLUMNS
    )))
    .bind(job_id)
    .fetch_optional(db)
    .await?
    .ok_or(ActionError::NotFound)?;
    let failed: FailedJob = sqlx::FromRow::from_row(&row)?;
    let from = PrintJobStatus::parse(&failed.status)
        .ok_or_else(|| sqlx::Error::Decode("unknown print job status".into()))?;
    if from != PrintJobStatus::PrintFailed {
        return Err(ActionError::NotNow { from: from.label(), action: "reprinted" });
    }
    let new_id = folders::new_job_id();
    let old_folder = failed.folder;
    let new_folder = old_folder
        .as_ref()
        .map(|_| folders::folder_name(&failed.name, &failed.method, &failed.color, &new_id));
    let copied = match (&old_folder, &new_folder) {
        (Some(old), Some(new)) => {
            let at = failed.filed_status.unwrap_or(from.as_str().to_string());
            copy_folder(cx, (&at, old), new).await?
        }
        _ => vec![],
    };
    let recorded =
        record(cx, job_id, &new_id, new_folder.as_deref(), note, crate::lab::students::of_row(&row)?).await;
    if let Err(error) = recorded {
        // Nothing points at the copies: take them back.
        for key in &copied {
            let _ = cx.storage.delete(key).await;
        }
        return Err(error);
    }
    folders::settle_after_step(cx, &new_id).await;
    folders::settle_after_step(cx, job_id).await;
    outbox::wake(&cx.mail_due);
    Ok(from)
}

/// The failed job's row as [`reprint`] reads it (beside its student's).
#[derive(sqlx::FromRow)]
struct FailedJob {
    status: String,
    folder: Option<String>,
    filed_status: Option<String>,
    name: String,
    method: String,
    color: String,
}

/// Copies the failed job's files (not its metadata, which settling writes)
/// into the new job's folder under ReadyToPrint, renamed for it; their keys.
async fn copy_folder(
    cx: &LabContext,
    (status, old): (&str, &str),
    new: &str,
) -> Result<Vec<String>, ActionError> {
    let prefix = format!("{}/{status}/{old}", folders::ROOT);
    let mut copied: Vec<String> = Vec::new();
    for key in cx.storage.list(&prefix).await.map_err(storage)? {
        let Some(name) = key.strip_prefix(&format!("{prefix}/")) else { continue };
        if name == METADATA {
            continue;
        }
        let renamed = name.replacen(old, new, 1);
        let to = folders::key(PrintJobStatus::ReadyToPrint.as_str(), new, &renamed);
        let bytes = cx.storage.get(&key).await.map_err(storage)?;
        if let Err(error) = cx.storage.put(&to, bytes).await {
            for key in &copied {
                let _ = cx.storage.delete(key).await;
            }
            return Err(storage(error));
        }
        copied.push(to);
    }
    Ok(copied)
}

fn storage(error: crate::platform::storage::StorageError) -> ActionError {
    ActionError::Database(sqlx::Error::Io(std::io::Error::other(error.to_string())))
}

/// The new job's row and both events, and the student's email, in one transaction.
async fn record(
    cx: &LabContext,
    old_id: &str,
    new_id: &str,
    new_folder: Option<&str>,
    note: &str,
    student: Option<Student>,
) -> Result<(), ActionError> {
    let now = now_ms();
    let ready = PrintJobStatus::ReadyToPrint.as_str();
    let mut tx = cx.db.begin_write().await?;
    let taken: Option<String> = sqlx::query_scalar("SELECT id FROM print_jobs WHERE replaces_job = $1")
        .bind(old_id)
        .fetch_optional(&mut *tx)
        .await?;
    if let Some(taken) = taken {
        return Err(ActionError::NotNow { from: "reprinted already", action: "reprinted again" })
            .inspect_err(|_| tracing::info!(old_id, taken, "a second reprint was refused"));
    }
    // The model's key follows the new folder (a shop order's stays the order's).
    let file_key = match new_folder {
        Some(folder) => {
            let file_name: String = sqlx::query_scalar("SELECT file_name FROM print_jobs WHERE id = $1")
                .bind(old_id)
                .fetch_one(&mut *tx)
                .await?;
            Some(folders::key(ready, folder, &folders::model_file(folder, &file_name)))
        }
        None => None,
    };
    sqlx::query(
        "INSERT INTO print_jobs (id, source, order_id, status, name, email, method, color, notes, file_key, \
         quantity, weight_g, print_hours, price_cents, currency, reviewed_at, created_at, updated_at, \
         discipline, class_number, printer, file_name, folder, sliced_ext, size_x_mm, size_y_mm, size_z_mm, \
         replaces_job, queue_at) \
         SELECT $1, source, order_id, $2, name, email, method, color, notes, COALESCE($3, file_key), \
         quantity, weight_g, print_hours, price_cents, currency, $4, $4, $4, \
         discipline, class_number, printer, file_name, $5, sliced_ext, size_x_mm, size_y_mm, size_z_mm, \
         id, COALESCE(queue_at, created_at) FROM print_jobs WHERE id = $6",
    )
    .bind(new_id)
    .bind(ready)
    .bind(file_key)
    .bind(now)
    .bind(new_folder)
    .bind(old_id)
    .execute(&mut *tx)
    .await?;
    let with_note = |text: String| match note {
        "" => text,
        note => format!("{text} Note: {note}"),
    };
    let failed = PrintJobStatus::PrintFailed;
    let old_line = with_note(format!("Reprinted as job {new_id}."));
    crate::lab::events::add_event(
        &mut tx,
        old_id,
        now,
        ("staff", "reprint"),
        (Some(failed), failed),
        &old_line,
    )
    .await?;
    let new_line = with_note(format!("Reprint of job {old_id}, whose print failed."));
    let to = PrintJobStatus::ReadyToPrint;
    crate::lab::events::add_event(&mut tx, new_id, now, ("staff", "reprint_of"), (None, to), &new_line)
        .await?;
    if let Some(student) = student {
        const DAY_MS: i64 = 24 * 3600 * 1000;
        let token = crate::platform::tokens::new_token();
        links::add_link(&mut tx, new_id, &token, false, now + 180 * DAY_MS).await?;
        let link = links::public_link(cx, new_id, &token);
        outbox::enqueue(&mut tx, &crate::mail::lab::reprinting(old_id, new_id, &student, note, &link))
            .await?;
    }
    tx.commit().await?;
    Ok(())
}
