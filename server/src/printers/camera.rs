//! A printer's camera. A printer may have a snapshot URL: the address where
//! its camera serves one still picture, typed by staff or read from its
//! printer server's webcam settings (OctoPrint's or Moonraker's). When a print on it ends (the printer reports
//! it done, or it fails) the server asks the camera once, with a time limit
//! and a size cap, through `platform::outbound` (so a camera's address is no
//! way into the machine's surroundings), keeps the answer only if its own
//! bytes say it is a JPEG or PNG, and records it with the job: staff see it
//! on the job's page, and the student's "ready" email carries it. A camera
//! that fails costs the print nothing; the job's log says why there is no
//! picture.

use std::sync::OnceLock;
use std::time::Duration;

use crate::lab::LabContext;
use crate::platform::db::Db;
use crate::platform::outbound::{self, OutboundError};
use crate::platform::time::now_ms;
use crate::printers::server::PrinterServer;
use crate::printers::spec::PrinterError;

/// The largest picture kept: a camera's full-size JPEG is well under it.
pub const MAX_SNAPSHOT_BYTES: usize = 5 * 1024 * 1024;
/// How long a camera has to send its picture, all of it.
pub const SNAPSHOT_TIMEOUT: Duration = Duration::from_secs(5);
/// The longest snapshot address kept.
pub const URL_MAX_CHARS: usize = 500;

/// A picture as a camera sent it, with the extension its bytes call for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Picture {
    pub bytes: Vec<u8>,
    /// `jpg` or `png`.
    pub ext: &'static str,
}

/// Why there is no picture, in words for the job's log.
#[derive(thiserror::Error, Debug, Clone, PartialEq, Eq)]
pub enum CameraError {
    #[error("the camera {0}")]
    Unreachable(OutboundError),
    #[error("the camera answered HTTP {0}")]
    Refused(u16),
    #[error("the camera sent no JPEG or PNG picture (it sent {0})")]
    NotAPicture(String),
}

/// What a picture is by its first bytes (its Content-Type may say anything).
pub fn picture_kind(bytes: &[u8]) -> Option<&'static str> {
    if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some("jpg")
    } else if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some("png")
    } else {
        None
    }
}

/// Asks the camera at `url` for one picture.
pub async fn fetch(url: &str) -> Result<Picture, CameraError> {
    static HTTP: OnceLock<reqwest::Client> = OnceLock::new();
    let http = HTTP.get_or_init(|| outbound::client(SNAPSHOT_TIMEOUT));
    let response = outbound::send(http.get(url), url).await.map_err(CameraError::Unreachable)?;
    let status = response.status();
    if !status.is_success() {
        return Err(CameraError::Refused(status.as_u16()));
    }
    let said: String = response
        .headers()
        .get(http::header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .unwrap_or("no content type")
        .chars()
        .filter(|c| !c.is_control())
        .take(60)
        .collect();
    let bytes =
        outbound::read_capped(response, MAX_SNAPSHOT_BYTES).await.map_err(CameraError::Unreachable)?;
    match picture_kind(&bytes) {
        Some(ext) => Ok(Picture { bytes, ext }),
        None => Err(CameraError::NotAPicture(said)),
    }
}

/// A snapshot address as staff typed it: `None` when left empty.
pub fn checked_url(typed: &str) -> Result<Option<String>, PrinterError> {
    let typed = typed.trim();
    if typed.is_empty() {
        return Ok(None);
    }
    let invalid = |message: &str| PrinterError::Invalid { field: "snapshot_url", message: message.into() };
    if typed.chars().count() > URL_MAX_CHARS {
        return Err(invalid("The camera's address is too long (500 characters at most)."));
    }
    let url = url::Url::parse(typed)
        .ok()
        .filter(|url| matches!(url.scheme(), "http" | "https") && url.host().is_some())
        .ok_or_else(|| {
            invalid("Type the camera's snapshot address, like http://printer-1.lab:8080/?action=snapshot.")
        })?;
    if !outbound::host_allowed(&url) {
        return Err(invalid("That address is not one the server calls."));
    }
    Ok(Some(url.to_string()))
}

/// Sets (or, with an empty `typed`, removes) the printer's snapshot
/// address, with a line in its log. Asking for what already is changes nothing.
pub async fn set_url(
    db: &Db,
    _staff: &crate::staff::StaffSession,
    id: &str,
    typed: &str,
) -> Result<(), PrinterError> {
    let url = checked_url(typed)?;
    let mut tx = db.begin_write().await?;
    let now: Option<Option<String>> = sqlx::query_scalar("SELECT snapshot_url FROM printers WHERE id = $1")
        .bind(id)
        .fetch_optional(&mut *tx)
        .await?;
    let Some(now) = now else { return Err(PrinterError::NotFound) };
    if now == url {
        return Ok(());
    }
    let at = now_ms();
    sqlx::query("UPDATE printers SET snapshot_url = $1, changed_at = $2, updated_at = $2 WHERE id = $3")
        .bind(&url)
        .bind(at)
        .bind(id)
        .execute(&mut *tx)
        .await?;
    let what = if url.is_some() { "Camera set" } else { "Camera removed" };
    crate::printers::maintenance::log_change(&mut tx, id, at, what, url.as_deref().unwrap_or_default())
        .await?;
    tx.commit().await?;
    Ok(())
}

/// Reads the snapshot address from the printer's server (its webcam
/// settings) and keeps it; the address kept.
pub async fn read_from_server(
    db: &Db,
    keys_dir: &std::path::Path,
    staff: &crate::staff::StaffSession,
    id: &str,
) -> Result<String, PrinterError> {
    let printer = crate::printers::store::list(db)
        .await?
        .into_iter()
        .find(|printer| printer.id == id)
        .ok_or(PrinterError::NotFound)?;
    let name = &printer.spec.name;
    let invalid = |message: String| PrinterError::Invalid { field: "snapshot_url", message };
    let server = PrinterServer::of(&printer.spec.connection, keys_dir)
        .map_err(|why| invalid(format!("{name}: no API key ({why}).")))?
        .ok_or_else(|| invalid(format!("{name} is run by hand: type its camera's snapshot address.")))?;
    let (kind, url) = (server.name(), printer.spec.connection.url().unwrap_or_default());
    let found = server
        .snapshot_url()
        .await
        .map_err(|error| invalid(format!("{name}'s {kind} could not be read: {error}.")))?
        .ok_or_else(|| {
            invalid(format!(
                "{name}'s {kind} has no webcam snapshot address (its webcam settings); type the camera's address."
            ))
        })?;
    let resolved = resolve(url, &found).ok_or_else(|| {
        invalid(format!("{name}'s {kind} names a snapshot address that is not one: {found}"))
    })?;
    set_url(db, staff, id, &resolved).await?;
    Ok(resolved)
}

/// The snapshot address a printer server's settings give, as this server
/// reaches it: a path is on the printer server's own host, and so is a
/// loopback address (what is 127.0.0.1 to OctoPrint or Moonraker is its
/// machine, not ours).
fn resolve(server: &str, snapshot: &str) -> Option<String> {
    let base = url::Url::parse(server).ok()?;
    let mut url = base.join(snapshot).ok()?;
    let loopback = |host: Option<&str>| matches!(host, Some("127.0.0.1" | "localhost" | "[::1]"));
    if loopback(url.host_str()) && !loopback(base.host_str()) {
        url.set_host(base.host_str()).ok()?;
    }
    Some(url.to_string())
}

/// Takes the picture of a print that just ended on a printer whose camera
/// is at `url`, and keeps it with job `job_id`; without one, the job's log
/// says why. Never fails the print's own step.
pub async fn take(cx: &LabContext, job_id: &str, url: &str) {
    let kept = match fetch(url).await {
        Ok(picture) => keep(cx, job_id, picture).await,
        Err(why) => Err(why.to_string()),
    };
    if let Err(why) = kept {
        tracing::warn!(job_id, %why, "no camera snapshot");
        if let Err(error) = crate::lab::snapshots::record_no_snapshot(&cx.db, job_id, &why).await {
            tracing::warn!(%error, job_id, "cannot say why there is no snapshot");
        }
    }
}

/// Stores the picture, then records it with the job (the file first, so no
/// row names a missing file; taken back if the row cannot be written).
async fn keep(cx: &LabContext, job_id: &str, picture: Picture) -> Result<(), String> {
    let key = format!("{}/{job_id}.{}", crate::lab::snapshots::SNAPSHOTS, picture.ext);
    cx.storage.put(&key, picture.bytes).await.map_err(|error| format!("it could not be stored ({error})"))?;
    if let Err(error) = crate::lab::snapshots::record_snapshot(&cx.db, job_id, &key).await {
        if let Err(error) = cx.storage.delete(&key).await {
            tracing::warn!(%error, key, "an unrecorded snapshot was left in storage");
        }
        return Err(format!("it could not be recorded ({error})"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_picture_is_known_by_its_bytes() {
        assert_eq!(picture_kind(&[0xFF, 0xD8, 0xFF, 0xE0, 0, 0x10]), Some("jpg"));
        assert_eq!(picture_kind(b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR"), Some("png"));
        assert_eq!(picture_kind(b"<!doctype html><title>Camera</title>"), None);
        assert_eq!(picture_kind(b""), None);
    }

    #[test]
    fn typed_addresses_are_checked() {
        assert_eq!(checked_url("  ").unwrap(), None);
        assert_eq!(
            checked_url(" http://cam.lab:8080/?action=snapshot ").unwrap().as_deref(),
            Some("http://cam.lab:8080/?action=snapshot")
        );
        for bad in [
            "cam.lab/snap.jpg",
            "ftp://cam.lab/snap.jpg",
            "http://169.254.169.254/latest",
            "file:///etc/passwd",
        ] {
            assert!(checked_url(bad).is_err(), "{bad}");
        }
        assert!(checked_url(&format!("http://cam.lab/{}", "x".repeat(URL_MAX_CHARS))).is_err());
    }

    #[test]
    fn octoprints_address_is_read_from_where_octoprint_is() {
        let at = |snapshot| resolve("http://printer-1.lab:5000", snapshot);
        assert_eq!(
            at("/webcam/?action=snapshot").as_deref(),
            Some("http://printer-1.lab:5000/webcam/?action=snapshot")
        );
        assert_eq!(
            at("http://127.0.0.1:8080/?action=snapshot").as_deref(),
            Some("http://printer-1.lab:8080/?action=snapshot")
        );
        assert_eq!(at("http://cam.lab/snap.jpg").as_deref(), Some("http://cam.lab/snap.jpg"));
        assert_eq!(
            resolve("http://127.0.0.1:5000", "http://127.0.0.1:8080/snap.jpg").as_deref(),
            Some("http://127.0.0.1:8080/snap.jpg"),
            "OctoPrint on this machine: its loopback is ours"
        );
    }
}
