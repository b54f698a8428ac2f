//! The instant estimate a student sees before submitting: the model read
//! as a submission reads it, its grams and hours by the shape-only
//! estimate, priced by the lab's price book for the copies asked, and plain
//! warnings — too big for every printer of that method, walls too thin,
//! supports needed. Nothing is kept.

use std::sync::atomic::AtomicBool;

use app::error::AppError;
use app::lab::{LabEstimate, MAX_COPIES, PrintMethod};
use slicing::quote::Engine;

use crate::lab::LabContext;
use crate::lab::submissions::{LabError, material};
use crate::platform::model_file::{ModelFile, UnusableModel, read_model};

/// The thinnest wall worth printing, mm: two filament lines; resin prints finer.
fn min_wall_mm(method: PrintMethod) -> f64 {
    match method {
        PrintMethod::Filament => 0.8,
        PrintMethod::Resin => 0.5,
    }
}

/// Thin walls smaller than this are a detail, not a warning, mm².
const THIN_AREA_MM2: f64 = 1.0;
/// Supports lighter than this are not worth a word, g.
const SUPPORT_G: f64 = 0.5;

/// The estimate of `file` printed by `method`, `copies` times; `volumes`:
/// the build volumes (x, y, z mm) of the lab's printers of that method.
pub async fn estimate(
    cx: &LabContext,
    file: ModelFile,
    method: PrintMethod,
    copies: u32,
    volumes: Vec<[f64; 3]>,
) -> Result<LabEstimate, LabError> {
    if !(1..=MAX_COPIES).contains(&copies) {
        return Err(LabError::Invalid(AppError::Invalid {
            field: "copies".into(),
            message: format!("Ask for 1 to {MAX_COPIES} copies."),
        }));
    }
    let limits = cx.config.model_limits();
    let book = cx.config.lab.clone();
    let (currency, filament) = (book.currency.clone(), material(method));
    let ModelFile { file_name, bytes } = file;
    let measured = cx
        .mesh_work
        .run(move || -> Result<_, UnusableModel> {
            let mesh = read_model(&file_name, &bytes, &limits)?;
            let never = AtomicBool::new(false);
            let quiet: (&AtomicBool, slicing::prusa::Progress<'_>) = (&never, &|_, _| {});
            let (quote, _) = slicing::quote::quote(
                &mesh,
                filament,
                ("lab", &book),
                Engine::Estimate,
                &slicing::prusa::PrusaSlicer::default(),
                quiet,
            )
            .map_err(|e| UnusableModel(e.to_string()))?;
            let [min, max] = geometry::analysis::bounding_box(&mesh);
            let thin = geometry::thickness::thin_walls(&mesh, min_wall_mm(method)).area_mm2;
            let price = book.price(filament, quote.total_g * f64::from(copies));
            Ok((quote, [max[0] - min[0], max[1] - min[1], max[2] - min[2]], thin, price))
        })
        .await
        .map_err(|e| LabError::Crashed(e.to_string()))?
        .map_err(|UnusableModel(reason)| LabError::File(reason))?;
    let (quote, size_mm, thin_mm2, price) = measured;
    let fits = (!volumes.is_empty()).then(|| volumes.iter().any(|volume| fits_in(size_mm, *volume)));
    let mut warnings = Vec::new();
    let [x, y, z] = size_mm;
    if fits == Some(false) {
        warnings.push(format!(
            "At {x:.0} × {y:.0} × {z:.0} mm it is too big for every {} printer in the lab: scale it down or split it.",
            method.label()
        ));
    }
    if thin_mm2 > THIN_AREA_MM2 {
        warnings.push(format!(
            "Some walls are thinner than {} mm ({thin_mm2:.0} mm² of them): they may not print.",
            min_wall_mm(method)
        ));
    }
    if quote.support_g > SUPPORT_G {
        warnings.push(format!(
            "It needs supports (about {:.0} g of each copy), which leave marks where they touch.",
            quote.support_g
        ));
    }
    let copies_f = f64::from(copies);
    Ok(LabEstimate {
        copies,
        weight_g: quote.total_g * copies_f,
        support_g: quote.support_g * copies_f,
        print_hours: quote.print_time_s as f64 * copies_f / 3600.0,
        price_cents: price.total_cents,
        currency,
        size_mm,
        fits,
        warnings,
    })
}

/// Whether a model of `size` fits a build `volume`, turned a quarter on the
/// bed if need be.
fn fits_in(size: [f64; 3], volume: [f64; 3]) -> bool {
    let flat =
        (size[0] <= volume[0] && size[1] <= volume[1]) || (size[1] <= volume[0] && size[0] <= volume[1]);
    flat && size[2] <= volume[2]
}

#[cfg(test)]
mod tests {
    use super::fits_in;

    #[test]
    fn a_model_fits_as_it_is_or_turned_a_quarter() {
        let mk4 = [250.0, 210.0, 220.0];
        assert!(fits_in([240.0, 200.0, 10.0], mk4));
        assert!(fits_in([200.0, 240.0, 10.0], mk4), "turned a quarter");
        assert!(!fits_in([240.0, 240.0, 10.0], mk4));
        assert!(!fits_in([10.0, 10.0, 221.0], mk4));
    }
}
