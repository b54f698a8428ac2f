//! Letters into (or onto) a pedestal's flat front, by 2D instead of a solid
//! boolean. The front is a rectangle in the plane y = front; the letters are
//! integer polygons (`text`). Engraved: the front becomes the rectangle with
//! the letters as holes (and their counters as islands), triangulated by
//! i_triangle, plus each outline's walls down to the depth and the letters'
//! floors there. Embossed: the same front, with walls out to the depth and
//! the letters' faces on top. Every point is the letters' own integer point
//! or one of the rectangle's four corners, so the seams close by
//! construction and the browser and the server build the same bytes.
//!
//! The solid boolean stays for what this does not cover: [`engrave`]
//! answers `None` (checked before anything is built) when the pedestal has
//! no flat front rectangle at `front_y` or the letters do not lie inside it
//! with room to spare.

use i_overlay::i_float::int::point::IntPoint;
use i_overlay::i_shape::int::shape::{IntContour, IntShapes};
use i_triangle::int::triangulatable::IntTriangulatable;
use rustc_hash::{FxHashMap, FxHashSet};

use crate::Mesh;
use crate::text::{Text, UNITS_PER_MM, twice_area};

/// Text placed on a pedestal's front, as `keepsake::parts` places it.
#[derive(Clone, Debug, PartialEq)]
pub struct Engraving {
    pub text: Text,
    /// (u, v) of the text, mm, becomes (x, z) = (u, v) + `offset`.
    pub offset: [f64; 2],
    /// The pedestal's front plane, y in mm (its outside is towards −y).
    pub front_y: f64,
    /// How deep the letters go in (engraved) or stand out (embossed), mm.
    pub depth_mm: f64,
    pub engraved: bool,
}

/// The least room between the letters and the front's edges, µm: the
/// corners are placed exactly and the letters on the grid, so they must not
/// meet.
const ROOM_UNITS: i64 = 10;

/// `pedestal` with the engraving cut into (or raised on) its front, or
/// `None` when the shapes are not the ones this is built for.
pub fn engrave(pedestal: &Mesh, engraving: &Engraving) -> Option<Mesh> {
    let Engraving { text, offset, front_y, depth_mm, engraved } = engraving;
    if !(depth_mm.is_finite() && *depth_mm > 0.0) {
        return None;
    }
    // The front: the two triangles of the pedestal whose corners all lie in
    // the front plane (every other face has a corner off it), four corners.
    let on_front = |t: &[u32; 3]| t.iter().all(|&i| pedestal.vertices[i as usize][1] == *front_y);
    let front: Vec<usize> =
        (0..pedestal.triangles.len()).filter(|&i| on_front(&pedestal.triangles[i])).collect();
    let mut corners: Vec<[f64; 3]> = Vec::new();
    for &t in &front {
        for &i in &pedestal.triangles[t] {
            let v = pedestal.vertices[i as usize];
            if !corners.contains(&v) {
                corners.push(v);
            }
        }
    }
    if front.len() != 2 || corners.len() != 4 {
        return None;
    }
    let (x0, x1) = corners.iter().fold((f64::MAX, f64::MIN), |(lo, hi), c| (lo.min(c[0]), hi.max(c[0])));
    let (z0, z1) = corners.iter().fold((f64::MAX, f64::MIN), |(lo, hi), c| (lo.min(c[2]), hi.max(c[2])));
    // A rectangle: each corner is at one of the two x and one of the two z.
    if !corners.iter().all(|c| (c[0] == x0 || c[0] == x1) && (c[2] == z0 || c[2] == z1)) {
        return None;
    }
    // The rectangle on the letters' grid, and the letters well inside it.
    let to_units = |mm: f64, at: f64| ((mm - at) * UNITS_PER_MM).round();
    let (u0, u1, v0, v1) =
        (to_units(x0, offset[0]), to_units(x1, offset[0]), to_units(z0, offset[1]), to_units(z1, offset[1]));
    if ![u0, u1, v0, v1].iter().all(|u| u.abs() < f64::from(i32::MAX / 2)) {
        return None;
    }
    let (u0, u1, v0, v1) = (u0 as i32, u1 as i32, v0 as i32, v1 as i32);
    let points = text.shapes().iter().flatten().flatten();
    let inside = points.clone().all(|p| {
        i64::from(p.x) - i64::from(u0) >= ROOM_UNITS
            && i64::from(u1) - i64::from(p.x) >= ROOM_UNITS
            && i64::from(p.y) - i64::from(v0) >= ROOM_UNITS
            && i64::from(v1) - i64::from(p.y) >= ROOM_UNITS
    });
    if !inside || points.count() == 0 {
        return None;
    }

    let mut built = Welded::from(pedestal, &front);
    let rectangle =
        [IntPoint::new(u0, v0), IntPoint::new(u1, v0), IntPoint::new(u1, v1), IntPoint::new(u0, v1)];
    // The exact corner for each corner on the grid.
    let exact = |p: IntPoint| -> Option<[f64; 3]> {
        let x = if p.x == u0 { x0 } else { x1 };
        let z = if p.y == v0 { z0 } else { z1 };
        rectangle.contains(&p).then_some([x, *front_y, z])
    };
    let on_plane = |p: IntPoint, y: f64| {
        exact(p).filter(|_| y == *front_y).unwrap_or_else(|| {
            [f64::from(p.x) / UNITS_PER_MM + offset[0], y, f64::from(p.y) / UNITS_PER_MM + offset[1]]
        })
    };

    // The front: the rectangle with the letters as holes, their counters as islands.
    let mut front_shapes: IntShapes<i32> = vec![vec![oriented(rectangle.to_vec(), true)]];
    for shape in text.shapes() {
        let mut shape = shape.iter();
        if let Some(outer) = shape.next() {
            front_shapes[0].push(oriented(outer.clone(), false));
        }
        front_shapes.extend(shape.map(|counter| vec![oriented(counter.clone(), true)]));
    }
    for [a, b, c] in facing_reader(&front_shapes) {
        built.triangle([on_plane(a, *front_y), on_plane(b, *front_y), on_plane(c, *front_y)]);
    }

    // The letters' faces at the depth (floors of the cut, or tops of the
    // raised letters; both face the reader), and the walls between.
    let other_y = if *engraved { front_y + depth_mm } else { front_y - depth_mm };
    let letters = facing_reader(text.shapes());
    let edges: FxHashSet<(IntPoint, IntPoint)> =
        letters.iter().flat_map(|&[a, b, c]| [(a, b), (b, c), (c, a)]).collect();
    for &[a, b, c] in &letters {
        built.triangle([on_plane(a, other_y), on_plane(b, other_y), on_plane(c, other_y)]);
        for (p, q) in [(a, b), (b, c), (c, a)] {
            if edges.contains(&(q, p)) {
                continue;
            }
            // An outline edge p → q (counter-clockwise around the letter):
            // the raised letter's wall faces out of it, a cut's into it.
            let (near_p, near_q, far_p, far_q) =
                (on_plane(p, *front_y), on_plane(q, *front_y), on_plane(p, other_y), on_plane(q, other_y));
            if *engraved {
                built.triangle([near_p, near_q, far_q]);
                built.triangle([near_p, far_q, far_p]);
            } else {
                built.triangle([far_p, near_q, far_q]);
                built.triangle([far_p, near_p, near_q]);
            }
        }
    }
    Some(built.mesh)
}

/// `contour` counter-clockwise (`outer`) or clockwise (a hole).
fn oriented(mut contour: IntContour<i32>, outer: bool) -> IntContour<i32> {
    if (twice_area(&contour) > 0) != outer {
        contour.reverse();
    }
    contour
}

/// The triangles of `shapes`, each counter-clockwise in (u, v): facing −y,
/// towards the reader, once (u, v) is (x, z).
fn facing_reader(shapes: &IntShapes<i32>) -> Vec<[IntPoint; 3]> {
    let triangulation = shapes.triangulate();
    let points = triangulation.points();
    triangulation
        .triangle_indices::<u32>()
        .chunks_exact(3)
        .map(|t| {
            let [a, b, c] = [t[0], t[1], t[2]].map(|i| points[i as usize]);
            if twice_area(&[a, b, c]) < 0 { [a, c, b] } else { [a, b, c] }
        })
        .collect()
}

/// A mesh whose vertices are shared by position (bit for bit).
struct Welded {
    mesh: Mesh,
    index: FxHashMap<[u64; 3], u32>,
}

impl Welded {
    /// The pedestal without its front's triangles (`front`).
    fn from(pedestal: &Mesh, front: &[usize]) -> Welded {
        let index =
            pedestal.vertices.iter().enumerate().map(|(i, v)| (v.map(f64::to_bits), i as u32)).collect();
        let triangles = pedestal
            .triangles
            .iter()
            .enumerate()
            .filter(|(i, _)| !front.contains(i))
            .map(|(_, t)| *t)
            .collect();
        Welded { mesh: Mesh { vertices: pedestal.vertices.clone(), triangles }, index }
    }

    fn triangle(&mut self, corners: [[f64; 3]; 3]) {
        let triangle = corners.map(|v| {
            let next = self.mesh.vertices.len() as u32;
            *self.index.entry(v.map(f64::to_bits)).or_insert_with(|| {
                self.mesh.vertices.push(v);
                next
            })
        });
        self.mesh.triangles.push(triangle);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pedestal::{Pedestal, PedestalShape, pedestal_with_front};
    use crate::text::{Font, layout};
    use crate::{AnalysisOptions, analyse};

    fn placed(shape: PedestalShape, engraved: bool) -> (Mesh, Engraving) {
        let text = layout(&Font::embedded(), &["Grandma Rosa", "1931 – 2024"], 6.0).unwrap();
        let [[u0, v0], [u1, v1]] = text.bounds_mm();
        let spec = Pedestal { shape, height_mm: v1 - v0 + 6.0, margin_mm: 4.0 };
        let (pedestal, front) = pedestal_with_front([[-20.0, -10.0], [20.0, 10.0]], &spec, u1 - u0 + 6.0);
        let offset = [front.x_centre_mm - (u0 + u1) / 2.0, spec.height_mm / 2.0 - (v0 + v1) / 2.0];
        (pedestal, Engraving { text, offset, front_y: front.y_mm, depth_mm: 1.0, engraved })
    }

    #[test]
    fn engraved_and_embossed_fronts_close_and_change_the_volume_by_area_times_depth() {
        for shape in [PedestalShape::Round, PedestalShape::Square, PedestalShape::Hex] {
            for engraved in [true, false] {
                let (pedestal, engraving) = placed(shape, engraved);
                let plain = analyse(&pedestal, &AnalysisOptions::default()).volume_mm3;
                let built = engrave(&pedestal, &engraving).expect("a flat front with room for the text");
                let a = analyse(&built, &AnalysisOptions::default());
                assert!(a.watertight && a.shells == 1 && !a.inverted, "{shape:?} {engraved}: {a:?}");
                let change = engraving.text.area_mm2() * engraving.depth_mm;
                let expected = if engraved { plain - change } else { plain + change };
                assert!(
                    (a.volume_mm3 - expected).abs() < 1e-9 * plain,
                    "{shape:?} {engraved}: {}",
                    a.volume_mm3
                );
            }
        }
    }

    #[test]
    fn what_it_is_not_built_for_is_left_to_the_boolean() {
        let (pedestal, engraving) = placed(PedestalShape::Square, true);
        // Letters running off the front.
        let off =
            Engraving { offset: [engraving.offset[0] + 500.0, engraving.offset[1]], ..engraving.clone() };
        assert_eq!(engrave(&pedestal, &off), None);
        // No face in that plane.
        let elsewhere = Engraving { front_y: engraving.front_y - 1.0, ..engraving.clone() };
        assert_eq!(engrave(&pedestal, &elsewhere), None);
        // No depth.
        assert_eq!(engrave(&pedestal, &Engraving { depth_mm: f64::NAN, ..engraving }), None);
    }
}
