//! A printer as staff describe it, and the checks it passes before it is
//! kept (`store` writes it).

use app::error::AppError;
use app::lab::PrintMethod;

use crate::printers::keys::KeySource;
use crate::printers::reading::Reading;

/// How staff reach a printer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Connection {
    /// Staff mark each step by hand.
    Manual,
    OctoPrint {
        url: String,
        key: KeySource,
    },
    /// Klipper, through its Moonraker server; `key: None` when Moonraker
    /// trusts the lab's network and asks for none.
    Moonraker {
        url: String,
        key: Option<KeySource>,
    },
}

impl Connection {
    /// How it is stored and named in forms: `manual`, `octoprint` or `moonraker`.
    pub fn kind(&self) -> &'static str {
        match self {
            Connection::Manual => "manual",
            Connection::OctoPrint { .. } => "octoprint",
            Connection::Moonraker { .. } => "moonraker",
        }
    }

    /// The printer server's address; `None` for a printer run by hand.
    pub fn url(&self) -> Option<&str> {
        match self {
            Connection::Manual => None,
            Connection::OctoPrint { url, .. } | Connection::Moonraker { url, .. } => Some(url),
        }
    }

    /// Where its key is read, as stored; `None` when there is none.
    pub fn key_from(&self) -> Option<String> {
        match self {
            Connection::Manual | Connection::Moonraker { key: None, .. } => None,
            Connection::OctoPrint { key, .. } | Connection::Moonraker { key: Some(key), .. } => {
                Some(key.as_text())
            }
        }
    }
}

/// A printer as staff describe it.
#[derive(Clone, Debug, PartialEq)]
pub struct NewPrinter {
    pub name: String,
    pub method: PrintMethod,
    pub build_mm: [f64; 3],
    pub material: String,
    pub colour: String,
    pub connection: Connection,
}

/// A printer and what was last read from it.
#[derive(Clone, Debug, PartialEq)]
pub struct Printer {
    pub id: String,
    pub spec: NewPrinter,
    /// `None` for a manual printer, or one not read yet.
    pub reading: Option<Reading>,
    pub read_at: Option<i64>,
    /// Staff's note while the printer is in maintenance; `None` in service.
    pub maintenance: Option<String>,
    /// Where its camera's still picture is read (`printers::camera`); `None`: no camera.
    pub snapshot_url: Option<String>,
}

#[derive(thiserror::Error, Debug)]
pub enum PrinterError {
    #[error("{message}")]
    Invalid { field: &'static str, message: String },
    #[error("There is already a printer called {0:?}.")]
    NameTaken(String),
    #[error("There is no such printer (was it removed?).")]
    NotFound,
    /// A change that would lose track of a print under way.
    #[error("{0}")]
    Busy(String),
    #[error(transparent)]
    Database(#[from] sqlx::Error),
}

impl From<PrinterError> for AppError {
    fn from(error: PrinterError) -> Self {
        match error {
            PrinterError::Invalid { field, message } => AppError::Invalid { field: field.into(), message },
            PrinterError::NameTaken(_) => {
                AppError::Conflict { field: "name".into(), message: error.to_string() }
            }
            PrinterError::NotFound => AppError::NotFound,
            PrinterError::Busy(message) => AppError::Conflict { field: "printer".into(), message },
            PrinterError::Database(error) => crate::platform::app_error::database(error),
        }
    }
}

fn invalid(field: &'static str, message: impl Into<String>) -> PrinterError {
    PrinterError::Invalid { field, message: message.into() }
}

/// The biggest build volume side we take, mm: larger is a typing mistake.
const MAX_SIDE_MM: f64 = 2000.0;

impl NewPrinter {
    /// The same printer with its text trimmed, or what is wrong with it.
    pub fn checked(mut self) -> Result<NewPrinter, PrinterError> {
        for (field, text, most) in [
            ("name", &mut self.name, 60),
            ("material", &mut self.material, 40),
            ("colour", &mut self.colour, 40),
        ] {
            *text = text.trim().to_string();
            if text.is_empty() || text.chars().count() > most {
                return Err(invalid(field, format!("Give the printer's {field} (1 to {most} characters).")));
            }
        }
        if !self.build_mm.iter().all(|side| side.is_finite() && (10.0..=MAX_SIDE_MM).contains(side)) {
            return Err(invalid("build_mm", "Each side of the build volume must be 10 to 2000 mm."));
        }
        if let Connection::OctoPrint { url, .. } | Connection::Moonraker { url, .. } = &mut self.connection {
            *url = url.trim().trim_end_matches('/').to_string();
            // An address with a host, nothing before it or after its path
            // ("http://ftp://x" or one with a password in it is a slip).
            let parsed = url::Url::parse(url).ok().filter(|parsed| {
                matches!(parsed.scheme(), "http" | "https")
                    && parsed.host_str().is_some_and(|host| !host.is_empty())
                    && parsed.username().is_empty()
                    && parsed.password().is_none()
                    && parsed.query().is_none()
                    && parsed.fragment().is_none()
                    && !parsed.path().contains("//")
                    && !parsed.path().contains(':')
                    && crate::platform::outbound::host_allowed(parsed)
            });
            if parsed.is_none() || url.len() > 300 || url.contains(char::is_whitespace) {
                return Err(invalid(
                    "server_url",
                    "The printer server's address is like http://printer-1.lab:5000 (OctoPrint) \
                     or http://voron.lab:7125 (Moonraker).",
                ));
            }
        }
        Ok(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn printer() -> NewPrinter {
        NewPrinter {
            name: "  Prusa MK4 #1 ".into(),
            method: PrintMethod::Filament,
            build_mm: [250.0, 210.0, 220.0],
            material: "PLA".into(),
            colour: "Black".into(),
            connection: Connection::OctoPrint {
                url: "http://printer-1.lab:5000/".into(),
                key: KeySource::Env("MEMOREEZ_PRINTER_1_KEY".into()),
            },
        }
    }

    #[test]
    fn a_printer_is_checked_and_trimmed() {
        let checked = printer().checked().unwrap();
        assert_eq!(checked.name, "Prusa MK4 #1");
        assert_eq!(
            checked.connection,
            Connection::OctoPrint {
                url: "http://printer-1.lab:5000".into(),
                key: KeySource::Env("MEMOREEZ_PRINTER_1_KEY".into())
            }
        );
        let mut no_name = printer();
        no_name.name = "   ".into();
        assert!(matches!(no_name.checked(), Err(PrinterError::Invalid { field: "name", .. })));
        let mut huge = printer();
        huge.build_mm[2] = 20_000.0;
        assert!(matches!(huge.checked(), Err(PrinterError::Invalid { field: "build_mm", .. })));
        let mut nan = printer();
        nan.build_mm[0] = f64::NAN;
        assert!(matches!(nan.checked(), Err(PrinterError::Invalid { field: "build_mm", .. })));
        for slip in [
            "ftp://x",
            "http://ftp://x",
            "http://",
            "http://user:pw@mk4:5000",
            "http://mk4:5000/?a=1",
            "mk4:5000",
        ] {
            let mut bad = printer();
            bad.connection = Connection::OctoPrint { url: slip.into(), key: KeySource::Env("K".into()) };
            assert!(
                matches!(bad.checked(), Err(PrinterError::Invalid { field: "server_url", .. })),
                "{slip}"
            );
        }
        for inward in ["http://169.254.169.254", "http://[fe80::1]:5000", "http://metadata.google.internal"] {
            let mut bad = printer();
            bad.connection = Connection::OctoPrint { url: inward.into(), key: KeySource::Env("K".into()) };
            assert!(
                matches!(bad.checked(), Err(PrinterError::Invalid { field: "server_url", .. })),
                "{inward}"
            );
        }
        // Klipper's Moonraker: the same rules for its address; a key is optional.
        let mut voron = printer();
        voron.connection = Connection::Moonraker { url: " http://voron.lab:7125/ ".into(), key: None };
        let voron = voron.checked().unwrap();
        assert_eq!(
            voron.connection,
            Connection::Moonraker { url: "http://voron.lab:7125".into(), key: None }
        );
        assert_eq!((voron.connection.kind(), voron.connection.key_from()), ("moonraker", None));
        let mut inward = printer();
        inward.connection = Connection::Moonraker { url: "http://169.254.169.254".into(), key: None };
        assert!(matches!(inward.checked(), Err(PrinterError::Invalid { field: "server_url", .. })));
        for fine in ["http://127.0.0.1:5000", "https://lab.example/octoprint/"] {
            let mut good = printer();
            good.connection = Connection::OctoPrint { url: fine.into(), key: KeySource::Env("K".into()) };
            assert!(good.checked().is_ok(), "{fine}");
        }
    }
}
