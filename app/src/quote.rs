//! Pricing a model in the browser: upload it, see the instant estimate at
//! once, then the slicer's exact figures as they come.

use serde::{Deserialize, Serialize};

use crate::error::AppError;
use crate::job::JobStatus;

/// A quote's price, in integer cents of `currency`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Price {
    pub material_cents: u64,
    pub service_cents: u64,
    pub shipping_cents: u64,
    pub minimum_applied: bool,
    pub total_cents: u64,
    pub currency: String,
}

/// A quote as the pages show it: the same fields `memoreez quote --json`
/// prints and the API returns.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct QuoteSummary {
    /// `prusa-slicer 2.5.0`, or `estimate`.
    pub engine: String,
    pub material: String,
    pub profile: String,
    pub settings: String,
    pub model_g: f64,
    pub support_g: f64,
    pub total_g: f64,
    pub print_time_s: u64,
    pub price: Price,
    pub note: Option<String>,
}

impl QuoteSummary {
    pub fn is_estimate(&self) -> bool {
        self.engine == "estimate"
    }
}

/// Where a quote job is, for its page.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct QuoteProgress {
    pub job_id: String,
    pub file_name: String,
    pub status: JobStatus,
    /// What it is doing, in words ("Generating support material").
    pub stage: String,
    pub percent: u8,
    pub estimate: Option<QuoteSummary>,
    pub quote: Option<QuoteSummary>,
    /// Why it failed, for the person who asked.
    pub error: Option<String>,
    /// Whether the shop takes cards, for the checkout under a shop price.
    #[serde(default)]
    pub card_payments: bool,
}

/// The `done` event's data for a quote job.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct QuoteDone {
    pub quote: QuoteSummary,
}

/// The materials the form offers, as (value, label).
pub const MATERIALS: [(&str, &str); 3] =
    [("pla", "PLA (filament)"), ("petg", "PETG (filament)"), ("resin", "Resin (estimated)")];
/// The price books, as (value, label).
pub const PROFILES: [(&str, &str); 2] = [("shop", "Keepsake shop"), ("lab", "Print lab")];
/// The model files the form takes.
pub const MODEL_EXTENSIONS: [&str; 3] = ["stl", "obj", "3mf"];

/// What the browser can check before sending: a file is chosen and is a
/// model file by its name.
pub fn check_model_file_name(name: &str) -> Result<(), AppError> {
    let invalid = |message: &str| Err(AppError::Invalid { field: "file".into(), message: message.into() });
    if name.trim().is_empty() {
        return invalid("Choose a model file (STL, OBJ or 3MF).");
    }
    let extension = name.rsplit_once('.').map(|(_, e)| e.to_ascii_lowercase()).unwrap_or_default();
    if !MODEL_EXTENSIONS.contains(&extension.as_str()) {
        return invalid("That is not a model file: choose an STL, OBJ or 3MF file.");
    }
    Ok(())
}

/// `12.34` from 1234 cents.
pub fn money(cents: u64) -> String {
    format!("{}.{:02}", cents / 100, cents % 100)
}

/// "about 2 h 05 min", "35 min", "under a minute".
pub fn duration(seconds: u64) -> String {
    let minutes = seconds.div_ceil(60);
    match (minutes / 60, minutes % 60) {
        (0, 0) => "under a minute".into(),
        (0, m) => format!("{m} min"),
        (h, 0) => format!("{h} h"),
        (h, m) => format!("{h} h {m:02} min"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn money_and_durations_read_plainly() {
        assert_eq!(money(0), "0.00");
        assert_eq!(money(1205), "12.05");
        assert_eq!(duration(0), "under a minute");
        assert_eq!(duration(61), "2 min");
        assert_eq!(duration(5400), "1 h 30 min");
        assert_eq!(duration(7200), "2 h");
    }

    #[test]
    fn only_model_files_are_sent() {
        assert!(check_model_file_name("Bust.STL").is_ok());
        assert!(check_model_file_name("a.b.3mf").is_ok());
        for bad in ["", "  ", "photo.png", "stl"] {
            let error = check_model_file_name(bad).unwrap_err();
            assert!(matches!(&error, AppError::Invalid { field, .. } if field == "file"), "{bad}: {error:?}");
        }
    }

    #[test]
    fn a_quote_as_the_api_sends_it_is_read_whole() {
        let json = r#"{"engine":"prusa-slicer 2.5.0","material":"pla","profile":"shop",
            "settings":"printer.ini + pla.ini","model_g":10.5,"support_g":1.25,"total_g":11.75,
            "print_time_s":3600,"price":{"material_cents":35,"service_cents":1200,"shipping_cents":900,
            "minimum_applied":false,"total_cents":2135,"currency":"USD"},"note":null,"gcode":"gcode/x.gcode"}"#;
        let quote: QuoteSummary = serde_json::from_str(json).unwrap();
        assert_eq!(quote.price.total_cents, 2135);
        assert!(!quote.is_estimate());
    }
}
