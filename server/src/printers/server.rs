//! A printer's server, whichever kind the lab runs beside it: OctoPrint or
//! Moonraker (Klipper). The rest of the lab reads, sends and cancels
//! through [`PrinterServer`] and never asks which.

use std::time::Duration;

use serde_json::Value;

use crate::platform::outbound::{self, OutboundError};
use crate::printers::moonraker::{Moonraker, MoonrakerError};
use crate::printers::octoprint::{OctoPrint, OctoPrintError};
use crate::printers::reading::Reading;
use crate::printers::spec::Connection;

/// A client for one printer's server.
#[derive(Clone, Debug)]
pub enum PrinterServer {
    OctoPrint(OctoPrint),
    Moonraker(Moonraker),
}

/// What went wrong, naming the server.
#[derive(thiserror::Error, Debug)]
pub enum ServerError {
    #[error(transparent)]
    OctoPrint(#[from] OctoPrintError),
    #[error(transparent)]
    Moonraker(#[from] MoonrakerError),
}

impl PrinterServer {
    /// The client for a printer reached through `connection`: `Ok(None)` for
    /// one run by hand, `Err` with why when its API key cannot be read.
    pub fn of(connection: &Connection, keys_dir: &std::path::Path) -> Result<Option<PrinterServer>, String> {
        Ok(match connection {
            Connection::Manual => None,
            Connection::OctoPrint { url, key } => {
                Some(PrinterServer::OctoPrint(OctoPrint::new(url, &key.read(keys_dir)?)))
            }
            Connection::Moonraker { url, key } => {
                let key = key.as_ref().map(|key| key.read(keys_dir)).transpose()?;
                Some(PrinterServer::Moonraker(Moonraker::new(url, key.as_deref())))
            }
        })
    }

    /// The server's name, as staff know it.
    pub fn name(&self) -> &'static str {
        match self {
            PrinterServer::OctoPrint(_) => "OctoPrint",
            PrinterServer::Moonraker(_) => "Moonraker",
        }
    }

    /// What the printer is doing now.
    pub async fn read(&self) -> Result<Reading, ServerError> {
        Ok(match self {
            PrinterServer::OctoPrint(server) => server.read().await?,
            PrinterServer::Moonraker(server) => server.read().await?,
        })
    }

    /// Uploads `gcode` as `file_name` and starts printing it.
    pub async fn print(&self, file_name: &str, gcode: &[u8]) -> Result<(), ServerError> {
        match self {
            PrinterServer::OctoPrint(server) => server.print(file_name, gcode).await?,
            PrinterServer::Moonraker(server) => server.print(file_name, gcode).await?,
        }
        Ok(())
    }

    /// Cancels the print under way.
    pub async fn cancel(&self) -> Result<(), ServerError> {
        match self {
            PrinterServer::OctoPrint(server) => server.cancel().await?,
            PrinterServer::Moonraker(server) => server.cancel().await?,
        }
        Ok(())
    }

    /// Where the printer's camera serves a still picture, as the server's
    /// own settings name it (maybe a path on the server's host).
    pub async fn snapshot_url(&self) -> Result<Option<String>, ServerError> {
        Ok(match self {
            PrinterServer::OctoPrint(server) => server.snapshot_url().await?,
            PrinterServer::Moonraker(server) => server.snapshot_url().await?,
        })
    }
}

/// Answers are small JSON documents; anything bigger is not a printer server's.
const MAX_ANSWER_BYTES: usize = 1 << 20;

/// What went wrong with a call, before each client puts it in its own words.
#[derive(Debug)]
pub(crate) enum Failure {
    Unreachable(OutboundError),
    /// 401 or 403.
    KeyRefused(u16),
    Refused(u16),
    /// Too big, or not JSON.
    Unreadable,
}

/// Sends `request` to the printer server at `base` and reads its JSON
/// answer, at most [`MAX_ANSWER_BYTES`]; an empty body (a `204` for a command
/// taken) is `Value::Null`. Shared by the OctoPrint and Moonraker clients.
pub(crate) async fn answer(request: reqwest::RequestBuilder, base: &str) -> Result<Value, Failure> {
    let response = outbound::send(request, base).await.map_err(Failure::Unreachable)?;
    let status = response.status();
    if status == reqwest::StatusCode::FORBIDDEN || status == reqwest::StatusCode::UNAUTHORIZED {
        return Err(Failure::KeyRefused(status.as_u16()));
    }
    if !status.is_success() {
        return Err(Failure::Refused(status.as_u16()));
    }
    let bytes = outbound::read_capped(response, MAX_ANSWER_BYTES).await.map_err(|error| match error {
        OutboundError::TooLarge(_) => Failure::Unreadable,
        other => Failure::Unreachable(other),
    })?;
    if bytes.is_empty() {
        return Ok(Value::Null);
    }
    serde_json::from_slice(&bytes).map_err(|_| Failure::Unreadable)
}

/// One client (and its pool of connections) for every printer server: the
/// poller makes a client per printer every round.
pub(crate) fn http() -> reqwest::Client {
    static HTTP: std::sync::OnceLock<reqwest::Client> = std::sync::OnceLock::new();
    // An upload of a large G-code file over a slow lab network takes a while.
    HTTP.get_or_init(|| outbound::client(Duration::from_secs(120))).clone()
}

/// A G-code upload as `multipart/form-data`: its content type and body, the
/// file as `file` and then each of `fields`. Written by hand because it is
/// one fixed shape (reqwest's multipart feature would add a dependency for it).
pub(crate) fn upload_body(file_name: &str, gcode: &[u8], fields: &[(&str, &str)]) -> (String, Vec<u8>) {
    let boundary = format!("memoreez-{:016x}", rand::random::<u64>());
    let name = file_name.replace(['"', '\r', '\n'], "_");
    let mut body = Vec::with_capacity(gcode.len() + 512);
    body.extend(
        format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\n\
             Content-Type: application/octet-stream\r\n\r\n"
        )
        .bytes(),
    );
    body.extend_from_slice(gcode);
    for (field, value) in fields {
        body.extend(
            format!("\r\n--{boundary}\r\nContent-Disposition: form-data; name=\"{field}\"\r\n\r\n{value}")
                .bytes(),
        );
    }
    body.extend(format!("\r\n--{boundary}--\r\n").bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}
