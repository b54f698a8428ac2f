//! Quotes: grams and print time from the slicer (or the instant estimate),
//! priced from a price book in integer cents, with everything recorded that
//! explains the price and re-creates it.

use std::sync::atomic::AtomicBool;

use serde::{Deserialize, Serialize};

use geometry::Mesh;
use geometry::estimate::{PrintSettings, estimate};

use crate::gcode::grams;
use crate::material::Material;
use crate::prusa::{Progress, PrusaSlicer, Slice, SliceError};

/// Prices, in integer cents of `currency`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default, deny_unknown_fields)]
pub struct PriceBook {
    /// Per kilogram of filament (model + support), so a rate may be a fraction of a cent per gram.
    pub filament_cents_per_kg: u64,
    pub resin_cents_per_kg: u64,
    pub service_cents: u64,
    pub shipping_cents: u64,
    /// The least an order costs.
    pub minimum_cents: u64,
    /// Print time is shown rounded UP to a multiple of this (0: as sliced).
    pub time_step_s: u64,
    pub currency: String,
}

impl PriceBook {
    /// Keepsakes sold online: $0.03/g, $12.00 service, $9.00 shipping.
    pub fn shop() -> PriceBook {
        PriceBook {
            filament_cents_per_kg: 3_000,
            resin_cents_per_kg: 3_000,
            service_cents: 1_200,
            shipping_cents: 900,
            minimum_cents: 0,
            time_step_s: 0,
            currency: "USD".into(),
        }
    }

    /// The print lab: filament $0.10/g, resin $0.20/g, $3.00 minimum, time
    /// in half hours rounded up.
    pub fn lab() -> PriceBook {
        PriceBook {
            filament_cents_per_kg: 10_000,
            resin_cents_per_kg: 20_000,
            service_cents: 0,
            shipping_cents: 0,
            minimum_cents: 300,
            time_step_s: 1_800,
            currency: "USD".into(),
        }
    }

    /// Prices `total_g` of `material`. Material cents are rounded half up
    /// from whole milligrams, so the arithmetic is exact.
    pub fn price(&self, material: Material, total_g: f64) -> Price {
        let rate = match material {
            Material::Pla | Material::Petg => self.filament_cents_per_kg,
            Material::Resin => self.resin_cents_per_kg,
        };
        let milligrams = (total_g.max(0.0) * 1000.0).round() as u64;
        let material_cents = (milligrams * rate + 500_000) / 1_000_000;
        let subtotal = material_cents + self.service_cents + self.shipping_cents;
        Price {
            material_cents,
            service_cents: self.service_cents,
            shipping_cents: self.shipping_cents,
            minimum_applied: subtotal < self.minimum_cents,
            total_cents: subtotal.max(self.minimum_cents),
            currency: self.currency.clone(),
        }
    }

    /// The print time as this book shows it.
    pub fn shown_time_s(&self, seconds: u64) -> u64 {
        match self.time_step_s {
            0 => seconds,
            step => seconds.div_ceil(step) * step,
        }
    }
}

impl Default for PriceBook {
    fn default() -> Self {
        PriceBook::shop()
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Price {
    pub material_cents: u64,
    pub service_cents: u64,
    pub shipping_cents: u64,
    pub minimum_applied: bool,
    pub total_cents: u64,
    pub currency: String,
}

/// Which way grams and time are found.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum Engine {
    /// PrusaSlicer when it is installed and the material is filament, else the estimate.
    Auto,
    Estimate,
    Prusa,
}

impl std::str::FromStr for Engine {
    type Err = String;

    fn from_str(name: &str) -> Result<Self, Self::Err> {
        match name {
            "auto" => Ok(Engine::Auto),
            "estimate" => Ok(Engine::Estimate),
            "prusa" => Ok(Engine::Prusa),
            _ => Err("expected auto, estimate or prusa".into()),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Quote {
    /// `prusa-slicer 2.5.0`, or `estimate`.
    pub engine: String,
    pub material: Material,
    /// The price book's name.
    pub profile: String,
    /// What the grams came from: the slicer's profile files, or the estimate's settings.
    pub settings: String,
    /// Model plastic, skirt included (the slicer's total = model + support).
    pub model_g: f64,
    pub support_g: f64,
    pub total_g: f64,
    /// As the price book shows it (the lab's: rounded up to half hours).
    pub print_time_s: u64,
    pub price: Price,
    /// Anything a reader should know, e.g. that resin grams are estimated.
    pub note: Option<String>,
    /// Where the server keeps this slice's G-code (a storage key), once kept.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub gcode: Option<String>,
}

#[derive(thiserror::Error, Debug)]
pub enum QuoteError {
    #[error(transparent)]
    Slice(#[from] SliceError),
    #[error("cannot write the model for the slicer: {0}")]
    Io(#[from] std::io::Error),
}

/// Print speed the estimate assumes for time, mm³ of plastic a second
/// (PrusaSlicer's estimates for this profile run 2.5–3).
const ESTIMATE_MM3_PER_S: f64 = 2.6;

/// A resin printer's layer and the time one takes (exposure, peel, lift).
const RESIN_LAYER_MM: f64 = 0.05;
const RESIN_SECONDS_PER_LAYER: f64 = 8.0;

/// Quotes a closed, repaired `model` standing as it should print. With the
/// slicer, the slice (its G-code) comes back too, for keeping, and `report`
/// hears the slicer's progress (see [`PrusaSlicer::slice`]).
pub fn quote(
    model: &Mesh,
    material: Material,
    (book_name, book): (&str, &PriceBook),
    engine: Engine,
    slicer: &PrusaSlicer,
    (cancel, report): (&AtomicBool, Progress<'_>),
) -> Result<(Quote, Option<Slice>), QuoteError> {
    // One look at the slicer: whether `auto` can use it, and its name.
    let slicer_name = match engine {
        Engine::Estimate => None,
        Engine::Auto | Engine::Prusa => material.filament_diameter_mm().and_then(|_| slicer.engine_name()),
    };
    let use_slicer = match engine {
        Engine::Prusa => true,
        Engine::Estimate => false,
        Engine::Auto => slicer_name.is_some(),
    };
    let mut kept = None;
    let (engine, settings, model_g, support_g, seconds, note) = if use_slicer {
        let diameter = material.filament_diameter_mm().ok_or(SliceError::NotFilament("resin"))?;
        let folder = tempfile::tempdir()?;
        let stl = folder.path().join("model.stl");
        std::fs::write(&stl, geometry::io::stl::write_binary(model))?;
        let slice = slicer.slice(&stl, material, cancel, report)?;
        let s = slice.summary.clone();
        kept = Some(slice);
        let g = |mm: f64| grams(mm, diameter, material.density_g_cm3());
        (
            slicer_name.unwrap_or_else(|| "prusa-slicer".into()),
            format!("printer.ini + {}", material.profile().unwrap_or_default()),
            g(s.model_mm + s.skirt_mm + s.other_mm),
            g(s.support_mm),
            s.print_time_s.unwrap_or(0),
            None,
        )
    } else {
        let settings = PrintSettings { density_g_cm3: material.density_g_cm3(), ..PrintSettings::default() };
        let e = estimate(model, &settings);
        let (model_g, support_g, note) = match material {
            Material::Resin => {
                // Resin prints solid; supports are thin sticks, a fraction of FDM's.
                let volume = geometry::analyse(model, &Default::default()).volume_mm3;
                let solid = volume * material.density_g_cm3() / 1000.0;
                let support = 0.05 * solid + 0.3 * e.support_g;
                (solid, support, "resin grams are an estimate: volume × 1.12 g/cm³ plus a support allowance")
            }
            _ => {
                (e.model_g, e.support_g, "an instant estimate; the slicer's figures may differ by about 10 %")
            }
        };
        let seconds = match material {
            // A resin printer exposes a whole layer at once: time goes by height.
            Material::Resin => {
                let [min, max] = geometry::analysis::bounding_box(model);
                (max[2] - min[2]) / RESIN_LAYER_MM * RESIN_SECONDS_PER_LAYER
            }
            _ => (model_g + support_g) / material.density_g_cm3() * 1000.0 / ESTIMATE_MM3_PER_S,
        };
        (
            "estimate".to_string(),
            format!(
                "infill {:.0} %, supports past {:.0}°",
                settings.infill * 100.0,
                settings.overhang_angle_deg
            ),
            model_g,
            support_g,
            seconds.round() as u64,
            Some(note.to_string()),
        )
    };
    let round = |g: f64| (g * 100.0).round() / 100.0;
    let (model_g, support_g) = (round(model_g), round(support_g));
    let total_g = round(model_g + support_g);
    let quote = Quote {
        engine,
        material,
        profile: book_name.to_string(),
        settings,
        model_g,
        support_g,
        total_g,
        print_time_s: book.shown_time_s(seconds),
        price: book.price(material, total_g),
        note,
        gcode: None,
    };
    Ok((quote, kept))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shop_prices_grams_plus_service_and_shipping() {
        let price = PriceBook::shop().price(Material::Pla, 123.456);
        // 123.456 g × $0.03 = $3.70368 → 370 cents.
        assert_eq!(
            (price.material_cents, price.service_cents, price.shipping_cents, price.total_cents),
            (370, 1200, 900, 2470)
        );
        assert!(!price.minimum_applied);
        // Half a cent rounds up: 0.5 g × 3 c/g = 1.5 c → 2 c.
        assert_eq!(PriceBook::shop().price(Material::Pla, 0.5).material_cents, 2);
        assert_eq!(PriceBook::shop().price(Material::Pla, 0.49).material_cents, 1);
    }

    #[test]
    fn lab_has_a_minimum_and_dearer_resin() {
        let lab = PriceBook::lab();
        let small = lab.price(Material::Pla, 12.0);
        assert_eq!((small.material_cents, small.total_cents, small.minimum_applied), (120, 300, true));
        let big = lab.price(Material::Petg, 45.678);
        assert_eq!((big.material_cents, big.total_cents, big.minimum_applied), (457, 457, false));
        assert_eq!(lab.price(Material::Resin, 45.678).material_cents, 914);
    }

    #[test]
    fn lab_time_is_rounded_up_to_half_hours() {
        let lab = PriceBook::lab();
        assert_eq!(lab.shown_time_s(1), 1800);
        assert_eq!(lab.shown_time_s(1800), 1800);
        assert_eq!(lab.shown_time_s(1801), 3600);
        assert_eq!(lab.shown_time_s(0), 0);
        assert_eq!(PriceBook::shop().shown_time_s(1801), 1801);
    }
}
