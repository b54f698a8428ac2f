//! Pedestals: the stand a keepsake sits on, sized to the model's footprint.
//!
//! Each is a closed prism from z = 0 to its height, centred under the
//! footprint. Square and hexagonal pedestals have a flat face towards the
//! viewer (−y), where text is engraved; a round one gets a flat cut at its
//! front when it carries text.

use serde::{Deserialize, Serialize};

use crate::Mesh;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum PedestalShape {
    Round,
    Square,
    Hex,
}

#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
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

/// The flat face of a pedestal that looks at the viewer (towards −y), where
/// text goes. It spans `x_centre_mm ± width_mm / 2` at `y_mm`, from the
/// bottom of the pedestal to its top.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Front {
    pub y_mm: f64,
    pub x_centre_mm: f64,
    pub width_mm: f64,
}

/// A pedestal under `footprint` (`[[min x, min y], [max x, max y]]`, mm)
/// whose outline contains the footprint grown by the margin.
pub fn pedestal(footprint: [[f64; 2]; 2], pedestal: &Pedestal) -> Mesh {
    pedestal_with_front(footprint, pedestal, 0.0).0
}

/// A pedestal as [`pedestal`] makes it, whose flat front face is at least
/// `front_width_mm` wide. A round pedestal gets a flat of exactly that width
/// cut at its front (none when the width is zero); square and hexagonal ones
/// grow when their front side is too narrow.
pub fn pedestal_with_front(
    footprint: [[f64; 2]; 2],
    pedestal: &Pedestal,
    front_width_mm: f64,
) -> (Mesh, Front) {
    let [[x0, y0], [x1, y1]] = footprint;
    let centre = [(x0 + x1) / 2.0, (y0 + y1) / 2.0];
    let (half_w, half_d) = ((x1 - x0) / 2.0 + pedestal.margin_mm, (y1 - y0) / 2.0 + pedestal.margin_mm);
    let half_front = front_width_mm.max(0.0) / 2.0;
    let (outline, front_y, front_width) = match pedestal.shape {
        PedestalShape::Square => {
            let half = half_w.max(half_d).max(half_front);
            (vec![[-half, -half], [half, -half], [half, half], [-half, half]], -half, 2.0 * half)
        }
        PedestalShape::Round => {
            // The circle through the grown footprint's corners, wide enough
            // that a flat of the front width clears the footprint.
            let radius = (half_w * half_w + half_d * half_d)
                .sqrt()
                .max((half_d * half_d + half_front * half_front).sqrt());
            // Circumscribe it, so the polygon's flat sides also clear the corners.
            let corner_radius = radius / libm::cos(std::f64::consts::PI / ROUND_SEGMENTS as f64);
            let circle = regular_polygon(ROUND_SEGMENTS, corner_radius, -std::f64::consts::FRAC_PI_2);
            if half_front > 0.0 {
                let flat_y = -(radius * radius - half_front * half_front).sqrt();
                let outline = clip_below(&circle, flat_y);
                let width = outline.iter().filter(|p| p[1] == flat_y).map(|p| p[0].abs()).sum();
                (outline, flat_y, width)
            } else {
                (circle, -corner_radius, 0.0)
            }
        }
        PedestalShape::Hex => {
            // A hexagon with flat top and bottom sides; its inscribed circle
            // covers the grown footprint's corners. Its side is its radius.
            let inradius = (half_w * half_w + half_d * half_d).sqrt();
            let radius = (inradius / libm::cos(std::f64::consts::PI / 6.0)).max(2.0 * half_front);
            let mut outline = regular_polygon(6, radius, 0.0);
            // The front side's two corners (at 240° and 300°) come from two
            // sines that may differ in the last bit: one y, so the front is
            // exactly the plane text is cut into.
            outline[5][1] = outline[4][1];
            let front_y = outline[4][1];
            (outline, front_y, radius)
        }
    };
    let outline: Vec<[f64; 2]> = outline.into_iter().map(|[x, y]| [x + centre[0], y + centre[1]]).collect();
    let front = Front { y_mm: front_y + centre[1], x_centre_mm: centre[0], width_mm: front_width };
    (prism(&outline, centre, 0.0, pedestal.height_mm), front)
}

/// Corners of a regular polygon, counter-clockwise, the first at `start` radians.
/// `libm`, not the platform's maths library, so that the browser (wasm) and the
/// server compute the very same corners.
fn regular_polygon(sides: usize, radius: f64, start: f64) -> Vec<[f64; 2]> {
    (0..sides)
        .map(|i| {
            let angle = start + std::f64::consts::TAU * i as f64 / sides as f64;
            [radius * libm::cos(angle), radius * libm::sin(angle)]
        })
        .collect()
}

/// The part of a convex, counter-clockwise polygon at or above `y`, with
/// the cut edge's end points exactly at `y`.
fn clip_below(polygon: &[[f64; 2]], y: f64) -> Vec<[f64; 2]> {
    let mut clipped = Vec::with_capacity(polygon.len() + 2);
    for (i, &a) in polygon.iter().enumerate() {
        let b = polygon[(i + 1) % polygon.len()];
        if a[1] >= y {
            clipped.push(a);
        }
        if (a[1] < y) != (b[1] < y) {
            let t = (y - a[1]) / (b[1] - a[1]);
            clipped.push([a[0] + t * (b[0] - a[0]), y]);
        }
    }
    clipped
}

/// Extrudes a convex, counter-clockwise outline from `bottom` to `top` (z),
/// with fans around `centre` on both caps.
pub(crate) fn prism(outline: &[[f64; 2]], centre: [f64; 2], bottom: f64, top: f64) -> Mesh {
    let n = outline.len() as u32;
    let mut mesh = Mesh::default();
    for &[x, y] in outline {
        mesh.vertices.push([x, y, bottom]);
    }
    for &[x, y] in outline {
        mesh.vertices.push([x, y, top]);
    }
    let (bottom_centre, top_centre) = (2 * n, 2 * n + 1);
    mesh.vertices.push([centre[0], centre[1], bottom]);
    mesh.vertices.push([centre[0], centre[1], top]);
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
            let (half_w, half_d): (f64, f64) = (23.0, 13.0);
            let diagonal = (half_w * half_w + half_d * half_d).sqrt();
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

    #[test]
    fn a_front_face_is_as_wide_as_asked_and_still_clears_the_footprint() {
        for shape in [PedestalShape::Round, PedestalShape::Square, PedestalShape::Hex] {
            let spec = Pedestal { shape, height_mm: 5.0, margin_mm: 3.0 };
            for width in [10.0, 80.0] {
                let (mesh, front) = pedestal_with_front(FOOTPRINT, &spec, width);
                assert!(front.width_mm >= width - 1e-9, "{shape:?} {width}: {front:?}");
                let a = analyse(&mesh, &AnalysisOptions::default());
                assert!(a.watertight && !a.inverted, "{shape:?}");
                // The front face is where the mesh ends towards the reader,
                // and no part of the grown footprint (y ≥ -8) is cut away.
                assert!((a.bbox_mm[0][1] - front.y_mm).abs() < 1e-9, "{shape:?}");
                assert!(front.y_mm <= -8.0 + 1e-9, "{shape:?}: {front:?}");
                let on_face = mesh.vertices.iter().filter(|v| (v[1] - front.y_mm).abs() < 1e-9);
                let span = on_face
                    .fold([f64::INFINITY, f64::NEG_INFINITY], |[lo, hi], v| [lo.min(v[0]), hi.max(v[0])]);
                assert!((span[1] - span[0] - front.width_mm).abs() < 1e-6, "{shape:?}: {span:?} {front:?}");
                assert!(((span[0] + span[1]) / 2.0 - front.x_centre_mm).abs() < 1e-6);
            }
        }
    }
}
