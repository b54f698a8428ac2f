//! A printer taken out of service for maintenance, with staff's note, and
//! put back; each change in the printer's log. While it is out nothing is
//! sent to it (`sending::why_not`) or planned for it (`eta::queue_plan`).

use app::staff::PrinterLogLine;

use crate::platform::db::Db;
use crate::platform::time::now_ms;
use crate::printers::spec::PrinterError;

/// The longest maintenance note kept.
pub const NOTE_MAX_CHARS: usize = 300;

/// How many of a printer's log lines its card shows, newest first.
const LOG_SHOWN: i64 = 10;

/// Puts the printer in maintenance with `note` (`Some`, may be empty), or
/// back in service (`None`), and writes the change in its log, in one
/// transaction. Asking for what already is changes nothing.
pub async fn set(
    db: &Db,
    _staff: &crate::staff::StaffSession,
    id: &str,
    note: Option<&str>,
) -> Result<(), PrinterError> {
    let note = note.map(str::trim);
    if note.is_some_and(|note| note.chars().count() > NOTE_MAX_CHARS) {
        return Err(PrinterError::Invalid {
            field: "note",
            message: format!("Keep the note under {NOTE_MAX_CHARS} characters."),
        });
    }
    let mut tx = db.begin_write().await?;
    let now: Option<Option<String>> = sqlx::query_scalar("SELECT maintenance FROM printers WHERE id = $1")
        .bind(id)
        .fetch_optional(&mut *tx)
        .await?;
    let Some(now) = now else { return Err(PrinterError::NotFound) };
    if now.is_some() == note.is_some() {
        return Ok(());
    }
    let at = now_ms();
    sqlx::query("UPDATE printers SET maintenance = $1, changed_at = $2, updated_at = $2 WHERE id = $3")
        .bind(note)
        .bind(at)
        .bind(id)
        .execute(&mut *tx)
        .await?;
    let what = if note.is_some() { "Put in maintenance" } else { "Back in service" };
    log_change(&mut tx, id, at, what, note.unwrap_or_default()).await?;
    tx.commit().await?;
    Ok(())
}

/// Writes a line in the printer's log, in the change's own transaction.
pub(crate) async fn log_change(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    id: &str,
    at: i64,
    what: &str,
    note: &str,
) -> sqlx::Result<()> {
    sqlx::query("INSERT INTO printer_events (id, printer_id, at, what, note) VALUES ($1, $2, $3, $4, $5)")
        .bind(crate::platform::tokens::new_id())
        .bind(id)
        .bind(at)
        .bind(what)
        .bind(note)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

#[derive(sqlx::FromRow)]
struct EventRow {
    at: i64,
    what: String,
    note: String,
}

/// The printer's newest log lines, newest first, times in `zone`.
pub async fn log(db: &Db, id: &str, zone: chrono_tz::Tz) -> sqlx::Result<Vec<PrinterLogLine>> {
    let rows: Vec<EventRow> = sqlx::query_as(
        "SELECT at, what, note FROM printer_events WHERE printer_id = $1 ORDER BY at DESC, id LIMIT $2",
    )
    .bind(id)
    .bind(LOG_SHOWN)
    .fetch_all(db.pool())
    .await?;
    Ok(rows
        .into_iter()
        .map(|row| PrinterLogLine {
            at: crate::platform::time::lab_time(row.at, zone),
            what: row.what,
            note: row.note,
        })
        .collect())
}
