//! Reads every printer with a server (OctoPrint or Moonraker) every few seconds, records what it is
//! doing, and moves the job printing on it along (`tracking`). Each printer
//! is read by the one instance that holds its poll lease
//! (`store::claim_polls`), however many instances run.

use std::time::Duration;

use crate::lab::LabContext;
use crate::printers::reading::Reading;
use crate::printers::server::PrinterServer;
use crate::printers::store::{self, Printer};

/// How often each printer is read.
const POLL: Duration = Duration::from_secs(2);
/// A lease outlives a few missed rounds, so a stopped instance's printers
/// pass to another within seconds.
pub const LEASE_MS: i64 = 10_000;

/// One round for `owner`: claims the printers it may read, reads them all
/// at once, and records each reading while the lease still holds. How many
/// it recorded.
pub async fn poll_once(cx: &LabContext, owner: &str, lease_ms: i64) -> sqlx::Result<usize> {
    let db = &cx.db;
    // A lab whose printers are all run by hand costs no write (SQLite has one writer).
    let any: Option<i64> = sqlx::query_scalar("SELECT 1 FROM printers WHERE connection <> 'manual' LIMIT 1")
        .fetch_optional(db.pool())
        .await?;
    if any.is_none() {
        return Ok(0);
    }
    let printers = store::claim_polls(db, owner, lease_ms).await?;
    let keys_dir = &cx.config.printer_keys_dir;
    let readings =
        futures_util::future::join_all(printers.iter().map(|printer| read(printer, keys_dir))).await;
    let mut recorded = 0;
    for (printer, reading) in printers.iter().zip(readings) {
        let changed = printer.reading.as_ref() != Some(&reading);
        if store::record(db, &printer.id, owner, &reading, changed).await? {
            recorded += 1;
            crate::printers::tracking::follow(cx, printer, &reading).await?;
        }
    }
    Ok(recorded)
}

/// What the printer says, or offline with the reason it could not be read.
async fn read(printer: &Printer, keys_dir: &std::path::Path) -> Reading {
    match PrinterServer::of(&printer.spec.connection, keys_dir) {
        Ok(Some(server)) => server.read().await.unwrap_or_else(|error| Reading::offline(error.to_string())),
        Ok(None) => Reading::offline("marked by hand".into()),
        Err(why) => Reading::offline(format!("no API key: {why}")),
    }
}

/// Polls until the process ends.
pub fn spawn(cx: LabContext, owner: String) {
    tokio::spawn(async move {
        loop {
            if let Err(error) = poll_once(&cx, &owner, LEASE_MS).await {
                tracing::warn!(%error, "cannot poll the printers");
            }
            tokio::time::sleep(POLL).await;
        }
    });
}
