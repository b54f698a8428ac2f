//! What a printer is doing, in the lab's words, whichever printer server
//! (OctoPrint, Moonraker) it was read from.

use serde::{Deserialize, Serialize};

/// What a printer is doing.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PrinterState {
    /// Its server does not answer, or the printer is not connected to it.
    Offline,
    /// Connected and not printing: it can take a job.
    Idle,
    Printing,
    Paused,
    /// Free, but its last print stopped with an error (the reading's message
    /// says which). Klipper reports this after an error in a file it
    /// printed and takes a new file at once; OctoPrint has no such state
    /// (an error there is the printer's, `Error`).
    Stopped,
    /// The printer reported an error; the reading's message says which.
    Error,
}

impl PrinterState {
    pub fn name(self) -> &'static str {
        match self {
            PrinterState::Offline => "offline",
            PrinterState::Idle => "idle",
            PrinterState::Printing => "printing",
            PrinterState::Paused => "paused",
            PrinterState::Stopped => "stopped",
            PrinterState::Error => "error",
        }
    }

    /// The state [`name`](Self::name) gives, as stored.
    pub fn parse(name: &str) -> Option<PrinterState> {
        [
            PrinterState::Offline,
            PrinterState::Idle,
            PrinterState::Printing,
            PrinterState::Paused,
            PrinterState::Stopped,
            PrinterState::Error,
        ]
        .into_iter()
        .find(|state| state.name() == name)
    }
}

/// One look at the printer.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Reading {
    pub state: PrinterState,
    /// How far the current (or last) file is, 0–100.
    pub completion_pct: Option<f64>,
    /// The printer server's estimate of the time left, seconds.
    pub time_left_s: Option<i64>,
    /// The file it is on (or last printed).
    pub file: Option<String>,
    /// The server's own words for the state (an error's text when there is one).
    pub message: String,
}

impl Reading {
    /// Offline, with why it could not be read.
    pub fn offline(message: String) -> Reading {
        Reading { state: PrinterState::Offline, completion_pct: None, time_left_s: None, file: None, message }
    }
}

/// The longest print we believe: a month. A printer that says more (or a
/// server answering nonsense, 10^15 s) is read as not knowing.
const MOST_SECONDS_LEFT: f64 = 31.0 * 24.0 * 3600.0;

/// A printer server's time left, if it is believable.
pub(crate) fn seconds_left(seconds: f64) -> Option<i64> {
    (seconds.is_finite() && seconds <= MOST_SECONDS_LEFT).then(|| seconds.max(0.0).round() as i64)
}

/// At most `most` characters of a printer's text, without control characters.
pub(crate) fn short(text: &str, most: usize) -> String {
    text.chars().filter(|c| !c.is_control()).take(most).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn absurd_numbers_are_not_believed() {
        assert_eq!(seconds_left(95.4), Some(95));
        assert_eq!(seconds_left(-3.0), Some(0));
        assert_eq!(seconds_left(1e15), None);
        assert_eq!(seconds_left(f64::NAN), None);
        assert_eq!(short("Error:\u{1b}[31m boom", 9), "Error:[31");
    }

    #[test]
    fn each_state_is_stored_by_its_name() {
        for name in ["offline", "idle", "printing", "paused", "stopped", "error"] {
            assert_eq!(PrinterState::parse(name).map(PrinterState::name), Some(name));
        }
        assert_eq!(PrinterState::parse("manual"), None);
    }
}
