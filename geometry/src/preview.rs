//! What the studio draws while the customer edits, and what it warns about.
//!
//! The solid booleans take most of a keepsake's build (about 230 of 280 ms
//! for a 50 k-triangle model in wasm32), and they hardly change how it
//! looks: the placed parts drawn together show the same keepsake. So the
//! studio draws [`Preview::of_parts`] as soon as the parts are placed, then
//! [`Preview::of_keepsake`] once the booleans have joined them — the exact
//! solid that will be printed, whose hash the server must match.

use serde::Serialize;

use crate::Mesh;
use crate::estimate::{Estimate, PrintSettings, estimate};
use crate::keepsake::{Keepsake, Parts, TextFinish};
use crate::thickness::thin_walls;
use crate::vec3::{cross, norm, sub};

/// Which part of the keepsake a triangle belongs to (the low bits of a mark).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum Part {
    Model = 0,
    Pedestal = 1,
    Letters = 2,
}

/// Set in a triangle's mark when it faces down steeply enough, away from the
/// bed, to need supports under it.
pub const OVERHANG: u8 = 0b100;

/// Set in a triangle's mark when it lies on a wall thinner than the nozzle
/// (only in the joined keepsake: the parts overlap before the booleans).
pub const THIN: u8 = 0b1000;

/// Less thin surface than this (mm²) is detail the slicer smooths over, not
/// a part that may break: two lines of engraved words leave about 9 mm² of
/// hairline ribs where letters nearly touch, and nobody should be warned
/// about those. (The faces are still tinted.)
const THIN_WORTH_SAYING_MM2: f64 = 25.0;

/// Triangles ready for the GPU plus what the studio shows beside them.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Preview {
    /// Three corners per triangle, x y z each, mm.
    pub positions: Vec<f32>,
    /// One per triangle: its [`Part`], with [`OVERHANG`] and [`THIN`] set on
    /// faces that overhang or lie on a wall too thin to print.
    pub marks: Vec<u8>,
    /// Width, depth and height of the whole keepsake, mm.
    pub size_mm: [f64; 3],
    /// Whether this is the joined solid (true) or the placed parts.
    pub exact: bool,
    /// Surface on walls thinner than the nozzle, mm², and the thinnest wall
    /// (joined keepsake only).
    pub thin_mm2: f64,
    pub thinnest_mm: Option<f64>,
}

impl Preview {
    /// The placed parts, before the booleans. Engraving cutters are left out:
    /// drawn, they would look like raised letters.
    pub fn of_parts(parts: &Parts, settings: &PrintSettings) -> Preview {
        let mut meshes = vec![(&parts.model, Part::Model), (&parts.pedestal, Part::Pedestal)];
        if let (Some(letters), TextFinish::Embossed) = (&parts.letters, parts.finish) {
            meshes.push((letters, Part::Letters));
        }
        Preview::of(&meshes, settings, false)
    }

    /// The joined keepsake, all one part, with its thin walls marked.
    pub fn of_keepsake(keepsake: &Keepsake, settings: &PrintSettings) -> Preview {
        let mut preview = Preview::of(&[(&keepsake.mesh, Part::Pedestal)], settings, true);
        let thin = thin_walls(&keepsake.mesh, settings.min_wall_mm);
        for &triangle in &thin.triangles {
            preview.marks[triangle as usize] |= THIN;
        }
        preview.thin_mm2 = thin.area_mm2;
        preview.thinnest_mm = thin.thinnest_mm;
        preview
    }

    fn of(meshes: &[(&Mesh, Part)], settings: &PrintSettings, exact: bool) -> Preview {
        let triangles: usize = meshes.iter().map(|(mesh, _)| mesh.triangles.len()).sum();
        let (mut low, mut high) = ([f64::INFINITY; 3], [f64::NEG_INFINITY; 3]);
        for (mesh, _) in meshes {
            for v in &mesh.vertices {
                for axis in 0..3 {
                    low[axis] = low[axis].min(v[axis]);
                    high[axis] = high[axis].max(v[axis]);
                }
            }
        }
        let overhang_limit = -settings.overhang_angle_deg.to_radians().sin();
        let mut positions = Vec::with_capacity(triangles * 9);
        let mut marks = Vec::with_capacity(triangles);
        for (mesh, part) in meshes {
            for corners in mesh.triangle_corners() {
                positions.extend(corners.iter().flatten().map(|&c| c as f32));
                marks.push(*part as u8 | overhangs(corners, low[2], overhang_limit));
            }
        }
        let size_mm = match triangles {
            0 => [0.0; 3],
            _ => [high[0] - low[0], high[1] - low[1], high[2] - low[2]],
        };
        Preview { positions, marks, size_mm, exact, thin_mm2: 0.0, thinnest_mm: None }
    }

    /// Whether any triangle needs supports.
    /// A model on its own, as a file was read (every triangle a `Model`
    /// part, overhangs marked): the lab's submission form shows it so.
    pub fn of_model(mesh: &Mesh, settings: &PrintSettings) -> Preview {
        Preview::of(&[(mesh, Part::Model)], settings, false)
    }

    pub fn needs_supports(&self) -> bool {
        self.marks.iter().any(|mark| mark & OVERHANG != 0)
    }
}

/// The same rule the estimate uses: facing down past the overhang angle and
/// not lying on the bed.
fn overhangs(corners: [[f64; 3]; 3], bed: f64, limit: f64) -> u8 {
    let [a, b, c] = corners;
    let normal = cross(sub(b, a), sub(c, a));
    let twice_area = norm(normal);
    let centre_z = (a[2] + b[2] + c[2]) / 3.0;
    match twice_area > 0.0 && normal[2] / twice_area < limit && centre_z - bed > 0.2 {
        true => OVERHANG,
        false => 0,
    }
}

/// How far inside its base a keepsake's centre of mass must sit, mm.
pub const STANCE_MARGIN_MM: f64 = 3.0;

/// The estimate and warnings shown next to the exact keepsake.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Printability {
    pub estimate: Estimate,
    /// Plain-words warnings, most serious first; empty when all is well.
    pub warnings: Vec<String>,
}

/// What the studio says about a keepsake before it is sliced.
pub fn printability(
    keepsake: &Keepsake,
    preview: &Preview,
    settings: &PrintSettings,
    build_volume_mm: [f64; 3],
) -> Printability {
    let mut warnings = Vec::new();
    let [x, y, z] = preview.size_mm;
    let [bx, by, bz] = build_volume_mm;
    if x > bx || y > by || z > bz {
        warnings.push(format!(
            "Larger than the printer: {x:.0} × {y:.0} × {z:.0} mm does not fit its {bx:.0} × {by:.0} × {bz:.0} mm. \
             Make the model smaller."
        ));
    }
    if let Some(thinnest) = preview.thinnest_mm.filter(|_| preview.thin_mm2 >= THIN_WORTH_SAYING_MM2) {
        warnings.push(format!(
            "Walls thinner than the {:.1} mm nozzle (the thinnest {thinnest:.2} mm, about {:.0} mm² of surface, \
             tinted blue): they may print weak, break off or not print at all. Make the model taller or the \
             letters larger.",
            settings.min_wall_mm, preview.thin_mm2
        ));
    }
    // Will it stand? Its weight must sit over its base, with room to spare.
    if let Some(margin) =
        crate::analysis::stance_mm(&keepsake.mesh).filter(|margin| *margin < STANCE_MARGIN_MM)
    {
        warnings.push(format!(
            "It may tip over: its weight sits {} its base's edge (keep it at least {STANCE_MARGIN_MM:.0} mm \
             inside). Choose a wider pedestal margin or a lower model.",
            if margin < 0.0 {
                format!("{:.0} mm outside", -margin)
            } else {
                format!("only {margin:.1} mm inside")
            }
        ));
    }
    if keepsake.repair.changed() {
        warnings.push(format!(
            "Your model was repaired before printing ({}); check it looks right.",
            keepsake.repair.summary()
        ));
    }
    if preview.needs_supports() {
        warnings.push(
            "Parts hang over thin air (tinted in the view): they print on supports, which are removed \
             afterwards and leave a rougher surface there."
                .to_string(),
        );
    }
    Printability { estimate: estimate(&keepsake.mesh, settings), warnings }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::keepsake::{KeepsakeSpec, join, parts};
    use crate::shapes::{cuboid, uv_sphere};
    use crate::text::Font;

    fn spec(text: &[&str], finish: TextFinish) -> KeepsakeSpec {
        KeepsakeSpec { text: text.iter().map(|s| s.to_string()).collect(), finish, ..KeepsakeSpec::default() }
    }

    #[test]
    fn parts_show_the_model_and_pedestal_and_raised_letters_but_not_cutters() {
        let ball = uv_sphere([0.0, 0.0, 10.0], 10.0, 32, 16);
        let settings = PrintSettings::default();
        for (finish, letters) in [(TextFinish::Engraved, 0), (TextFinish::Embossed, 1)] {
            let placed = parts(&ball, &spec(&["ANNA"], finish), &Font::embedded()).unwrap();
            let preview = Preview::of_parts(&placed, &settings);
            let count = |part: Part| preview.marks.iter().filter(|m| *m & 0b11 == part as u8).count();
            assert_eq!(count(Part::Model), placed.model.triangles.len());
            assert_eq!(count(Part::Pedestal), placed.pedestal.triangles.len());
            let expected = letters * placed.letters.as_ref().unwrap().triangles.len();
            assert_eq!(count(Part::Letters), expected, "{finish:?}");
            assert_eq!(preview.positions.len(), preview.marks.len() * 9);
            assert!(!preview.exact);
        }
    }

    #[test]
    fn a_ball_overhangs_underneath_and_a_box_does_not() {
        let settings = PrintSettings::default();
        let placed = parts(
            &uv_sphere([0.0, 0.0, 10.0], 10.0, 32, 16),
            &spec(&[], TextFinish::Engraved),
            &Font::embedded(),
        )
        .unwrap();
        let keepsake = join(placed.clone()).unwrap();
        let exact = Preview::of_keepsake(&keepsake, &settings);
        assert!(exact.exact && exact.needs_supports());
        // Only faces under the ball's equator overhang, and only model faces.
        let parts_view = Preview::of_parts(&placed, &settings);
        for (i, mark) in parts_view.marks.iter().enumerate() {
            if mark & OVERHANG != 0 {
                assert_eq!(mark & 0b11, Part::Model as u8);
                let z = parts_view.positions[i * 9 + 2];
                assert!(
                    z < placed.model.vertices.iter().map(|v| v[2]).fold(0.0, f64::max) as f32 / 2.0 + 2.0
                );
            }
        }

        let block = cuboid([0.0, 0.0, 0.0], [20.0, 20.0, 20.0]);
        let keepsake =
            join(parts(&block, &spec(&[], TextFinish::Engraved), &Font::embedded()).unwrap()).unwrap();
        let view = Preview::of_keepsake(&keepsake, &settings);
        assert!(!view.needs_supports(), "a box on a pedestal stands on its own");
        let said = printability(&keepsake, &view, &settings, [250.0, 210.0, 210.0]);
        assert!(said.warnings.is_empty(), "{:?}", said.warnings);
        assert!(said.estimate.model_g > 1.0 && said.estimate.support_g == 0.0, "{:?}", said.estimate);
    }

    #[test]
    fn a_paper_thin_model_is_tinted_and_said_to_be_thin() {
        let settings = PrintSettings::default();
        // A 0.3 mm card standing on the pedestal, 20 mm wide and tall.
        let card = cuboid([0.0, 0.0, 0.0], [20.0, 0.3, 20.0]);
        let keepsake =
            join(parts(&card, &spec(&[], TextFinish::Engraved), &Font::embedded()).unwrap()).unwrap();
        let view = Preview::of_keepsake(&keepsake, &settings);
        let thin: Vec<usize> = (0..view.marks.len()).filter(|&i| view.marks[i] & THIN != 0).collect();
        assert!(!thin.is_empty());
        // Every thin face is part of the card (above the pedestal's top), upright.
        let pedestal_top = keepsake.mesh.vertices.iter().map(|v| v[2]).fold(f64::INFINITY, f64::min)
            + spec(&[], TextFinish::Engraved).pedestal.height_mm;
        for i in thin {
            let z = &view.positions[i * 9..i * 9 + 9];
            assert!(
                [z[2], z[5], z[8]].iter().any(|&z| f64::from(z) > pedestal_top),
                "face {i} is not the card"
            );
        }
        assert!(view.thin_mm2 > 2.0 * 18.0 * 19.0, "both faces of the card: {} mm²", view.thin_mm2);
        assert!((view.thinnest_mm.unwrap() - 0.3).abs() < 1e-3, "{:?}", view.thinnest_mm);
        let said = printability(&keepsake, &view, &settings, [250.0, 210.0, 210.0]);
        assert!(
            said.warnings
                .iter()
                .any(|w| w.starts_with("Walls thinner than the 0.4 mm nozzle (the thinnest 0.30 mm")),
            "{:?}",
            said.warnings
        );
        // Engraved words leave hairline ribs between near-touching letters: tinted, not warned about.
        let words = spec(&["Grandma Rosa", "1931 – 2024"], TextFinish::Engraved);
        let ball = uv_sphere([0.0, 0.0, 30.0], 30.0, 48, 24);
        let engraved = join(parts(&ball, &words, &Font::embedded()).unwrap()).unwrap();
        let view = Preview::of_keepsake(&engraved, &settings);
        let said = printability(&engraved, &view, &settings, [250.0, 210.0, 210.0]);
        assert!(view.thin_mm2 < THIN_WORTH_SAYING_MM2, "{} mm²", view.thin_mm2);
        assert!(!said.warnings.iter().any(|w| w.starts_with("Walls thinner")), "{:?}", said.warnings);
        // The parts view has no thin marks: the parts still overlap there.
        let placed = parts(&card, &spec(&[], TextFinish::Engraved), &Font::embedded()).unwrap();
        assert!(Preview::of_parts(&placed, &settings).marks.iter().all(|m| m & THIN == 0));
    }

    #[test]
    fn too_big_for_the_printer_is_said_with_both_sizes() {
        let settings = PrintSettings::default();
        let block = cuboid([0.0, 0.0, 0.0], [20.0, 20.0, 20.0]);
        let keepsake =
            join(parts(&block, &spec(&[], TextFinish::Engraved), &Font::embedded()).unwrap()).unwrap();
        let view = Preview::of_keepsake(&keepsake, &settings);
        let [x, _, z] = view.size_mm;
        assert!(x > 20.0 && z > 20.0, "{:?}", view.size_mm);
        let said = printability(&keepsake, &view, &settings, [25.0, 25.0, 25.0]);
        assert_eq!(said.warnings.len(), 1, "{:?}", said.warnings);
        assert!(
            said.warnings[0].starts_with("Larger than the printer")
                && said.warnings[0].contains("25 × 25 × 25 mm")
        );
    }
}
