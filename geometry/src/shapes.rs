//! Closed solids generated from a few numbers: fixtures for tests and
//! benchmarks, and building blocks for pedestals.

use crate::Mesh;

/// A box from `min` to `min + size` (mm): 8 vertices, 12 triangles, facing
/// outwards.
pub fn cuboid(min: [f64; 3], size: [f64; 3]) -> Mesh {
    let corner = |i: usize| [0, 1, 2].map(|k| min[k] + if i & (1 << k) == 0 { 0.0 } else { size[k] });
    Mesh {
        vertices: (0..8).map(corner).collect(),
        triangles: vec![
            [0, 2, 1],
            [1, 2, 3],
            [4, 5, 6],
            [5, 7, 6],
            [0, 1, 4],
            [1, 5, 4],
            [2, 6, 3],
            [3, 6, 7],
            [0, 4, 2],
            [2, 4, 6],
            [1, 3, 5],
            [3, 7, 5],
        ],
    }
}

/// A UV sphere of `radius` mm centred at `centre`, with `slices` around and
/// `stacks` from pole to pole: `2 × slices × (stacks − 1)` triangles,
/// watertight and facing outwards.
pub fn uv_sphere(centre: [f64; 3], radius: f64, slices: u32, stacks: u32) -> Mesh {
    assert!(slices >= 3 && stacks >= 2, "a sphere needs at least 3 slices and 2 stacks");
    let mut mesh = Mesh::default();
    mesh.vertices.push([centre[0], centre[1], centre[2] - radius]); // south pole: 0
    for stack in 1..stacks {
        let polar = std::f64::consts::PI * f64::from(stack) / f64::from(stacks);
        let (ring, z) = (radius * polar.sin(), -radius * polar.cos());
        for slice in 0..slices {
            let azimuth = std::f64::consts::TAU * f64::from(slice) / f64::from(slices);
            mesh.vertices.push([
                centre[0] + ring * azimuth.cos(),
                centre[1] + ring * azimuth.sin(),
                centre[2] + z,
            ]);
        }
    }
    let north = mesh.vertices.len() as u32;
    mesh.vertices.push([centre[0], centre[1], centre[2] + radius]);
    let at = |stack: u32, slice: u32| 1 + (stack - 1) * slices + slice % slices;
    for slice in 0..slices {
        mesh.triangles.push([0, at(1, slice + 1), at(1, slice)]);
        mesh.triangles.push([north, at(stacks - 1, slice), at(stacks - 1, slice + 1)]);
    }
    for stack in 1..stacks - 1 {
        for slice in 0..slices {
            let (a, b) = (at(stack, slice), at(stack, slice + 1));
            let (c, d) = (at(stack + 1, slice), at(stack + 1, slice + 1));
            mesh.triangles.push([a, b, d]);
            mesh.triangles.push([a, d, c]);
        }
    }
    mesh
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{AnalysisOptions, analyse};

    #[test]
    fn a_fine_sphere_is_closed_and_close_to_four_thirds_pi_r_cubed() {
        let sphere = uv_sphere([0.0, 0.0, 20.0], 10.0, 128, 64);
        let a = analyse(&sphere, &AnalysisOptions::default());
        assert_eq!(a.triangles, 2 * 128 * 63);
        assert!(a.watertight && !a.inverted && a.shells == 1, "{a:?}");
        let exact = 4.0 / 3.0 * std::f64::consts::PI * 1000.0;
        assert!((a.volume_mm3 - exact).abs() / exact < 0.002, "{}", a.volume_mm3);
        // The lower half overhangs; only the very bottom cap rests on the bed.
        assert!(a.needs_support);
    }
}
