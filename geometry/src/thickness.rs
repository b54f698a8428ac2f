//! Walls too thin for the nozzle: where the solid, measured straight in
//! from a face, ends again within the nozzle's width.
//!
//! From each triangle's centre a short ray goes inward (against its normal);
//! if it leaves the solid through another face before `min_mm`, the wall
//! there is thinner than the printer can lay down, and the triangle is thin.
//! A hashed uniform grid finds the few faces near each ray, so a 50 k-triangle
//! keepsake takes milliseconds. Written here rather than taken from a crate:
//! the ray-casting crates (parry3d, bvh) bring nalgebra into the studio's
//! wasm bundle for one query this small.

use rustc_hash::FxHashMap;

use crate::Mesh;
use crate::vec3::{cross, dot, norm, sub};

/// Rays start this far inside their own face (mm), so the face itself and
/// its neighbours at a shared edge are never hit.
const START_MM: f64 = 1e-4;

/// The thin faces of a mesh.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ThinWalls {
    /// Indices of the triangles on walls thinner than asked.
    pub triangles: Vec<u32>,
    /// Their area, mm².
    pub area_mm2: f64,
    /// The thinnest wall found, mm (`None` when there is none).
    pub thinnest_mm: Option<f64>,
}

/// The faces of `mesh` on walls thinner than `min_mm` (measured along each
/// face's inward normal). Triangles must be counter-clockwise from outside.
pub fn thin_walls(mesh: &Mesh, min_mm: f64) -> ThinWalls {
    let mut thin = ThinWalls::default();
    if min_mm.is_nan() || min_mm <= 0.0 || mesh.triangles.is_empty() {
        return thin;
    }
    let faces: Vec<Face> = mesh.triangle_corners().map(Face::new).collect();
    let grid = Grid::new(&faces, (4.0 * min_mm).max(1.0));
    for (i, face) in faces.iter().enumerate() {
        let Some(inward) = face.unit_normal.map(|n| n.map(|c| -c)) else { continue };
        let from = face.centre;
        let to = [0, 1, 2].map(|a| from[a] + inward[a] * min_mm);
        let mut nearest: Option<f64> = None;
        grid.near_segment(from, to, |j| {
            let other = &faces[j as usize];
            // Only a face the ray leaves the solid through ends the wall.
            if j as usize == i || other.unit_normal.is_none_or(|n| dot(n, inward) <= 0.0) {
                return;
            }
            if let Some(t) = other.hit(from, inward).filter(|&t| t > START_MM && t < min_mm) {
                nearest = Some(nearest.map_or(t, |n| n.min(t)));
            }
        });
        if let Some(t) = nearest {
            thin.triangles.push(i as u32);
            thin.area_mm2 += face.area;
            thin.thinnest_mm = Some(thin.thinnest_mm.map_or(t, |n| n.min(t)));
        }
    }
    thin
}

struct Face {
    corners: [[f64; 3]; 3],
    centre: [f64; 3],
    unit_normal: Option<[f64; 3]>,
    area: f64,
}

impl Face {
    fn new(corners: [[f64; 3]; 3]) -> Face {
        let [a, b, c] = corners;
        let normal = cross(sub(b, a), sub(c, a));
        let twice_area = norm(normal);
        Face {
            corners,
            centre: [0, 1, 2].map(|k| (a[k] + b[k] + c[k]) / 3.0),
            unit_normal: (twice_area > 1e-12).then(|| normal.map(|c| c / twice_area)),
            area: twice_area / 2.0,
        }
    }

    /// Möller–Trumbore: the distance along `direction` (a unit vector) from
    /// `origin` to this face, if the ray meets it.
    fn hit(&self, origin: [f64; 3], direction: [f64; 3]) -> Option<f64> {
        let [a, b, c] = self.corners;
        let (ab, ac) = (sub(b, a), sub(c, a));
        let p = cross(direction, ac);
        let det = dot(ab, p);
        if det.abs() < 1e-12 {
            return None;
        }
        let to_origin = sub(origin, a);
        let u = dot(to_origin, p) / det;
        if !(0.0..=1.0).contains(&u) {
            return None;
        }
        let q = cross(to_origin, ab);
        let v = dot(direction, q) / det;
        if v < 0.0 || u + v > 1.0 {
            return None;
        }
        Some(dot(ac, q) / det)
    }
}

/// Faces by the cubic cells their bounding boxes touch.
struct Grid {
    cell_mm: f64,
    cells: FxHashMap<[i64; 3], Vec<u32>>,
}

impl Grid {
    /// Cells a few walls wide (`finest_mm`), so that a ray crosses at most
    /// two per axis and a cell holds a handful of faces; coarser when big
    /// slanted faces would fill too many cells (memory stays about linear in
    /// the face count, whatever the model).
    fn new(faces: &[Face], finest_mm: f64) -> Grid {
        let bounds: Vec<([f64; 3], [f64; 3])> = faces
            .iter()
            .map(|face| {
                let [a, b, c] = face.corners;
                ([0, 1, 2].map(|k| a[k].min(b[k]).min(c[k])), [0, 1, 2].map(|k| a[k].max(b[k]).max(c[k])))
            })
            .collect();
        let budget = 32 * faces.len() as u64 + 100_000;
        let mut cell_mm = finest_mm;
        while bounds.iter().map(|&(low, high)| cell_count(cell_mm, low, high)).sum::<u64>() > budget {
            cell_mm *= 2.0;
        }
        let mut cells: FxHashMap<[i64; 3], Vec<u32>> = FxHashMap::default();
        for (i, &(low, high)) in bounds.iter().enumerate() {
            each_cell(cell_mm, low, high, |cell| cells.entry(cell).or_default().push(i as u32));
        }
        Grid { cell_mm, cells }
    }

    /// Calls `visit` with every face in the cells around the segment (a face
    /// may come more than once).
    fn near_segment(&self, from: [f64; 3], to: [f64; 3], mut visit: impl FnMut(u32)) {
        let low = [0, 1, 2].map(|k| from[k].min(to[k]));
        let high = [0, 1, 2].map(|k| from[k].max(to[k]));
        each_cell(self.cell_mm, low, high, |cell| {
            for &face in self.cells.get(&cell).map_or(&[][..], Vec::as_slice) {
                visit(face);
            }
        });
    }
}

fn cell_range(cell_mm: f64, low: [f64; 3], high: [f64; 3]) -> ([i64; 3], [i64; 3]) {
    (low.map(|c| (c / cell_mm).floor() as i64), high.map(|c| (c / cell_mm).floor() as i64))
}

/// How many cells of side `cell_mm` the box from `low` to `high` touches.
fn cell_count(cell_mm: f64, low: [f64; 3], high: [f64; 3]) -> u64 {
    let (low, high) = cell_range(cell_mm, low, high);
    (0..3).map(|k| (high[k] - low[k] + 1).max(0) as u64).product()
}

/// Every cell of side `cell_mm` that the box from `low` to `high` touches.
fn each_cell(cell_mm: f64, low: [f64; 3], high: [f64; 3], mut visit: impl FnMut([i64; 3])) {
    let (low, high) = cell_range(cell_mm, low, high);
    for x in low[0]..=high[0] {
        for y in low[1]..=high[1] {
            for z in low[2]..=high[2] {
                visit([x, y, z]);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::shapes::{cuboid, uv_sphere};

    #[test]
    fn a_thin_plate_is_thin_on_both_faces_and_a_block_is_not() {
        let plate = cuboid([0.0, 0.0, 0.0], [20.0, 10.0, 0.3]);
        let thin = thin_walls(&plate, 0.4);
        // The top and bottom (two triangles each) are 0.3 mm apart; the
        // narrow sides, measured inward, are 10 and 20 mm from theirs.
        assert_eq!(thin.triangles.len(), 4, "{thin:?}");
        assert!((thin.area_mm2 - 400.0).abs() < 1e-6, "{}", thin.area_mm2);
        assert!((thin.thinnest_mm.unwrap() - 0.3).abs() < 1e-9);

        let block = cuboid([0.0, 0.0, 0.0], [20.0, 10.0, 2.0]);
        assert_eq!(thin_walls(&block, 0.4), ThinWalls::default());
    }

    #[test]
    fn only_the_fin_of_a_finned_block_is_thin() {
        // A 10 mm cube and, apart from it, a 0.2 mm fin: two solids in one mesh.
        let mut mesh = cuboid([0.0, 0.0, 0.0], [10.0, 10.0, 10.0]);
        let fin = cuboid([12.0, 0.0, 0.0], [0.2, 10.0, 10.0]);
        let offset = mesh.vertices.len() as u32;
        mesh.vertices.extend(fin.vertices);
        mesh.triangles.extend(fin.triangles.iter().map(|t| t.map(|i| i + offset)));
        let thin = thin_walls(&mesh, 0.4);
        assert!((thin.area_mm2 - 200.0).abs() < 1e-6, "the fin's two big faces: {}", thin.area_mm2);
        assert!(thin.triangles.iter().all(|&t| t >= 12), "only fin faces: {:?}", thin.triangles);
    }

    #[test]
    fn a_ball_is_thick_and_a_tiny_ball_is_thin() {
        assert!(thin_walls(&uv_sphere([0.0, 0.0, 5.0], 5.0, 48, 24), 0.4).triangles.is_empty());
        let tiny = uv_sphere([0.0, 0.0, 0.1], 0.15, 16, 8);
        assert!(thin_walls(&tiny, 0.4).area_mm2 > 0.2);
    }

    #[test]
    fn big_slanted_faces_coarsen_the_grid_instead_of_filling_memory() {
        // A 300 mm tetrahedron: each slanted face would touch ~10⁶ fine cells.
        let mesh = Mesh {
            vertices: vec![[0.0, 0.0, 0.0], [300.0, 0.0, 0.0], [0.0, 300.0, 0.0], [0.0, 0.0, 300.0]],
            triangles: vec![[0, 2, 1], [0, 1, 3], [0, 3, 2], [1, 2, 3]],
        };
        let faces: Vec<Face> = mesh.triangle_corners().map(Face::new).collect();
        let grid = Grid::new(&faces, 1.6);
        let filled: usize = grid.cells.values().map(Vec::len).sum();
        assert!(filled <= 32 * 4 + 100_000, "{filled} cell entries");
        assert!(grid.cell_mm > 1.6);
        assert!(thin_walls(&mesh, 0.4).triangles.is_empty());
    }

    #[test]
    fn nothing_to_measure_is_not_thin() {
        assert_eq!(thin_walls(&Mesh::default(), 0.4), ThinWalls::default());
        assert_eq!(thin_walls(&cuboid([0.0; 3], [0.1; 3]), 0.0), ThinWalls::default());
        assert_eq!(thin_walls(&cuboid([0.0; 3], [0.1; 3]), f64::NAN), ThinWalls::default());
    }
}
