//! Pedestals: the stand a keepsake sits on, sized to the model's footprint.
//!
//! Each is a closed prism from z = 0 to its height, centred under the
//! footprint. Square and hexagonal pedestals have a flat face towards the
//! viewer (−y), where text will be engraved. Placing the model on top and
//! joining the two into one solid needs the boolean union (not built yet).

use serde::{Deserialize, Serialize};

use crate::Mesh;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PedestalShape {
    Round,
    Square,
    Hex,
}

#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Pedestal {
    pub shape: PedestalShape,
    pub height_mm: f64,
    /// Room around the footprint on every side.
    pub margin_mm: f64,
}

impl Default for Pedestal {
    fn default() -> Self {
        Pedestal { shape: PedestalShape::Round, height_mm: 8.0, margin_mm: 4.0 }
    }
}

/// Segments of a round pedestal: smooth once printed, few triangles.
const ROUND_SEGMENTS: usize = 96;

/// A pedestal under `footprint` (`[[min x, min y], [max x, max y]]`, mm)
/// whose outline contains the footprint grown by the margin.
pub fn pedestal(footprint: [[f64; 2]; 2], pedestal: &Pedestal) -> Mesh {
    let [[x0, y0], [x1, y1]] = footprint;
    let centre = [(x0 + x1) / 2.0, (y0 + y1) / 2.0];
    let (half_w, half_d) = ((x1 - x0) / 2.0 + pedestal.margin_mm, (y1 - y0) / 2.0 + pedestal.margin_mm);
    let outline: Vec<[f64; 2]> = match pedestal.shape {
        PedestalShape::Square => {
            let half = half_w.max(half_d);
            vec![[-half, -half], [half, -half], [half, half], [-half, half]]
        }
        PedestalShape::Round => {
            // The circle through the grown footprint's corners.
            let radius = (half_w * half_w + half_d * half_d).sqrt();
            // Circumscribe it, so the polygon's flat sides also clear the corners.
            let radius = radius / (std::f64::consts::PI / ROUND_SEGMENTS as f64).cos();
            regular_polygon(ROUND_SEGMENTS, radius, -std::f64::consts::FRAC_PI_2)
        }
        PedestalShape::Hex => {
            // A hexagon with flat top and bottom sides; its inscribed circle
            // covers the grown footprint's corners.
            let inradius = (half_w * half_w + half_d * half_d).sqrt();
            let radius = inradius / (std::f64::consts::PI / 6.0).cos();
            regular_polygon(6, radius, 0.0)
        }
    };
    let outline: Vec<[f64; 2]> = outline.into_iter().map(|[x, y]| [x + centre[0], y + centre[1]]).collect();
    prism(&outline, centre, pedestal.height_mm)
}

/// Corners of a regular polygon, counter-clockwise, the first at `start` radians.
fn regular_polygon(sides: usize, radius: f64, start: f64) -> Vec<[f64; 2]> {
    (0..sides)
        .map(|i| {
            let angle = start + std::f64::consts::TAU * i as f64 / sides as f64;
            [radius * angle.cos(), radius * angle.sin()]
        })
        .collect()
}

/// Extrudes a convex, counter-clockwise outline from z = 0 to `height`,
/// with fans around `centre` on the top and bottom.
fn prism(outline: &[[f64; 2]], centre: [f64; 2], height: f64) -> Mesh {
    let n = outline.len() as u32;
    let mut mesh = Mesh::default();
    for &[x, y] in outline {
        mesh.vertices.push([x, y, 0.0]);
    }
    for &[x, y] in outline {
        mesh.vertices.push([x, y, height]);
    }
    let (bottom_centre, top_centre) = (2 * n, 2 * n + 1);
    mesh.vertices.push([centre[0], centre[1], 0.0]);
    mesh.vertices.push([centre[0], centre[1], height]);
    for i in 0..n {
        let j = (i + 1) % n;
        mesh.triangles.push([bottom_centre, j, i]);
        mesh.triangles.push([top_centre, n + i, n + j]);
        mesh.triangles.push([i, j, n + j]);
        mesh.triangles.push([i, n + j, n + i]);
    }
    mesh
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{AnalysisOptions, analyse};

    const FOOTPRINT: [[f64; 2]; 2] = [[10.0, -5.0], [50.0, 15.0]];

    #[test]
    fn every_shape_is_a_closed_solid_of_the_right_volume() {
        for shape in [PedestalShape::Round, PedestalShape::Square, PedestalShape::Hex] {
            let spec = Pedestal { shape, height_mm: 6.0, margin_mm: 3.0 };
            let a = analyse(&pedestal(FOOTPRINT, &spec), &AnalysisOptions::default());
            assert!(a.watertight && !a.inverted && a.shells == 1, "{shape:?}: {a:?}");
            assert!(!a.needs_support, "{shape:?} stands on its bottom");
            let (half_w, half_d) = (23.0, 13.0);
            let diagonal = (half_w * half_w + half_d * half_d as f64).sqrt();
            let expected_area = match shape {
                PedestalShape::Square => (2.0 * half_w) * (2.0 * half_w),
                PedestalShape::Hex => 2.0 * 3f64.sqrt() * diagonal * diagonal,
                PedestalShape::Round => {
                    let n = ROUND_SEGMENTS as f64;
                    let r = diagonal / (std::f64::consts::PI / n).cos();
                    n / 2.0 * r * r * (std::f64::consts::TAU / n).sin()
                }
            };
            assert!(
                (a.volume_mm3 - expected_area * 6.0).abs() < 1e-6 * a.volume_mm3,
                "{shape:?}: {}",
                a.volume_mm3
            );
            assert!((a.size_mm()[2] - 6.0).abs() < 1e-12);
        }
    }

    #[test]
    fn the_outline_clears_the_footprint_by_the_margin() {
        for shape in [PedestalShape::Round, PedestalShape::Square, PedestalShape::Hex] {
            let mesh = pedestal(FOOTPRINT, &Pedestal { shape, height_mm: 5.0, margin_mm: 3.0 });
            // Every corner of the grown footprint lies inside every side of the outline.
            let top: Vec<[f64; 3]> = mesh.vertices.iter().copied().filter(|v| v[2] == 5.0).collect();
            let outline = &top[..top.len() - 1];
            for corner in [[7.0, -8.0], [53.0, -8.0], [53.0, 18.0], [7.0, 18.0]] {
                for i in 0..outline.len() {
                    let (a, b) = (outline[i], outline[(i + 1) % outline.len()]);
                    let side = (b[0] - a[0]) * (corner[1] - a[1]) - (b[1] - a[1]) * (corner[0] - a[0]);
                    assert!(side >= -1e-9, "{shape:?}: corner {corner:?} outside side {i}");
                }
            }
        }
    }

    #[test]
    fn square_and_hex_have_a_flat_front_face() {
        for shape in [PedestalShape::Square, PedestalShape::Hex] {
            let mesh = pedestal(FOOTPRINT, &Pedestal { shape, ..Pedestal::default() });
            let min_y = mesh.vertices.iter().map(|v| v[1]).fold(f64::INFINITY, f64::min);
            let on_front = mesh.vertices.iter().filter(|v| (v[1] - min_y).abs() < 1e-9).count();
            assert_eq!(
                on_front, 4,
                "{shape:?}: two corners at the bottom and two at the top of the front face"
            );
        }
    }
}
