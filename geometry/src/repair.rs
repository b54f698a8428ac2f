//! Fixes what AI-generated meshes and uploads usually get wrong, and says
//! what it did: near-duplicate vertices, degenerate and duplicate faces,
//! triangles facing the wrong way, and small holes.

use std::collections::VecDeque;

use rustc_hash::{FxHashMap, FxHashSet};
use serde::Serialize;

use crate::Mesh;
use crate::vec3::{cross, dot, norm, sub};

#[derive(Clone, Copy, Debug, PartialEq)]
pub struct RepairOptions {
    /// Vertices closer than this (mm) become one.
    pub weld_tolerance_mm: f64,
    /// Holes bounded by at most this many edges are closed.
    pub max_hole_edges: usize,
}

impl Default for RepairOptions {
    fn default() -> Self {
        RepairOptions { weld_tolerance_mm: 1e-3, max_hole_edges: 64 }
    }
}

/// What [`repair`] changed. All zero: the mesh was already clean.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RepairReport {
    pub vertices_welded: usize,
    pub degenerate_faces_removed: usize,
    pub duplicate_faces_removed: usize,
    pub faces_flipped: usize,
    pub holes_closed: usize,
    pub faces_added: usize,
}

impl RepairReport {
    pub fn changed(&self) -> bool {
        *self != RepairReport::default()
    }

    /// One line for people, e.g. "welded 12 vertices, closed 1 hole".
    pub fn summary(&self) -> String {
        let parts: Vec<String> = [
            (self.vertices_welded, "welded", "vertex", "vertices"),
            (self.degenerate_faces_removed, "removed", "degenerate face", "degenerate faces"),
            (self.duplicate_faces_removed, "removed", "duplicate face", "duplicate faces"),
            (self.faces_flipped, "turned", "face the right way out", "faces the right way out"),
            (self.holes_closed, "closed", "hole", "holes"),
        ]
        .into_iter()
        .filter(|(n, ..)| *n > 0)
        .map(|(n, verb, one, many)| format!("{verb} {n} {}", if n == 1 { one } else { many }))
        .collect();
        if parts.is_empty() { "nothing to repair".to_string() } else { parts.join(", ") }
    }
}

/// Why a model cannot be printed even after [`repair`].
#[derive(thiserror::Error, Debug, Clone, PartialEq)]
pub enum SolidError {
    #[error(
        "the model is not a closed solid even after repair ({open_edges} open edges); it cannot be printed"
    )]
    NotSolid { open_edges: usize },
    #[error("the model has no volume")]
    NoVolume,
}

/// Below this (mm³) a closed surface is flat, not a solid.
const LEAST_VOLUME_MM3: f64 = 1e-3;

/// Repairs `mesh` with the default options and checks that the result is a
/// printable solid: closed, with volume. What every quote and keepsake
/// starts from.
pub fn repair_solid(mesh: &Mesh) -> Result<(Mesh, RepairReport, crate::Analysis), SolidError> {
    let (mesh, report) = repair(mesh, &RepairOptions::default());
    let analysis = crate::analyse(&mesh, &crate::AnalysisOptions::default());
    if !analysis.watertight {
        return Err(SolidError::NotSolid { open_edges: analysis.open_edges });
    }
    if analysis.volume_mm3 < LEAST_VOLUME_MM3 {
        return Err(SolidError::NoVolume);
    }
    Ok((mesh, report, analysis))
}

pub fn repair(mesh: &Mesh, options: &RepairOptions) -> (Mesh, RepairReport) {
    let mut report = RepairReport::default();
    let (vertices, remap) = weld(&mesh.vertices, options.weld_tolerance_mm);
    report.vertices_welded = mesh.vertices.len() - vertices.len();
    let mut out = Mesh { vertices, triangles: Vec::with_capacity(mesh.triangles.len()) };

    let mut seen: FxHashSet<[u32; 3]> = FxHashSet::default();
    for t in &mesh.triangles {
        let t = t.map(|i| remap[i as usize]);
        if t[0] == t[1] || t[1] == t[2] || t[2] == t[0] || doubled_area(&out, t) == 0.0 {
            report.degenerate_faces_removed += 1;
            continue;
        }
        let mut key = t;
        key.sort_unstable();
        if !seen.insert(key) {
            report.duplicate_faces_removed += 1;
            continue;
        }
        out.triangles.push(t);
    }

    report.faces_flipped = orient(&mut out);
    let (holes, added) = close_holes(&mut out, options.max_hole_edges);
    report.holes_closed = holes;
    report.faces_added = added;
    drop_unused_vertices(&mut out);
    (out, report)
}

/// Merges vertices within `tolerance`, looking in the neighbouring grid
/// cells so that two close points on either side of a cell wall still meet.
fn weld(vertices: &[[f64; 3]], tolerance: f64) -> (Vec<[f64; 3]>, Vec<u32>) {
    let cell = |p: [f64; 3]| p.map(|c| (c / tolerance).floor() as i64);
    let mut grid: FxHashMap<[i64; 3], Vec<u32>> = FxHashMap::default();
    let mut kept: Vec<[f64; 3]> = Vec::with_capacity(vertices.len());
    let mut remap = Vec::with_capacity(vertices.len());
    let tolerance_sq = tolerance * tolerance;
    for &p in vertices {
        let home = cell(p);
        let mut found = None;
        'search: for dx in -1..=1 {
            for dy in -1..=1 {
                for dz in -1..=1 {
                    if let Some(candidates) = grid.get(&[home[0] + dx, home[1] + dy, home[2] + dz]) {
                        for &i in candidates {
                            let q = kept[i as usize];
                            let d = [p[0] - q[0], p[1] - q[1], p[2] - q[2]];
                            if d[0] * d[0] + d[1] * d[1] + d[2] * d[2] <= tolerance_sq {
                                found = Some(i);
                                break 'search;
                            }
                        }
                    }
                }
            }
        }
        let index = found.unwrap_or_else(|| {
            let i = kept.len() as u32;
            kept.push(p);
            grid.entry(home).or_default().push(i);
            i
        });
        remap.push(index);
    }
    (kept, remap)
}

fn doubled_area(mesh: &Mesh, t: [u32; 3]) -> f64 {
    let [a, b, c] = mesh.corners(t);
    norm(cross(sub(b, a), sub(c, a)))
}

/// Makes neighbours agree (a shared edge runs opposite ways in the two
/// faces), walking each connected piece from one face; then turns any piece
/// that encloses negative volume inside out. Returns the faces flipped.
fn orient(mesh: &mut Mesh) -> usize {
    let mut by_edge: FxHashMap<(u32, u32), Vec<usize>> = FxHashMap::default();
    for (f, t) in mesh.triangles.iter().enumerate() {
        for (a, b) in edges(*t) {
            by_edge.entry((a.min(b), a.max(b))).or_default().push(f);
        }
    }
    let mut flipped = vec![false; mesh.triangles.len()];
    let mut visited = vec![false; mesh.triangles.len()];
    let mut flips = 0;
    for start in 0..mesh.triangles.len() {
        if visited[start] {
            continue;
        }
        let mut piece = vec![start];
        visited[start] = true;
        let mut queue = VecDeque::from([start]);
        while let Some(f) = queue.pop_front() {
            for (a, b) in edges(mesh.triangles[f]) {
                let Some(faces) = by_edge.get(&(a.min(b), a.max(b))) else { continue };
                // Only manifold edges say anything about orientation.
                if faces.len() != 2 {
                    continue;
                }
                let g = if faces[0] == f { faces[1] } else { faces[0] };
                if visited[g] {
                    continue;
                }
                // f runs a→b; a consistent neighbour runs b→a.
                if edges(mesh.triangles[g]).any(|e| e == (a, b)) {
                    mesh.triangles[g].swap(1, 2);
                    flipped[g] = !flipped[g];
                }
                visited[g] = true;
                piece.push(g);
                queue.push_back(g);
            }
        }
        let volume: f64 = piece
            .iter()
            .map(|&f| {
                let [a, b, c] = mesh.corners(mesh.triangles[f]);
                dot(a, cross(b, c))
            })
            .sum();
        if volume < 0.0 {
            for &f in &piece {
                mesh.triangles[f].swap(1, 2);
                flipped[f] = !flipped[f];
            }
        }
        flips += piece.iter().filter(|&&f| flipped[f]).count();
    }
    flips
}

/// Closes each hole whose rim is a simple loop of at most `max_edges`
/// edges with a fan around the rim's centre, wound to match its neighbours.
fn close_holes(mesh: &mut Mesh, max_edges: usize) -> (usize, usize) {
    let mut count: FxHashMap<(u32, u32), u32> = FxHashMap::default();
    for t in &mesh.triangles {
        for (a, b) in edges(*t) {
            *count.entry((a.min(b), a.max(b))).or_default() += 1;
        }
    }
    // Rim edges, reversed: a hole is filled by faces running b→a.
    let mut next: FxHashMap<u32, u32> = FxHashMap::default();
    let mut ambiguous: FxHashSet<u32> = FxHashSet::default();
    for t in &mesh.triangles {
        for (a, b) in edges(*t) {
            if count[&(a.min(b), a.max(b))] == 1 && next.insert(b, a).is_some() {
                ambiguous.insert(b);
            }
        }
    }
    let (mut holes, mut added) = (0, 0);
    let mut done: FxHashSet<u32> = FxHashSet::default();
    let starts: Vec<u32> = next.keys().copied().collect();
    for start in starts {
        if done.contains(&start) {
            continue;
        }
        let mut rim = vec![start];
        let mut at = start;
        let closed = loop {
            done.insert(at);
            let Some(&to) = next.get(&at) else { break false };
            if ambiguous.contains(&at) || rim.len() > max_edges {
                break false;
            }
            if to == start {
                break true;
            }
            if done.contains(&to) {
                break false;
            }
            rim.push(to);
            at = to;
        };
        if !closed || rim.len() < 3 {
            continue;
        }
        let centre = rim.iter().fold([0.0; 3], |s, &v| {
            let p = mesh.vertices[v as usize];
            [s[0] + p[0], s[1] + p[1], s[2] + p[2]]
        });
        let n = rim.len() as f64;
        let c = mesh.vertices.len() as u32;
        mesh.vertices.push(centre.map(|x| x / n));
        for i in 0..rim.len() {
            mesh.triangles.push([rim[i], rim[(i + 1) % rim.len()], c]);
        }
        holes += 1;
        added += rim.len();
    }
    (holes, added)
}

fn drop_unused_vertices(mesh: &mut Mesh) {
    let mut new_index = vec![u32::MAX; mesh.vertices.len()];
    let mut vertices = Vec::with_capacity(mesh.vertices.len());
    for t in mesh.triangles.iter_mut() {
        for v in t.iter_mut() {
            if new_index[*v as usize] == u32::MAX {
                new_index[*v as usize] = vertices.len() as u32;
                vertices.push(mesh.vertices[*v as usize]);
            }
            *v = new_index[*v as usize];
        }
    }
    mesh.vertices = vertices;
}

fn edges(t: [u32; 3]) -> impl Iterator<Item = (u32, u32)> {
    [(t[0], t[1]), (t[1], t[2]), (t[2], t[0])].into_iter()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::tests::cuboid;
    use crate::{AnalysisOptions, analyse};

    fn check(mesh: &Mesh) -> crate::Analysis {
        analyse(mesh, &AnalysisOptions::default())
    }

    /// Every triangle with its own three vertices, as STL soup with noise.
    fn soup(mesh: &Mesh, noise: f64) -> Mesh {
        let mut out = Mesh::default();
        for (k, t) in mesh.triangles.iter().enumerate() {
            for (j, &v) in t.iter().enumerate() {
                let wobble = if (k + j) % 2 == 0 { noise } else { -noise };
                out.vertices.push(mesh.vertices[v as usize].map(|c| c + wobble));
            }
            let base = (out.vertices.len() - 3) as u32;
            out.triangles.push([base, base + 1, base + 2]);
        }
        out
    }

    #[test]
    fn a_clean_mesh_is_left_alone() {
        let cube = cuboid([0.0; 3], [10.0; 3]);
        let (fixed, report) = repair(&cube, &RepairOptions::default());
        assert!(!report.changed(), "{report:?}");
        assert_eq!(report.summary(), "nothing to repair");
        assert_eq!(fixed.triangles.len(), 12);
        assert!((check(&fixed).volume_mm3 - 1000.0).abs() < 1e-9);
    }

    #[test]
    fn welds_near_vertices_into_a_closed_solid() {
        let messy = soup(&cuboid([0.0; 3], [10.0; 3]), 2e-4);
        assert!(!check(&messy).watertight);
        let (fixed, report) = repair(&messy, &RepairOptions::default());
        assert_eq!(report.vertices_welded, 36 - 8);
        let a = check(&fixed);
        assert!(a.watertight, "{a:?}");
        assert!((a.volume_mm3 - 1000.0).abs() < 0.1);
    }

    #[test]
    fn removes_degenerate_and_duplicate_faces() {
        let mut cube = cuboid([0.0; 3], [10.0; 3]);
        cube.triangles.push(cube.triangles[3]);
        cube.triangles.push([cube.triangles[5][2], cube.triangles[5][1], cube.triangles[5][0]]);
        cube.triangles.push([0, 0, 1]);
        let (fixed, report) = repair(&cube, &RepairOptions::default());
        assert_eq!((report.degenerate_faces_removed, report.duplicate_faces_removed), (1, 2));
        assert!(check(&fixed).watertight);
    }

    #[test]
    fn turns_faces_and_whole_pieces_the_right_way_out() {
        let mut cube = cuboid([0.0; 3], [10.0; 3]);
        cube.triangles[4].swap(0, 1);
        cube.triangles[7].swap(0, 1);
        let (fixed, report) = repair(&cube, &RepairOptions::default());
        assert_eq!(report.faces_flipped, 2);
        let a = check(&fixed);
        assert!(a.watertight && !a.inverted);

        let mut inside_out = cuboid([0.0; 3], [10.0; 3]);
        inside_out.triangles.iter_mut().for_each(|t| t.swap(1, 2));
        let (fixed, report) = repair(&inside_out, &RepairOptions::default());
        assert_eq!(report.faces_flipped, 12);
        assert!(!check(&fixed).inverted);
    }

    #[test]
    fn closes_small_holes_and_leaves_big_ones() {
        let mut cube = cuboid([0.0; 3], [10.0; 3]);
        cube.triangles.remove(2);
        cube.triangles.remove(2); // the whole top: a square hole of 4 edges
        let (fixed, report) = repair(&cube, &RepairOptions::default());
        assert_eq!((report.holes_closed, report.faces_added), (1, 4));
        let a = check(&fixed);
        assert!(a.watertight && !a.inverted, "{a:?}");
        assert!((a.volume_mm3 - 1000.0).abs() < 1e-9);
        assert_eq!(report.summary(), "closed 1 hole");

        let (still_open, report) = repair(&cube, &RepairOptions { max_hole_edges: 3, ..Default::default() });
        assert_eq!(report.holes_closed, 0);
        assert_eq!(check(&still_open).open_edges, 4);
    }
}
