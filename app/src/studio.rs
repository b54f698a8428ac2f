//! The studio: the model on a pedestal with engraved words, its settings
//! kept on the creation, and the exact price of exactly that keepsake.
//!
//! The settings travel as [`StudioSettings`] (flat, so a plain HTML form can
//! post them) and become the geometry kernel's `KeepsakeSpec`, the one
//! description of the shape that both the browser's preview and the
//! server's rebuild are made from.

use geometry::keepsake::{
    DEPTH_MM, KeepsakeSpec, MARGIN_MM, MODEL_HEIGHT_MM, PEDESTAL_HEIGHT_MM, TextFinish,
};
use geometry::pedestal::{Pedestal, PedestalShape};
use serde::{Deserialize, Serialize};

use crate::error::AppError;
use crate::quote::QuoteProgress;

/// Letters' capital height, mm: smaller ones do not print legibly.
pub const LETTER_HEIGHT_MM: (f64, f64) = (3.0, 20.0);
/// Characters on one engraved line.
pub const LINE_MAX_CHARS: usize = 40;

/// The studio's controls, as the form sends them.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StudioSettings {
    pub shape: PedestalShape,
    pub pedestal_height_mm: f64,
    pub margin_mm: f64,
    pub line1: String,
    pub line2: String,
    pub letter_height_mm: f64,
    pub finish: TextFinish,
    pub depth_mm: f64,
    /// The model's height above the pedestal; scales the model only.
    pub model_height_mm: f64,
}

impl StudioSettings {
    /// The defaults for a model of this height: the kernel's pedestal, no words.
    pub fn for_model(model_height_mm: f64) -> StudioSettings {
        StudioSettings::from_spec(&KeepsakeSpec::default(), model_height_mm)
    }

    /// The settings a saved spec stands for (`model_height_mm` when the spec keeps the model's size).
    pub fn from_spec(spec: &KeepsakeSpec, model_height_mm: f64) -> StudioSettings {
        let line = |i: usize| spec.text.get(i).cloned().unwrap_or_default();
        StudioSettings {
            shape: spec.pedestal.shape,
            pedestal_height_mm: spec.pedestal.height_mm,
            margin_mm: spec.pedestal.margin_mm,
            line1: line(0),
            line2: line(1),
            letter_height_mm: spec.letter_height_mm,
            finish: spec.finish,
            depth_mm: spec.depth_mm,
            // To the tenth of a millimetre, a value the form's field takes as it is.
            model_height_mm: spec.model_height_mm.unwrap_or((model_height_mm * 10.0).round() / 10.0),
        }
    }

    /// The settings a form holds, read by field name (`settings[shape]`, …);
    /// `None` while a field is not a number or a known choice yet, as when
    /// the customer is halfway through typing one.
    pub fn from_fields(field: impl Fn(&str) -> Option<String>) -> Option<StudioSettings> {
        let text = |name: &str| field(&format!("settings[{name}]"));
        let number = |name: &str| text(name)?.trim().parse::<f64>().ok();
        let choice = |name: &str| text(name).map(serde_json::Value::String);
        Some(StudioSettings {
            shape: serde_json::from_value(choice("shape")?).ok()?,
            pedestal_height_mm: number("pedestal_height_mm")?,
            margin_mm: number("margin_mm")?,
            line1: text("line1").unwrap_or_default(),
            line2: text("line2").unwrap_or_default(),
            letter_height_mm: number("letter_height_mm")?,
            finish: serde_json::from_value(choice("finish")?).ok()?,
            depth_mm: number("depth_mm")?,
            model_height_mm: number("model_height_mm")?,
        })
    }

    /// The kernel's spec, or the first setting that is out of bounds, named
    /// by its form field. The same check runs in the browser and on the server.
    pub fn to_spec(&self) -> Result<KeepsakeSpec, AppError> {
        let ranges = [
            ("pedestal_height_mm", "The pedestal's height", self.pedestal_height_mm, PEDESTAL_HEIGHT_MM),
            ("margin_mm", "The pedestal's margin", self.margin_mm, MARGIN_MM),
            ("letter_height_mm", "The letters' height", self.letter_height_mm, LETTER_HEIGHT_MM),
            ("depth_mm", "The engraving depth", self.depth_mm, DEPTH_MM),
            ("model_height_mm", "The model's height", self.model_height_mm, MODEL_HEIGHT_MM),
        ];
        for (field, name, value, (min, max)) in ranges {
            // `contains` is false for NaN too.
            if !(min..=max).contains(&value) {
                return Err(invalid(field, format!("{name} must be between {min} and {max} mm.")));
            }
        }
        let mut text = Vec::new();
        for (field, line) in [("line1", &self.line1), ("line2", &self.line2)] {
            let line = line.trim();
            if line.chars().count() > LINE_MAX_CHARS {
                return Err(invalid(field, format!("A line holds at most {LINE_MAX_CHARS} characters.")));
            }
            if line.chars().any(char::is_control) {
                return Err(invalid(field, "A line cannot hold control characters.".into()));
            }
            if !line.is_empty() {
                text.push(line.to_string());
            }
        }
        Ok(KeepsakeSpec {
            pedestal: Pedestal {
                shape: self.shape,
                height_mm: self.pedestal_height_mm,
                margin_mm: self.margin_mm,
            },
            text,
            finish: self.finish,
            letter_height_mm: self.letter_height_mm,
            depth_mm: self.depth_mm,
            model_height_mm: Some(self.model_height_mm),
        })
    }
}

fn invalid(field: &str, message: String) -> AppError {
    AppError::Invalid { field: field.into(), message }
}

/// What the studio page shows.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StudioView {
    pub creation_id: String,
    pub title: String,
    /// The model's STL and picture; `None` while it is still being made.
    pub model_url: Option<String>,
    pub thumbnail_url: Option<String>,
    /// The model's own height, mm (what "model height" starts at).
    pub model_height_mm: f64,
    pub settings: StudioSettings,
    /// The latest exact price asked for, if the settings have not changed since.
    pub quote: Option<QuoteProgress>,
    /// The printer's build volume, x × y × z mm: the plate drawn and the
    /// "larger than the printer" warning.
    pub build_volume_mm: [f64; 3],
    /// What the shop charges, for the instant estimate.
    pub rates: ShopRates,
    /// Whether the shop takes cards online (Stripe); otherwise orders are paid at pickup.
    pub card_payments: bool,
}

/// The shop's price book as far as the instant estimate needs it. The total
/// is worked out exactly as the server's `PriceBook::price` does (a server
/// test holds them together), so estimate and exact price differ only by
/// the grams.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ShopRates {
    pub filament_cents_per_kg: u64,
    pub service_cents: u64,
    pub shipping_cents: u64,
    pub minimum_cents: u64,
    pub currency: String,
}

impl ShopRates {
    /// Total price in cents for `grams` of filament (model and supports).
    pub fn total_cents(&self, grams: f64) -> u64 {
        let milligrams = (grams.max(0.0) * 1000.0).round() as u64;
        let material_cents = (milligrams * self.filament_cents_per_kg + 500_000) / 1_000_000;
        (material_cents + self.service_cents + self.shipping_cents).max(self.minimum_cents)
    }
}

/// An exact price on its way for one keepsake.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PricedKeepsake {
    /// The quote job: follow it at `/api/jobs/{job_id}/events`.
    pub job_id: String,
    /// SHA-256 (hex) of the keepsake's binary STL as the server built it:
    /// the browser's preview of the same settings must give the same.
    pub mesh_sha256: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_form_reads_back_as_its_settings_and_half_typed_numbers_wait() {
        let settings = StudioSettings { line1: "Anna".into(), ..StudioSettings::for_model(64.0) };
        let fields = serde_json::to_value(&settings).unwrap();
        let read = |fields: &serde_json::Value| {
            StudioSettings::from_fields(|name| {
                let key = name.strip_prefix("settings[")?.strip_suffix(']')?;
                Some(match &fields[key] {
                    serde_json::Value::String(text) => text.clone(),
                    other => other.to_string(),
                })
            })
        };
        assert_eq!(read(&fields), Some(settings));
        for (field, value) in [("depth_mm", "0."), ("depth_mm", ""), ("shape", "oval")] {
            let mut half = fields.clone();
            half[field] = serde_json::Value::String(value.into());
            assert_eq!(
                read(&half).map(|_| ()),
                if value == "0." { Some(()) } else { None },
                "{field}={value:?}"
            );
        }
    }

    #[test]
    fn settings_and_spec_say_the_same() {
        let mut settings = StudioSettings::for_model(80.0);
        settings.line1 = "  Grandpa Joe ".into();
        settings.shape = PedestalShape::Hex;
        let spec = settings.to_spec().unwrap();
        assert_eq!(spec.text, ["Grandpa Joe"]);
        assert_eq!(spec.model_height_mm, Some(80.0));
        let back = StudioSettings::from_spec(&spec, 80.0);
        assert_eq!(back.line1, "Grandpa Joe");
        assert_eq!(back.shape, PedestalShape::Hex);
    }

    #[test]
    fn out_of_range_settings_name_their_field() {
        type Change = fn(&mut StudioSettings);
        let cases: [(Change, &str); 5] = [
            (|s| s.depth_mm = 9.0, "depth_mm"),
            (|s| s.pedestal_height_mm = f64::NAN, "pedestal_height_mm"),
            (|s| s.letter_height_mm = 1.0, "letter_height_mm"),
            (|s| s.model_height_mm = 1.0, "model_height_mm"),
            (|s| s.line2 = "x".repeat(41), "line2"),
        ];
        for (change, field) in cases {
            let mut settings = StudioSettings::for_model(80.0);
            change(&mut settings);
            match settings.to_spec() {
                Err(AppError::Invalid { field: got, .. }) => assert_eq!(got, field),
                other => panic!("{field}: {other:?}"),
            }
        }
    }
}
