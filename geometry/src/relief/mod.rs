//! The offline image → 3D: a relief of a picture's foreground.
//!
//! PNG or JPEG → foreground mask (the alpha channel when the picture has
//! one, otherwise everything not connected to the border by background-like
//! colour) → the largest piece, cropped → a height per cell from brightness
//! on a flat base → one closed, outward-facing solid of the asked width,
//! capped near 200 000 triangles.

use crate::Mesh;

mod figure;
mod mask;
pub use figure::{FigureOptions, figure};
use mask::{bounds, foreground, largest_piece, luminance, remove_pinches, shrink};

#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ReliefOptions {
    /// Width of the finished relief, mm (its longer side if taller than wide).
    pub width_mm: f64,
    /// Thickness of the flat base under the picture, mm.
    pub base_mm: f64,
    /// Extra height of the brightest parts over the darkest, mm.
    pub relief_mm: f64,
    /// Most cells in the height grid (about four triangles each).
    pub max_cells: usize,
}

impl Default for ReliefOptions {
    fn default() -> Self {
        ReliefOptions { width_mm: 80.0, base_mm: 2.0, relief_mm: 3.0, max_cells: 48_000 }
    }
}

#[derive(thiserror::Error, Debug, Clone, PartialEq)]
pub enum ReliefError {
    #[error(transparent)]
    Picture(#[from] crate::picture::PictureError),
    #[error("no foreground found: the picture looks like plain background")]
    NoForeground,
    #[error("the width must be between 5 and 400 mm, not {0}")]
    Width(f64),
}

/// Working resolution for masking: plenty for a relief, quick to flood.
const WORK_SIDE: u32 = 512;
/// Colour distance (0–441) under which a pixel counts as background.
const BACKGROUND_DISTANCE: f64 = 48.0;

/// A relief: a flat base with the picture's bright parts raised over it.
pub fn relief(image_bytes: &[u8], options: &ReliefOptions) -> Result<Mesh, ReliefError> {
    let grid = Grid::of(image_bytes, options.width_mm, options.max_cells)?;
    let top = |col, row| options.base_mm + options.relief_mm * grid.corner_light(col, row);
    Ok(grid.build(top, |_, _| 0.0))
}

/// The picture's foreground as cells: which are inside (one 4-connected
/// piece without pinches) and each inside cell's brightness, 0–1.
struct Grid {
    inside: Vec<bool>,
    light: Vec<f64>,
    cols: usize,
    rows: usize,
    /// The side of a cell, mm.
    cell_mm: f64,
}

impl Grid {
    fn of(image_bytes: &[u8], width_mm: f64, max_cells: usize) -> Result<Grid, ReliefError> {
        if !(5.0..=400.0).contains(&width_mm) {
            return Err(ReliefError::Width(width_mm));
        }
        let picture = crate::picture::decode(image_bytes)?;
        let work = shrink(&picture, WORK_SIDE);
        let mask = largest_piece(&foreground(&work), work.width() as usize, work.height() as usize);
        let Some([x0, y0, x1, y1]) = bounds(&mask, work.width() as usize) else {
            return Err(ReliefError::NoForeground);
        };
        // Grid over the cropped foreground, as fine as the cell budget allows.
        let (crop_w, crop_h) = (x1 - x0 + 1, y1 - y0 + 1);
        let step = ((crop_w * crop_h) as f64 / max_cells as f64).sqrt().max(1.0);
        let (cols, rows) = (
            ((crop_w as f64 / step).round() as usize).max(1),
            ((crop_h as f64 / step).round() as usize).max(1),
        );
        let mut inside = vec![false; cols * rows];
        let mut height = vec![0.0f64; cols * rows];
        for row in 0..rows {
            for col in 0..cols {
                let (mut count, mut total, mut light) = (0usize, 0usize, 0.0);
                let (px0, px1) =
                    (x0 + col * crop_w / cols, x0 + ((col + 1) * crop_w / cols).max(col * crop_w / cols + 1));
                let (py0, py1) =
                    (y0 + row * crop_h / rows, y0 + ((row + 1) * crop_h / rows).max(row * crop_h / rows + 1));
                for y in py0..py1.min(y1 + 1) {
                    for x in px0..px1.min(x1 + 1) {
                        total += 1;
                        if mask[y * work.width() as usize + x] {
                            count += 1;
                            light += luminance(work.get_pixel(x as u32, y as u32).0);
                        }
                    }
                }
                if count * 2 > total {
                    inside[row * cols + col] = true;
                    height[row * cols + col] = light / count as f64;
                }
            }
        }
        remove_pinches(&mut inside, cols, rows);
        let inside = largest_piece(&inside, cols, rows);
        if !inside.iter().any(|&i| i) {
            return Err(ReliefError::NoForeground);
        }
        let cell_mm = width_mm / cols.max(rows) as f64;
        Ok(Grid { inside, light: height, cols, rows, cell_mm })
    }

    fn is_in(&self, col: isize, row: isize) -> bool {
        col >= 0
            && row >= 0
            && (col as usize) < self.cols
            && (row as usize) < self.rows
            && self.inside[row as usize * self.cols + col as usize]
    }

    /// The cells around a grid corner (col, row), as flat indices of the
    /// inside ones.
    fn cells_at(&self, col: usize, row: usize) -> impl Iterator<Item = usize> + '_ {
        let (c, r) = (col as isize, row as isize);
        [(c - 1, r - 1), (c, r - 1), (c - 1, r), (c, r)]
            .into_iter()
            .filter(|&(c, r)| self.is_in(c, r))
            .map(|(c, r)| r as usize * self.cols + c as usize)
    }

    /// The mean of `values` over the inside cells around a corner.
    fn corner_mean(&self, values: &[f64], col: usize, row: usize) -> f64 {
        let (sum, n) = self.cells_at(col, row).fold((0.0, 0.0), |(s, n), i| (s + values[i], n + 1.0));
        sum / n
    }

    fn corner_light(&self, col: usize, row: usize) -> f64 {
        self.corner_mean(&self.light, col, row)
    }

    /// Whether a corner is on the outline (some cell around it is outside).
    fn on_outline(&self, col: usize, row: usize) -> bool {
        self.cells_at(col, row).count() < 4
    }

    /// A closed solid over the inside cells: a top surface at `top`'s
    /// height of each corner, a bottom at `bottom`'s (below the top), and
    /// walls wherever an inside cell meets outside.
    fn build(&self, top_z: impl Fn(usize, usize) -> f64, bottom_z: impl Fn(usize, usize) -> f64) -> Mesh {
        let (cols, rows, cell_mm) = (self.cols, self.rows, self.cell_mm);
        let corners = (cols + 1) * (rows + 1);
        let mut top = vec![u32::MAX; corners];
        let mut bottom = vec![u32::MAX; corners];
        let mut mesh = Mesh::default();
        // Image rows run downwards; y runs up, so row r is at y = rows − r.
        let vertex = |mesh: &mut Mesh, slot: &mut Vec<u32>, col: usize, row: usize, z: f64| -> u32 {
            let at = row * (cols + 1) + col;
            if slot[at] == u32::MAX {
                slot[at] = mesh.vertices.len() as u32;
                mesh.vertices.push([col as f64 * cell_mm, (rows - row) as f64 * cell_mm, z]);
            }
            slot[at]
        };
        for row in 0..rows {
            for col in 0..cols {
                if !self.inside[row * cols + col] {
                    continue;
                }
                // Corners counter-clockwise seen from above (x right, y up):
                // bottom-left, bottom-right, top-right, top-left of the cell.
                let ring = [(col, row + 1), (col + 1, row + 1), (col + 1, row), (col, row)];
                let t = ring.map(|(c, r)| vertex(&mut mesh, &mut top, c, r, top_z(c, r)));
                let b = ring.map(|(c, r)| vertex(&mut mesh, &mut bottom, c, r, bottom_z(c, r)));
                mesh.triangles.push([t[0], t[1], t[2]]);
                mesh.triangles.push([t[0], t[2], t[3]]);
                mesh.triangles.push([b[0], b[2], b[1]]);
                mesh.triangles.push([b[0], b[3], b[2]]);
                // The neighbour across each edge u→v of the ring: below, right, above, left.
                let across = [(0isize, 1isize), (1, 0), (0, -1), (-1, 0)];
                for (k, (dc, dr)) in across.into_iter().enumerate() {
                    if self.is_in(col as isize + dc, row as isize + dr) {
                        continue;
                    }
                    let (u, v) = (k, (k + 1) % 4);
                    mesh.triangles.push([t[v], t[u], b[u]]);
                    mesh.triangles.push([t[v], b[u], b[v]]);
                }
            }
        }
        mesh
    }
}

/// A relief stood up as a plaque: its picture, which faces up (+z) as
/// made, faces the front (−y, where the studio's camera starts and a
/// pedestal's words face), and the picture's top is up. A quarter turn about
/// the x axis; the caller stands it on z = 0.
pub fn upright(mut mesh: Mesh) -> Mesh {
    for v in &mut mesh.vertices {
        *v = [v[0], -v[2], v[1]];
    }
    mesh
}

#[cfg(test)]
mod tests;
