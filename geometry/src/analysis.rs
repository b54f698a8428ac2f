//! What a model is: size, volume, whether it is a closed solid, and whether
//! it will print without supports.

use serde::Serialize;

use crate::Mesh;
use crate::vec3::{cross, dot, norm, sub};

/// Settings for [`analyse`].
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct AnalysisOptions {
    /// A downward-facing surface tilted further than this from vertical
    /// (degrees) needs support. 45° is the usual FDM rule.
    pub overhang_angle_deg: f64,
    /// Below this much overhanging area (mm²) bridging copes; no supports.
    pub support_threshold_mm2: f64,
}

impl Default for AnalysisOptions {
    fn default() -> Self {
        AnalysisOptions { overhang_angle_deg: 45.0, support_threshold_mm2: 1.0 }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Analysis {
    pub triangles: usize,
    pub volume_mm3: f64,
    pub area_mm2: f64,
    /// `[[min x, min y, min z], [max x, max y, max z]]`
    pub bbox_mm: [[f64; 3]; 2],
    /// Every edge is shared by exactly two triangles that run it in opposite
    /// directions: a closed, consistently oriented surface.
    pub watertight: bool,
    /// Edges that belong to one triangle only (holes).
    pub open_edges: usize,
    /// Edges shared by more than two triangles, or by two running the same way.
    pub bad_edges: usize,
    /// Separate connected pieces.
    pub shells: usize,
    /// The surface encloses negative volume: its triangles face inwards.
    pub inverted: bool,
    pub overhang_area_mm2: f64,
    pub needs_support: bool,
}

impl Analysis {
    pub fn size_mm(&self) -> [f64; 3] {
        let [min, max] = self.bbox_mm;
        [max[0] - min[0], max[1] - min[1], max[2] - min[2]]
    }

    /// Whether the model fits a printer's build volume as it stands.
    pub fn fits(&self, build_volume_mm: [f64; 3]) -> bool {
        self.size_mm().iter().zip(build_volume_mm).all(|(size, room)| *size <= room)
    }
}

pub fn analyse(mesh: &Mesh, options: &AnalysisOptions) -> Analysis {
    // The edge check (a sort of every edge) and the sums over faces are
    // independent; on native targets they run on two cores. wasm32 has no
    // threads here, so it runs them one after the other.
    #[cfg(not(target_arch = "wasm32"))]
    let (edges, sums) = std::thread::scope(|scope| {
        // Roughly equal halves: the edge sort alone; the face sums with the shells.
        let edges = scope.spawn(|| edge_report(mesh));
        let rest = (face_sums(mesh, options), shells(mesh));
        ((edges.join().expect("edge check does not panic"), rest.1), rest.0)
    });
    #[cfg(target_arch = "wasm32")]
    let (edges, sums) = ((edge_report(mesh), shells(mesh)), face_sums(mesh, options));
    let ((edges, shells), (bbox_mm, signed_volume, area_mm2, overhang_area_mm2)) = (edges, sums);

    Analysis {
        triangles: mesh.triangles.len(),
        volume_mm3: signed_volume.abs(),
        area_mm2,
        bbox_mm,
        watertight: edges.open == 0 && edges.bad == 0,
        open_edges: edges.open,
        bad_edges: edges.bad,
        shells,
        inverted: signed_volume < 0.0,
        overhang_area_mm2,
        needs_support: overhang_area_mm2 > options.support_threshold_mm2,
    }
}

/// Bounding box, signed volume, area and overhanging area in one pass.
fn face_sums(mesh: &Mesh, options: &AnalysisOptions) -> ([[f64; 3]; 2], f64, f64, f64) {
    let bbox_mm = bounding_box(mesh);
    let origin = bbox_mm[0];
    let bed_z = bbox_mm[0][2];
    let overhang_limit = -options.overhang_angle_deg.to_radians().sin();

    let mut signed_volume = 0.0;
    let mut area_mm2 = 0.0;
    let mut overhang_area_mm2 = 0.0;
    for corners in mesh.triangle_corners() {
        // Relative to the box corner, so large coordinates lose no precision.
        let [a, b, c] = corners.map(|p| sub(p, origin));
        signed_volume += dot(a, cross(b, c)) / 6.0;
        let doubled = cross(sub(b, a), sub(c, a));
        let length = norm(doubled);
        area_mm2 += length / 2.0;
        if length > 0.0 && doubled[2] / length < overhang_limit {
            let on_bed = corners.iter().all(|p| (p[2] - bed_z).abs() < 1e-3);
            if !on_bed {
                overhang_area_mm2 += length / 2.0;
            }
        }
    }
    (bbox_mm, signed_volume, area_mm2, overhang_area_mm2)
}

pub fn bounding_box(mesh: &Mesh) -> [[f64; 3]; 2] {
    let mut min = [f64::INFINITY; 3];
    let mut max = [f64::NEG_INFINITY; 3];
    for triangle in &mesh.triangles {
        for &i in triangle {
            let p = mesh.vertices[i as usize];
            for axis in 0..3 {
                min[axis] = min[axis].min(p[axis]);
                max[axis] = max[axis].max(p[axis]);
            }
        }
    }
    if mesh.triangles.is_empty() { [[0.0; 3]; 2] } else { [min, max] }
}

struct EdgeReport {
    open: usize,
    bad: usize,
}

/// Sorts every directed edge by its undirected key; a good edge appears
/// exactly twice, once in each direction. Sorting a flat array is faster
/// than a hash map at millions of edges and needs no hashing.
fn edge_report(mesh: &Mesh) -> EdgeReport {
    let key_bits = 2 * (32 - (mesh.vertices.len().max(1) as u32).leading_zeros()) + 1;
    let mut edges: Vec<u64> = Vec::with_capacity(mesh.triangles.len() * 3);
    for t in &mesh.triangles {
        for (a, b) in [(t[0], t[1]), (t[1], t[2]), (t[2], t[0])] {
            let (low, high, forward) = if a < b { (a, b, 1) } else { (b, a, 0) };
            // key in the high bits, direction in the lowest bit
            edges.push(((u64::from(low) << 32 | u64::from(high)) << 1) | forward);
        }
    }
    if key_bits <= 43 {
        // Pack (low, high, direction) densely, then radix sort: a few linear
        // passes instead of n log n comparisons. Order is the same.
        let shift = key_bits / 2;
        for e in edges.iter_mut() {
            let (low, high, dir) = (*e >> 33, (*e >> 1) & 0xFFFF_FFFF, *e & 1);
            *e = (low << (shift + 1)) | (high << 1) | dir;
        }
        radix_sort(&mut edges, key_bits);
        for e in edges.iter_mut() {
            let (low, high, dir) = (*e >> (shift + 1), (*e >> 1) & ((1 << shift) - 1), *e & 1);
            *e = ((low << 32 | high) << 1) | dir;
        }
    } else {
        edges.sort_unstable();
    }
    let (mut open, mut bad) = (0, 0);
    let mut i = 0;
    while i < edges.len() {
        let key = edges[i] >> 1;
        let mut j = i;
        while j < edges.len() && edges[j] >> 1 == key {
            j += 1;
        }
        match j - i {
            1 => open += 1,
            // sorted, so a good pair is one backward (0) then one forward (1)
            2 if edges[i] & 1 == 0 && edges[i + 1] & 1 == 1 => {}
            _ => bad += 1,
        }
        i = j;
    }
    EdgeReport { open, bad }
}

/// Least-significant-digit radix sort on the low `bits` bits, 11 bits a pass.
/// Written here rather than pulled in as a crate: it is twenty lines, and the
/// kernel compiles to wasm with as few dependencies as possible.
fn radix_sort(keys: &mut Vec<u64>, bits: u32) {
    const DIGIT: u32 = 11;
    let mut scratch = vec![0u64; keys.len()];
    let mut shift = 0;
    while shift < bits {
        let mut counts = [0usize; 1 << DIGIT];
        for &k in keys.iter() {
            counts[((k >> shift) & ((1 << DIGIT) - 1)) as usize] += 1;
        }
        let mut total = 0;
        for c in counts.iter_mut() {
            let n = *c;
            *c = total;
            total += n;
        }
        for &k in keys.iter() {
            let digit = ((k >> shift) & ((1 << DIGIT) - 1)) as usize;
            scratch[counts[digit]] = k;
            counts[digit] += 1;
        }
        std::mem::swap(keys, &mut scratch);
        shift += DIGIT;
    }
}

/// Connected pieces, joining triangles that share a vertex.
fn shells(mesh: &Mesh) -> usize {
    let mut parent: Vec<u32> = (0..mesh.vertices.len() as u32).collect();
    fn root(parent: &mut [u32], mut v: u32) -> u32 {
        while parent[v as usize] != v {
            parent[v as usize] = parent[parent[v as usize] as usize];
            v = parent[v as usize];
        }
        v
    }
    for t in &mesh.triangles {
        let a = root(&mut parent, t[0]);
        for &other in &t[1..] {
            let b = root(&mut parent, other);
            if a != b {
                parent[b as usize] = a;
            }
        }
    }
    let mut used = vec![false; mesh.vertices.len()];
    for t in &mesh.triangles {
        for &v in t {
            used[v as usize] = true;
        }
    }
    (0..mesh.vertices.len() as u32).filter(|&v| used[v as usize] && root(&mut parent, v) == v).count()
}

/// How far a solid's centre of mass lies inside the footprint it stands
/// on, mm: the distance from the centre (seen from above) to the nearest
/// edge of the convex hull of its lowest points, negative when outside.
/// `None` for a mesh with no volume or no base to stand on.
pub fn stance_mm(mesh: &Mesh) -> Option<f64> {
    // The centre of mass: each triangle with the origin is a tetrahedron.
    let (mut volume, mut moment) = (0.0, [0.0; 3]);
    for t in &mesh.triangles {
        let [a, b, c] = t.map(|i| mesh.vertices[i as usize]);
        let v = (a[0] * (b[1] * c[2] - b[2] * c[1]) - a[1] * (b[0] * c[2] - b[2] * c[0])
            + a[2] * (b[0] * c[1] - b[1] * c[0]))
            / 6.0;
        volume += v;
        for k in 0..3 {
            moment[k] += v * (a[k] + b[k] + c[k]) / 4.0;
        }
    }
    if volume.abs() < 1e-9 {
        return None;
    }
    let centre = [moment[0] / volume, moment[1] / volume];
    // The footprint: the points within 0.2 mm of the lowest, hulled.
    let low = mesh.vertices.iter().map(|v| v[2]).fold(f64::INFINITY, f64::min);
    let mut base: Vec<[f64; 2]> =
        mesh.vertices.iter().filter(|v| v[2] <= low + 0.2).map(|v| [v[0], v[1]]).collect();
    base.sort_by(|p, q| p[0].total_cmp(&q[0]).then(p[1].total_cmp(&q[1])));
    base.dedup();
    if base.len() < 3 {
        return None;
    }
    // Andrew's monotone chain: the hull counter-clockwise.
    let cross =
        |o: [f64; 2], a: [f64; 2], b: [f64; 2]| (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0]);
    let mut hull: Vec<[f64; 2]> = Vec::new();
    for pass in [&base[..], &base.iter().rev().copied().collect::<Vec<_>>()[..]] {
        let start = hull.len();
        for &p in pass {
            while hull.len() >= start + 2 && cross(hull[hull.len() - 2], hull[hull.len() - 1], p) <= 0.0 {
                hull.pop();
            }
            hull.push(p);
        }
        hull.pop();
    }
    if hull.len() < 3 {
        return None;
    }
    // The signed distance to each edge (inside: positive); the least.
    let mut nearest = f64::INFINITY;
    for i in 0..hull.len() {
        let (a, b) = (hull[i], hull[(i + 1) % hull.len()]);
        let length = ((b[0] - a[0]).powi(2) + (b[1] - a[1]).powi(2)).sqrt();
        if length > 1e-12 {
            nearest = nearest.min(cross(a, b, centre) / length);
        }
    }
    nearest.is_finite().then_some(nearest)
}

/// The outward unit normal of a counter-clockwise triangle; `None` when it has no area.
pub fn unit_normal(corners: [[f64; 3]; 3]) -> Option<[f64; 3]> {
    let [a, b, c] = corners;
    let n = cross(sub(b, a), sub(c, a));
    let length = norm(n);
    (length > 0.0).then(|| n.map(|x| x / length))
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    #[test]
    fn a_solid_stands_when_its_weight_is_over_its_base() {
        // A 40 × 40 block: its centre is 20 mm inside every edge.
        let block = cuboid([0.0, 0.0, 0.0], [40.0, 40.0, 10.0]);
        assert!((stance_mm(&block).unwrap() - 20.0).abs() < 1e-9);
        // An L leaning out: a tall block standing on one corner of a thin foot.
        let mut leaning = cuboid([0.0, 0.0, 0.0], [10.0, 10.0, 2.0]);
        let top = cuboid([8.0, 0.0, 2.0], [60.0, 10.0, 40.0]);
        let offset = leaning.vertices.len() as u32;
        leaning.vertices.extend(top.vertices);
        leaning.triangles.extend(top.triangles.iter().map(|t| t.map(|i| i + offset)));
        assert!(stance_mm(&leaning).unwrap() < 0.0, "its weight is past its foot");
        assert_eq!(stance_mm(&Mesh::default()), None);
    }

    /// An axis-aligned box, outward-facing, from `min` to `max`.
    pub(crate) fn cuboid(min: [f64; 3], max: [f64; 3]) -> Mesh {
        let corner = |i: usize| {
            [
                if i & 1 == 0 { min[0] } else { max[0] },
                if i & 2 == 0 { min[1] } else { max[1] },
                if i & 4 == 0 { min[2] } else { max[2] },
            ]
        };
        let vertices = (0..8).map(corner).collect();
        let triangles = vec![
            [0, 2, 1],
            [1, 2, 3], // bottom (z min), facing down
            [4, 5, 6],
            [5, 7, 6], // top
            [0, 1, 4],
            [1, 5, 4], // y min
            [2, 6, 3],
            [3, 6, 7], // y max
            [0, 4, 2],
            [2, 4, 6], // x min
            [1, 3, 5],
            [3, 7, 5], // x max
        ];
        Mesh { vertices, triangles }
    }

    #[test]
    fn a_box_is_a_watertight_solid_that_needs_no_support() {
        let a = analyse(&cuboid([0.0; 3], [10.0, 20.0, 30.0]), &AnalysisOptions::default());
        assert_eq!(a.triangles, 12);
        assert!((a.volume_mm3 - 6000.0).abs() < 1e-9);
        assert!((a.area_mm2 - 2.0 * (200.0 + 300.0 + 600.0)).abs() < 1e-9);
        assert_eq!(a.bbox_mm, [[0.0; 3], [10.0, 20.0, 30.0]]);
        assert!(a.watertight && !a.inverted);
        assert_eq!((a.open_edges, a.bad_edges, a.shells), (0, 0, 1));
        assert_eq!(a.overhang_area_mm2, 0.0, "the bottom rests on the bed");
        assert!(!a.needs_support);
        assert!(a.fits([250.0, 210.0, 220.0]) && !a.fits([5.0, 210.0, 220.0]));
    }

    #[test]
    fn holes_flips_and_pieces_are_seen() {
        let mut open = cuboid([0.0; 3], [1.0; 3]);
        open.triangles.pop();
        let a = analyse(&open, &AnalysisOptions::default());
        assert!(!a.watertight);
        assert_eq!(a.open_edges, 3);

        let mut inverted = cuboid([0.0; 3], [1.0; 3]);
        inverted.triangles.iter_mut().for_each(|t| t.swap(1, 2));
        let a = analyse(&inverted, &AnalysisOptions::default());
        assert!(a.inverted && a.watertight);
        assert!((a.volume_mm3 - 1.0).abs() < 1e-12);

        let mut one_flipped = cuboid([0.0; 3], [1.0; 3]);
        one_flipped.triangles[0].swap(1, 2);
        assert_eq!(analyse(&one_flipped, &AnalysisOptions::default()).bad_edges, 3);

        let mut two = cuboid([0.0; 3], [1.0; 3]);
        let other = cuboid([5.0; 3], [6.0; 3]);
        let offset = two.vertices.len() as u32;
        two.vertices.extend(other.vertices);
        two.triangles.extend(other.triangles.iter().map(|t| t.map(|i| i + offset)));
        assert_eq!(analyse(&two, &AnalysisOptions::default()).shells, 2);
    }

    #[test]
    fn a_floating_box_overhangs_by_its_underside() {
        let a = analyse(
            &{
                let mut m = cuboid([0.0, 0.0, 5.0], [10.0, 10.0, 15.0]);
                // add a pillar so the box's underside is not the lowest point
                let pillar = cuboid([4.0, 4.0, 0.0], [6.0, 6.0, 5.0]);
                let offset = m.vertices.len() as u32;
                m.vertices.extend(pillar.vertices);
                m.triangles.extend(pillar.triangles.iter().map(|t| t.map(|i| i + offset)));
                m
            },
            &AnalysisOptions::default(),
        );
        assert!((a.overhang_area_mm2 - 100.0).abs() < 1e-9, "{}", a.overhang_area_mm2);
        assert!(a.needs_support);
    }
}
