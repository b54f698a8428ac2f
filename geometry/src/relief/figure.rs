//! The rounded figure: the picture's outline inflated into a smooth solid,
//! round on both sides like a cookie-cutter plush.
//!
//! Each cell's distance to the outline (an exact Euclidean distance
//! transform) sets its thickness: a circular profile that rises from a thin
//! rim to the full thickness at the figure's deepest point, the same on
//! the back as on the front; the front also carries a little of the
//! picture's brightness so its drawing reads. The same grid and walls as the
//! relief make it one closed solid.

use super::{Grid, ReliefError};
use crate::Mesh;

#[derive(Clone, Copy, Debug, PartialEq)]
pub struct FigureOptions {
    /// Width of the finished figure, mm (its longer side if taller than wide).
    pub width_mm: f64,
    /// Half the thickness at the outline, mm: the thinnest edge printed.
    pub rim_mm: f64,
    /// Most of half the thickness at the figure's deepest point, mm.
    pub max_half_mm: f64,
    /// Height of the picture's brightest parts over its darkest on the front, mm.
    pub detail_mm: f64,
    /// Most cells in the grid (about four triangles each, on both sides).
    pub max_cells: usize,
}

impl Default for FigureOptions {
    fn default() -> Self {
        FigureOptions { width_mm: 80.0, rim_mm: 1.0, max_half_mm: 9.0, detail_mm: 1.2, max_cells: 48_000 }
    }
}

/// Half the figure's thickness over its deepest distance to the outline: a
/// figure as wide as it is round, neither a coin nor a ball.
const DEPTH_PER_DISTANCE: f64 = 0.35;

/// The figure of a picture's foreground, lying down, its front facing up
/// (+z) and its back down, symmetric about z = 0 but for the front's detail.
pub fn figure(image_bytes: &[u8], options: &FigureOptions) -> Result<Mesh, ReliefError> {
    let grid = Grid::of(image_bytes, options.width_mm, options.max_cells)?;
    let distance: Vec<f64> = distance_to_outside(&grid.inside, grid.cols, grid.rows)
        .into_iter()
        .map(|cells| (cells - 0.5).max(0.0) * grid.cell_mm)
        .collect();
    // A corner on the outline is at distance 0: the rim is the same all round.
    let corner_distance = |col, row| {
        if grid.on_outline(col, row) { 0.0 } else { grid.corner_mean(&distance, col, row) }
    };
    let deepest = distance.iter().copied().fold(0.0, f64::max).max(grid.cell_mm);
    let full = (deepest * DEPTH_PER_DISTANCE).clamp(options.rim_mm, options.max_half_mm.max(options.rim_mm));
    // A quarter circle from the rim (t = 0) to the full thickness (t = 1).
    let half = |col, row| {
        let t: f64 = (corner_distance(col, row) / deepest).min(1.0);
        let rise = (1.0 - (1.0 - t) * (1.0 - t)).sqrt();
        (options.rim_mm + (full - options.rim_mm) * rise, rise)
    };
    let front = |col, row| {
        let (h, rise) = half(col, row);
        h + options.detail_mm * grid.corner_light(col, row) * rise
    };
    Ok(grid.build(front, |col, row| -half(col, row).0))
}

/// Each cell's Euclidean distance, in cells, to the nearest cell outside
/// the foreground (the grid's surroundings count as outside); 0 outside.
/// Felzenszwalb and Huttenlocher's two-pass transform, linear in the cells
/// (written here: twenty lines against a dependency).
fn distance_to_outside(inside: &[bool], cols: usize, rows: usize) -> Vec<f64> {
    // Padded by one outside cell all round.
    let (w, h) = (cols + 2, rows + 2);
    let far = ((w * w + h * h) as f64) * 4.0;
    let mut squared = vec![0.0; w * h];
    for row in 0..rows {
        for col in 0..cols {
            if inside[row * cols + col] {
                squared[(row + 1) * w + col + 1] = far;
            }
        }
    }
    let mut line = Vec::with_capacity(w.max(h));
    for col in 0..w {
        line.clear();
        line.extend((0..h).map(|row| squared[row * w + col]));
        for (row, d) in lower_envelope(&line).into_iter().enumerate() {
            squared[row * w + col] = d;
        }
    }
    for row in 0..h {
        let d = lower_envelope(&squared[row * w..(row + 1) * w]);
        squared[row * w..(row + 1) * w].copy_from_slice(&d);
    }
    let mut out = vec![0.0; cols * rows];
    for row in 0..rows {
        for col in 0..cols {
            out[row * cols + col] = squared[(row + 1) * w + col + 1].sqrt();
        }
    }
    out
}

/// The 1-D squared distance transform of `f`: min over q of (p − q)² + f(q).
fn lower_envelope(f: &[f64]) -> Vec<f64> {
    let n = f.len();
    let mut v = vec![0usize; n];
    let mut z = vec![0.0f64; n + 1];
    let mut k = 0;
    z[0] = f64::NEG_INFINITY;
    z[1] = f64::INFINITY;
    let meet = |q: usize, p: usize| {
        ((f[q] + (q * q) as f64) - (f[p] + (p * p) as f64)) / (2.0 * q as f64 - 2.0 * p as f64)
    };
    for q in 1..n {
        let mut s = meet(q, v[k]);
        while s <= z[k] {
            k -= 1;
            s = meet(q, v[k]);
        }
        k += 1;
        v[k] = q;
        z[k] = s;
        z[k + 1] = f64::INFINITY;
    }
    let mut out = vec![0.0; n];
    k = 0;
    for (p, d) in out.iter_mut().enumerate() {
        while z[k + 1] < p as f64 {
            k += 1;
        }
        let q = v[k];
        *d = (p as f64 - q as f64).powi(2) + f[q];
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn distances_are_euclidean_to_the_nearest_outside_cell() {
        // A 5 × 5 block inside a 7 × 7 grid: the centre is 3 cells from outside.
        let (cols, rows) = (7, 7);
        let inside: Vec<bool> =
            (0..cols * rows).map(|i| (1..6).contains(&(i % cols)) && (1..6).contains(&(i / cols))).collect();
        let d = distance_to_outside(&inside, cols, rows);
        assert_eq!(d[3 * cols + 3], 3.0);
        assert_eq!(d[cols + 1], 1.0);
        assert_eq!(d[0], 0.0);
        // A cell two right and one down from the block's corner: nearest outside is above it, 2 away.
        assert_eq!(d[2 * cols + 3], 2.0);
        // Brute force agrees everywhere on an irregular shape.
        let (cols, rows) = (13, 9);
        let inside: Vec<bool> = (0..cols * rows).map(|i| (i * 7919 % 11) > 2 && i % cols != 0).collect();
        let d = distance_to_outside(&inside, cols, rows);
        for (i, found) in d.iter().enumerate() {
            let (c, r) = ((i % cols) as f64, (i / cols) as f64);
            let mut best = f64::INFINITY;
            for row in -1..=rows as isize {
                for col in -1..=cols as isize {
                    let outside = row < 0
                        || col < 0
                        || row >= rows as isize
                        || col >= cols as isize
                        || !inside[row as usize * cols + col as usize];
                    if outside {
                        best = best.min(((col as f64 - c).powi(2) + (row as f64 - r).powi(2)).sqrt());
                    }
                }
            }
            assert!((found - best).abs() < 1e-9, "cell {i}: {found} vs {best}");
        }
    }
}
