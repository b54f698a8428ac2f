//! A client for OctoPrint's REST API (one printer per OctoPrint server): what
//! the printer is doing, sending it a G-code file to print, and cancelling.
//!
//! The calls (key in the `X-Api-Key` header):
//! - `GET /api/job`: `state` (OctoPrint's words: "Operational", "Printing",
//!   "Paused", "Offline", "Error: …"), `progress.completion` (%),
//!   `progress.printTimeLeft` (s) and `job.file.name`, the file it is on;
//! - `POST /api/files/local`, multipart `file` and `print=true`: upload and start;
//! - `POST /api/job` `{"command": "cancel"}`;
//! - `GET /api/settings`: where its webcam's still picture is (`printers::camera`).
//!
//! Written on reqwest rather than taken from a crate: the OctoPrint crates
//! on crates.io are unmaintained and cover far more than these three calls.

use std::time::Duration;

use serde_json::Value;

use crate::platform::outbound::OutboundError;
use crate::printers::reading::{PrinterState, Reading, seconds_left, short};
use crate::printers::server::Failure;

/// What went wrong, in our words: OctoPrint's own answer is never passed
/// on (its address is typed by staff, so its answer could be anyone's).
#[derive(thiserror::Error, Debug)]
pub enum OctoPrintError {
    #[error("OctoPrint: {0}")]
    Unreachable(OutboundError),
    #[error("OctoPrint refused the API key (HTTP {0}); check the printer's key")]
    KeyRefused(u16),
    #[error("OctoPrint refused it (HTTP {0})")]
    Refused(u16),
    #[error("OctoPrint kept the file but did not start printing it")]
    NotStarted,
    #[error("OctoPrint answered something that is not OctoPrint's JSON")]
    Unreadable,
}

#[derive(Clone, Debug)]
pub struct OctoPrint {
    base: String,
    key: String,
    http: reqwest::Client,
}

impl OctoPrint {
    /// A client for the OctoPrint at `base` (e.g. `http://printer-1.lab:5000`).
    pub fn new(base: &str, key: &str) -> OctoPrint {
        OctoPrint {
            base: base.trim_end_matches('/').to_string(),
            key: key.to_string(),
            http: crate::printers::server::http(),
        }
    }

    /// What the printer is doing now.
    pub async fn read(&self) -> Result<Reading, OctoPrintError> {
        let answer = self.call(self.http.get(self.url("/api/job")).timeout(Duration::from_secs(10))).await?;
        let state_text = answer["state"].as_str().unwrap_or("Offline").to_string();
        let state = state_of(&state_text);
        let error = answer["error"].as_str().filter(|error| !error.is_empty());
        Ok(Reading {
            state,
            completion_pct: answer["progress"]["completion"].as_f64().map(|pct| pct.clamp(0.0, 100.0)),
            time_left_s: answer["progress"]["printTimeLeft"].as_f64().and_then(seconds_left),
            file: answer["job"]["file"]["name"].as_str().map(|name| short(name, 255)),
            message: short(error.unwrap_or(state_text.as_str()), 300),
        })
    }

    /// Uploads `gcode` as `file_name` (replacing one of that name) and starts printing it.
    pub async fn print(&self, file_name: &str, gcode: &[u8]) -> Result<(), OctoPrintError> {
        let (content_type, body) =
            crate::printers::server::upload_body(file_name, gcode, &[("print", "true")]);
        let request = self
            .http
            .post(self.url("/api/files/local"))
            .header(http::header::CONTENT_TYPE, content_type)
            .body(body);
        let answer = self.call(request).await?;
        if answer["done"].as_bool() == Some(true) && answer["effectivePrint"].as_bool() != Some(false) {
            Ok(())
        } else {
            Err(OctoPrintError::NotStarted)
        }
    }

    /// Cancels the print under way.
    pub async fn cancel(&self) -> Result<(), OctoPrintError> {
        let request = self.http.post(self.url("/api/job")).json(&serde_json::json!({ "command": "cancel" }));
        self.call(request).await.map(|_| ())
    }

    /// Where the printer's webcam serves one still picture, as OctoPrint's
    /// settings name it; `None` when it has no camera set up.
    pub async fn snapshot_url(&self) -> Result<Option<String>, OctoPrintError> {
        let request = self.http.get(self.url("/api/settings")).timeout(Duration::from_secs(10));
        Ok(snapshot_in_settings(&self.call(request).await?))
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    async fn call(&self, request: reqwest::RequestBuilder) -> Result<Value, OctoPrintError> {
        crate::printers::server::answer(request.header("X-Api-Key", &self.key), &self.base)
            .await
            .map_err(Into::into)
    }
}

impl From<Failure> for OctoPrintError {
    fn from(failure: Failure) -> Self {
        match failure {
            Failure::Unreachable(error) => OctoPrintError::Unreachable(error),
            Failure::KeyRefused(status) => OctoPrintError::KeyRefused(status),
            Failure::Refused(status) => OctoPrintError::Refused(status),
            Failure::Unreadable => OctoPrintError::Unreadable,
        }
    }
}

/// The snapshot address in OctoPrint's settings: a webcam's `compat.snapshot`
/// (OctoPrint 1.9 and later, whichever plugin provides the camera), else the
/// classic webcam plugin's `snapshot`, else the `webcam.snapshotUrl` of
/// older versions. As typed there: it may be a path on OctoPrint's own host.
fn snapshot_in_settings(settings: &Value) -> Option<String> {
    let webcams = settings["webcam"]["webcams"].as_array().into_iter().flatten();
    webcams
        .map(|webcam| &webcam["compat"]["snapshot"])
        .chain([&settings["plugins"]["classicwebcam"]["snapshot"], &settings["webcam"]["snapshotUrl"]])
        .filter_map(Value::as_str)
        .map(str::trim)
        .find(|url| !url.is_empty())
        .map(|url| short(url, 500))
}

/// OctoPrint's state text, as `/api/job` gives it.
fn state_of(text: &str) -> PrinterState {
    let text = text.trim();
    if text.starts_with("Error") || text.contains("after error") || text.contains("with error") {
        return PrinterState::Error;
    }
    match text {
        "Operational" => PrinterState::Idle,
        "Paused" | "Pausing" | "Resuming" => PrinterState::Paused,
        "Printing" | "Starting" | "Finishing" | "Cancelling" | "Transferring file to SD" => {
            PrinterState::Printing
        }
        other if other.starts_with("Printing") || other.starts_with("Starting") => PrinterState::Printing,
        // "Offline", "Closed", "Connecting", "Opening serial connection", …
        _ => PrinterState::Offline,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_snapshot_is_found_where_each_version_keeps_it() {
        let modern = serde_json::json!({ "webcam": { "webcams": [
            { "name": "classic", "compat": { "snapshot": " http://cam.lab/snap.jpg " } }
        ] } });
        assert_eq!(snapshot_in_settings(&modern).as_deref(), Some("http://cam.lab/snap.jpg"));
        let plugin = serde_json::json!({ "webcam": { "webcams": [{ "compat": { "snapshot": "" } }] },
            "plugins": { "classicwebcam": { "snapshot": "/webcam/?action=snapshot" } } });
        assert_eq!(snapshot_in_settings(&plugin).as_deref(), Some("/webcam/?action=snapshot"));
        let old =
            serde_json::json!({ "webcam": { "snapshotUrl": "http://127.0.0.1:8080/?action=snapshot" } });
        assert_eq!(snapshot_in_settings(&old).as_deref(), Some("http://127.0.0.1:8080/?action=snapshot"));
        assert_eq!(snapshot_in_settings(&serde_json::json!({ "webcam": {} })), None);
        assert_eq!(snapshot_in_settings(&serde_json::json!("not settings")), None);
    }

    #[test]
    fn octoprints_words_become_the_labs() {
        for (text, state) in [
            ("Operational", PrinterState::Idle),
            ("Printing", PrinterState::Printing),
            ("Printing from SD", PrinterState::Printing),
            ("Starting", PrinterState::Printing),
            ("Cancelling", PrinterState::Printing),
            ("Paused", PrinterState::Paused),
            ("Pausing", PrinterState::Paused),
            ("Offline", PrinterState::Offline),
            ("Opening serial connection", PrinterState::Offline),
            ("Closed", PrinterState::Offline),
            ("Error: Thermal Runaway", PrinterState::Error),
            ("Offline after error", PrinterState::Error),
        ] {
            assert_eq!(state_of(text), state, "{text}");
        }
    }
}
