//! The instant estimate: grams of filament for a model and its supports,
//! from its shape alone, shown while the real slice runs.
//!
//! A slicer prints a solid as walls and skins of fixed thickness around a
//! sparse infill. So the model's plastic is about: every face's area times
//! the thickness printed behind it (walls for steep faces, top/bottom skins
//! for flat ones, by how much the face is tilted), the rest of the volume at
//! the infill's fill fraction. Supports are columns under every overhanging
//! face down to the bed, at the support pattern's fill, plus a denser
//! interface just under the face. The constants were calibrated against
//! PrusaSlicer with Memoreez's profile (`slicing/profiles/`) on generated
//! shapes; `slicing/tests/estimate.rs` measures the error every run.

use crate::Mesh;
use crate::vec3::{cross, dot, norm, sub};

/// What the estimate needs to know about the print settings.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct PrintSettings {
    /// Filament density, g/cm³.
    pub density_g_cm3: f64,
    /// The sparse infill's fill fraction (0.15 for 15 %).
    pub infill: f64,
    /// Faces tilted past this from vertical (degrees) get supports.
    pub overhang_angle_deg: f64,
    /// Walls thinner than this (the nozzle's width, mm) print weak or not at all.
    pub min_wall_mm: f64,
}

impl Default for PrintSettings {
    fn default() -> Self {
        PrintSettings { density_g_cm3: 1.24, infill: 0.15, overhang_angle_deg: 45.0, min_wall_mm: 0.4 }
    }
}

/// Calibrated against PrusaSlicer 2.5 (0.4 mm nozzle, 0.2 mm layers, two
/// perimeters, 5 top and 4 bottom layers, supports at 2 mm spacing).
const WALL_MM: f64 = 0.87;
const TOP_MM: f64 = 1.0;
const BOTTOM_MM: f64 = 0.8;
/// Skins printed in the air over supports are bridges, laid thicker.
const BRIDGED_BOTTOM_MM: f64 = 1.35;
/// Extra fill the slicer adds over the nominal infill (overlaps, gap fill).
const INFILL_FACTOR: f64 = 1.0;
/// Fill fraction of the support columns, and the interface under a face.
const SUPPORT_FILL: f64 = 0.15;
const INTERFACE_MM: f64 = 0.6;

/// Estimated grams, split as the slicer splits them.
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Estimate {
    pub model_g: f64,
    pub support_g: f64,
}

/// Estimates a closed, outward-facing mesh standing as it is (lowest point
/// on the bed).
pub fn estimate(mesh: &Mesh, settings: &PrintSettings) -> Estimate {
    let bed = mesh.vertices.iter().map(|v| v[2]).fold(f64::INFINITY, f64::min);
    let overhang_limit = -settings.overhang_angle_deg.to_radians().sin();
    let (mut volume, mut shell, mut support) = (0.0, 0.0, 0.0);
    for &t in &mesh.triangles {
        let [a, b, c] = mesh.corners(t);
        volume += dot(a, cross(b, c));
        let normal = cross(sub(b, a), sub(c, a));
        let twice_area = norm(normal);
        if twice_area == 0.0 {
            continue;
        }
        let (area, nz) = (twice_area / 2.0, normal[2] / twice_area);
        let centre_z = (a[2] + b[2] + c[2]) / 3.0;
        let height = centre_z - bed;
        let supported = nz < overhang_limit && height > 0.2;
        let skin = match (nz > 0.0, supported) {
            (true, _) => TOP_MM,
            (false, true) => BRIDGED_BOTTOM_MM,
            (false, false) => BOTTOM_MM,
        };
        shell += area * (nz.abs() * skin + (1.0 - nz * nz).sqrt() * WALL_MM);
        if supported {
            let footprint = area * -nz;
            support += footprint * (height * SUPPORT_FILL + INTERFACE_MM);
        }
    }
    let volume = (volume / 6.0).max(0.0);
    let shell = shell.min(volume);
    let model = shell + (volume - shell) * (settings.infill * INFILL_FACTOR).min(1.0);
    let grams = |mm3: f64| mm3 * settings.density_g_cm3 / 1000.0;
    Estimate { model_g: grams(model), support_g: grams(support) }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::shapes::cuboid;

    #[test]
    fn a_small_block_is_nearly_solid_and_a_big_one_mostly_infill() {
        let settings = PrintSettings::default();
        let small = estimate(&cuboid([0.0; 3], [2.0, 2.0, 2.0]), &settings);
        assert!((small.model_g - 8.0 * 1.24 / 1000.0).abs() < 1e-12, "all shell: {small:?}");
        let big = estimate(&cuboid([0.0; 3], [100.0; 3]), &settings);
        let solid = 1e6 * 1.24 / 1000.0;
        assert!(big.model_g > 0.15 * solid && big.model_g < 0.3 * solid, "{big:?}");
        assert_eq!(big.support_g, 0.0, "a block needs no support");
    }

    #[test]
    fn an_overhang_gets_support_that_grows_with_its_height() {
        let settings = PrintSettings::default();
        let low = estimate(
            &crate::boolean::union(
                &cuboid([0.0; 3], [5.0, 5.0, 10.0]),
                &cuboid([-10.0, -10.0, 9.0], [25.0, 25.0, 3.0]),
            )
            .unwrap(),
            &settings,
        );
        let high = estimate(
            &crate::boolean::union(
                &cuboid([0.0; 3], [5.0, 5.0, 30.0]),
                &cuboid([-10.0, -10.0, 29.0], [25.0, 25.0, 3.0]),
            )
            .unwrap(),
            &settings,
        );
        assert!(low.support_g > 0.0 && high.support_g > 2.0 * low.support_g, "{low:?} {high:?}");
    }
}
