//! A client for Moonraker, the API server a Klipper printer runs beside it:
//! what the printer is doing, sending it a G-code file to print, and
//! cancelling (the same three things `octoprint` does for OctoPrint).
//!
//! The calls (a key, when the server asks for one, in `X-Api-Key`; a lab
//! that lists this server among Moonraker's `trusted_clients` needs none):
//! - `GET /printer/objects/query?webhooks&print_stats&virtual_sdcard`:
//!   Klipper's own state (`webhooks.state`: "ready", "startup", "shutdown",
//!   "error", with `state_message`), the print's (`print_stats.state`:
//!   "standby", "printing", "paused", "complete", "cancelled", "error", with
//!   `filename`, `message` and `print_duration`) and how far through the
//!   file it is (`virtual_sdcard.progress`, 0–1);
//! - `POST /server/files/upload`, multipart `file`, `root=gcodes` and
//!   `print=true`: upload and start;
//! - `POST /printer/print/cancel`;
//! - `GET /server/webcams/list`: where its cameras' still pictures are.
//!
//! Answers come as `{"result": …}`, errors as `{"error": {"code", "message"}}`;
//! the upload answers without the wrapper in Moonraker 0.11, so both are read.
//! Written on reqwest rather than taken from a crate: no Moonraker crate on
//! crates.io is kept up, and this is four calls.

use std::time::Duration;

use serde_json::Value;

use crate::platform::outbound::OutboundError;
use crate::printers::reading::{PrinterState, Reading, seconds_left, short};
use crate::printers::server::Failure;

/// What went wrong, in our words: the server's own answer is never passed
/// on (its address is typed by staff, so its answer could be anyone's).
#[derive(thiserror::Error, Debug)]
pub enum MoonrakerError {
    #[error("Moonraker: {0}")]
    Unreachable(OutboundError),
    #[error("Moonraker refused the API key (HTTP {0}); check the printer's key")]
    KeyRefused(u16),
    #[error("Moonraker refused it (HTTP {0})")]
    Refused(u16),
    #[error("Moonraker kept the file but did not start printing it")]
    NotStarted,
    #[error("Moonraker answered something that is not Moonraker's JSON")]
    Unreadable,
}

#[derive(Clone, Debug)]
pub struct Moonraker {
    base: String,
    key: Option<String>,
    http: reqwest::Client,
}

impl Moonraker {
    /// A client for the Moonraker at `base` (e.g. `http://voron.lab:7125`),
    /// sending `key` if there is one.
    pub fn new(base: &str, key: Option<&str>) -> Moonraker {
        Moonraker {
            base: base.trim_end_matches('/').to_string(),
            key: key.map(str::to_string),
            http: crate::printers::server::http(),
        }
    }

    /// What the printer is doing now.
    pub async fn read(&self) -> Result<Reading, MoonrakerError> {
        let request = self
            .http
            .get(self.url("/printer/objects/query?webhooks&print_stats&virtual_sdcard"))
            .timeout(Duration::from_secs(10));
        match self.call(request).await {
            Ok(answer) => Ok(reading_of(&answer["status"])),
            // Moonraker answers, Klipper does not (stopped, restarting, or
            // its microcontroller is not connected).
            Err(MoonrakerError::Refused(503)) => {
                Ok(Reading::offline("Moonraker answers, but Klipper is not connected to it".into()))
            }
            Err(error) => Err(error),
        }
    }

    /// Uploads `gcode` as `file_name` (replacing one of that name) and starts printing it.
    pub async fn print(&self, file_name: &str, gcode: &[u8]) -> Result<(), MoonrakerError> {
        let (content_type, body) =
            crate::printers::server::upload_body(file_name, gcode, &[("root", "gcodes"), ("print", "true")]);
        let request = self
            .http
            .post(self.url("/server/files/upload"))
            .header(http::header::CONTENT_TYPE, content_type)
            .body(body);
        let answer = self.call(request).await?;
        // Queued (Moonraker's job queue holds it for later) is not printing.
        if answer["print_started"].as_bool() == Some(true) { Ok(()) } else { Err(MoonrakerError::NotStarted) }
    }

    /// Cancels the print under way.
    pub async fn cancel(&self) -> Result<(), MoonrakerError> {
        self.call(self.http.post(self.url("/printer/print/cancel"))).await.map(drop)
    }

    /// Where the printer's first camera with a still picture serves it,
    /// as Moonraker's webcam list names it; `None` when it has none.
    pub async fn snapshot_url(&self) -> Result<Option<String>, MoonrakerError> {
        let request = self.http.get(self.url("/server/webcams/list")).timeout(Duration::from_secs(10));
        let answer = self.call(request).await?;
        Ok(answer["webcams"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|webcam| webcam["enabled"].as_bool() != Some(false))
            .filter_map(|webcam| webcam["snapshot_url"].as_str())
            .map(str::trim)
            .find(|url| !url.is_empty())
            .map(|url| short(url, 500)))
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// The answer's `result` (or the answer, when it has none).
    async fn call(&self, request: reqwest::RequestBuilder) -> Result<Value, MoonrakerError> {
        let request = match &self.key {
            Some(key) => request.header("X-Api-Key", key),
            None => request,
        };
        let mut answer = crate::printers::server::answer(request, &self.base).await?;
        if !answer.is_object() {
            return Err(MoonrakerError::Unreadable);
        }
        Ok(match answer.get_mut("result") {
            Some(result) => result.take(),
            None => answer,
        })
    }
}

impl From<Failure> for MoonrakerError {
    fn from(failure: Failure) -> Self {
        match failure {
            Failure::Unreachable(error) => MoonrakerError::Unreachable(error),
            Failure::KeyRefused(status) => MoonrakerError::KeyRefused(status),
            Failure::Refused(status) => MoonrakerError::Refused(status),
            Failure::Unreadable => MoonrakerError::Unreadable,
        }
    }
}

/// A reading from the three objects Klipper reports (`status` of an objects query).
fn reading_of(status: &Value) -> Reading {
    let klipper = status["webhooks"]["state"].as_str().unwrap_or("");
    let klipper_says = status["webhooks"]["state_message"].as_str().unwrap_or("").trim();
    let print = &status["print_stats"];
    let file = print["filename"].as_str().filter(|name| !name.is_empty()).map(|name| short(name, 255));
    let progress =
        status["virtual_sdcard"]["progress"].as_f64().filter(|p| p.is_finite()).map(|p| p.clamp(0.0, 1.0));
    let print_says = print["message"].as_str().unwrap_or("").trim();
    let (state, message) = match (klipper, print["state"].as_str().unwrap_or("")) {
        ("ready", "printing") => (PrinterState::Printing, "Printing"),
        ("ready", "paused") => (PrinterState::Paused, "Paused"),
        ("ready", "error") => (PrinterState::Stopped, print_says),
        ("ready", "complete") => (PrinterState::Idle, "Ready (last print complete)"),
        ("ready", "cancelled") => (PrinterState::Idle, "Ready (last print cancelled)"),
        ("ready", _) => (PrinterState::Idle, "Ready"),
        ("shutdown" | "error", _) => (PrinterState::Error, klipper_says),
        // "startup", "disconnected", or something this client does not know.
        _ => (PrinterState::Offline, klipper_says),
    };
    let message = match (message.is_empty(), klipper.is_empty()) {
        (false, _) => short(message, 300),
        (true, false) => format!("Klipper: {}", short(klipper, 40)),
        (true, true) => "Klipper's state is unknown".to_string(),
    };
    // Klipper reads a finished file to its end; one cancelled is closed (0).
    let completion_pct = match print["state"].as_str() {
        Some("complete") => Some(100.0),
        Some("standby") => None,
        _ => progress.map(|p| p * 100.0),
    };
    // Klipper gives no time left: what the print took so far, in proportion.
    let time_left_s = match (state, progress, print["print_duration"].as_f64()) {
        (PrinterState::Printing | PrinterState::Paused, Some(p), Some(spent)) if p >= 0.01 && spent > 0.0 => {
            seconds_left(spent * (1.0 - p) / p)
        }
        _ => None,
    };
    Reading { state, completion_pct, time_left_s, file, message }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn status(klipper: &str, print: &str, progress: f64) -> Value {
        serde_json::json!({
            "webhooks": { "state": klipper, "state_message": "Printer is ready" },
            "print_stats": { "filename": "memoreez-a.gcode", "state": print, "message": "", "print_duration": 60.0 },
            "virtual_sdcard": { "progress": progress },
        })
    }

    #[test]
    fn klippers_words_become_the_labs() {
        let printing = reading_of(&status("ready", "printing", 0.25));
        assert_eq!(
            (printing.state, printing.completion_pct, printing.time_left_s, printing.file.as_deref()),
            (PrinterState::Printing, Some(25.0), Some(180), Some("memoreez-a.gcode"))
        );
        assert_eq!(reading_of(&status("ready", "paused", 0.5)).state, PrinterState::Paused);
        let done = reading_of(&status("ready", "complete", 1.0));
        assert_eq!((done.state, done.completion_pct), (PrinterState::Idle, Some(100.0)));
        let cancelled = reading_of(&status("ready", "cancelled", 0.0));
        assert_eq!((cancelled.state, cancelled.completion_pct), (PrinterState::Idle, Some(0.0)));
        let fresh = reading_of(&status("ready", "standby", 0.0));
        assert_eq!(
            (fresh.state, fresh.completion_pct, fresh.message.as_str()),
            (PrinterState::Idle, None, "Ready")
        );

        let mut failed = status("ready", "error", 0.4);
        failed["print_stats"]["message"] = "Error on 'G1 X900': Move out of range".into();
        let failed = reading_of(&failed);
        assert_eq!((failed.state, failed.completion_pct), (PrinterState::Stopped, Some(40.0)));
        assert_eq!(failed.message, "Error on 'G1 X900': Move out of range");

        let mut shutdown = status("shutdown", "printing", 0.4);
        shutdown["webhooks"]["state_message"] = "Lost communication with MCU 'mcu'".into();
        let shutdown = reading_of(&shutdown);
        assert_eq!(
            (shutdown.state, shutdown.message.as_str()),
            (PrinterState::Error, "Lost communication with MCU 'mcu'")
        );
        let starting = reading_of(&serde_json::json!({ "webhooks": { "state": "startup" } }));
        assert_eq!((starting.state, starting.message.as_str()), (PrinterState::Offline, "Klipper: startup"));
        // Nonsense is read as knowing nothing, never as a print.
        let garbage =
            reading_of(&serde_json::json!({ "webhooks": 7, "virtual_sdcard": { "progress": "x" } }));
        assert_eq!(
            (garbage.state, garbage.completion_pct, garbage.file),
            (PrinterState::Offline, None, None)
        );
        let absurd = reading_of(&status("ready", "printing", 7.0));
        assert_eq!(absurd.completion_pct, Some(100.0));
    }
}
