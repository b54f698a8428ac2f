//! The offline image → 3D: a relief of a picture's foreground.
//!
//! PNG or JPEG → foreground mask (the alpha channel when the picture has
//! one, otherwise everything not connected to the border by background-like
//! colour) → the largest piece, cropped → a height per cell from brightness
//! on a flat base → one closed, outward-facing solid of the asked width,
//! capped near 200 000 triangles.

use image::RgbaImage;
use std::collections::VecDeque;

use crate::Mesh;

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

pub fn relief(image_bytes: &[u8], options: &ReliefOptions) -> Result<Mesh, ReliefError> {
    if !(5.0..=400.0).contains(&options.width_mm) {
        return Err(ReliefError::Width(options.width_mm));
    }
    let picture = crate::picture::decode(image_bytes)?;
    let work = shrink(&picture, WORK_SIDE);
    let mask = largest_piece(&foreground(&work), work.width() as usize, work.height() as usize);
    let Some([x0, y0, x1, y1]) = bounds(&mask, work.width() as usize) else {
        return Err(ReliefError::NoForeground);
    };
    // Grid over the cropped foreground, as fine as the cell budget allows.
    let (crop_w, crop_h) = (x1 - x0 + 1, y1 - y0 + 1);
    let step = ((crop_w * crop_h) as f64 / options.max_cells as f64).sqrt().max(1.0);
    let (cols, rows) =
        (((crop_w as f64 / step).round() as usize).max(1), ((crop_h as f64 / step).round() as usize).max(1));
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
    let cell_mm = options.width_mm / cols.max(rows) as f64;
    Ok(build(&inside, &height, cols, rows, cell_mm, options))
}

/// Box-filters the picture down so its longer side is at most `side`.
fn shrink(picture: &RgbaImage, side: u32) -> RgbaImage {
    let longest = picture.width().max(picture.height());
    if longest <= side {
        return picture.clone();
    }
    let (w, h) = (
        (picture.width() as u64 * side as u64 / longest as u64).max(1) as u32,
        (picture.height() as u64 * side as u64 / longest as u64).max(1) as u32,
    );
    image::imageops::resize(picture, w, h, image::imageops::FilterType::Triangle)
}

/// Alpha when the picture uses it; else the background flooded in from the border.
fn foreground(work: &RgbaImage) -> Vec<bool> {
    let (w, h) = (work.width() as usize, work.height() as usize);
    if work.pixels().any(|p| p.0[3] < 250) {
        return work.pixels().map(|p| p.0[3] >= 128).collect();
    }
    let mut background = vec![false; w * h];
    let mut queue = VecDeque::new();
    let close = |a: [u8; 4], b: [u8; 4]| {
        let d: f64 = (0..3).map(|k| (f64::from(a[k]) - f64::from(b[k])).powi(2)).sum();
        d.sqrt() < BACKGROUND_DISTANCE
    };
    for x in 0..w {
        queue.push_back((x, 0, work.get_pixel(x as u32, 0).0));
        queue.push_back((x, h - 1, work.get_pixel(x as u32, (h - 1) as u32).0));
    }
    for y in 0..h {
        queue.push_back((0, y, work.get_pixel(0, y as u32).0));
        queue.push_back((w - 1, y, work.get_pixel((w - 1) as u32, y as u32).0));
    }
    // Each border pixel seeds a fill of pixels close to the colour it came from,
    // so gradients and shadows in the background are followed step by step.
    while let Some((x, y, from)) = queue.pop_front() {
        let here = work.get_pixel(x as u32, y as u32).0;
        if background[y * w + x] || !close(here, from) {
            continue;
        }
        background[y * w + x] = true;
        for (nx, ny) in neighbours(x, y, w, h) {
            if !background[ny * w + nx] {
                queue.push_back((nx, ny, here));
            }
        }
    }
    background.iter().map(|b| !b).collect()
}

fn neighbours(x: usize, y: usize, w: usize, h: usize) -> impl Iterator<Item = (usize, usize)> {
    [(x.wrapping_sub(1), y), (x + 1, y), (x, y.wrapping_sub(1)), (x, y + 1)]
        .into_iter()
        .filter(move |&(nx, ny)| nx < w && ny < h)
}

/// Keeps the largest 4-connected piece: a keepsake is one object.
fn largest_piece(mask: &[bool], w: usize, h: usize) -> Vec<bool> {
    let mut label = vec![0u32; w * h];
    let (mut best, mut best_size, mut next) = (0, 0, 0);
    for start in 0..w * h {
        if !mask[start] || label[start] != 0 {
            continue;
        }
        next += 1;
        let mut size = 0;
        let mut queue = VecDeque::from([start]);
        label[start] = next;
        while let Some(i) = queue.pop_front() {
            size += 1;
            for (nx, ny) in neighbours(i % w, i / w, w, h) {
                let j = ny * w + nx;
                if mask[j] && label[j] == 0 {
                    label[j] = next;
                    queue.push_back(j);
                }
            }
        }
        if size > best_size {
            (best, best_size) = (next, size);
        }
    }
    label.iter().map(|&l| l != 0 && l == best).collect()
}

/// Two cells that touch only at a corner would share one vertical edge among
/// four walls (not a manifold); filling one of the other two cells joins them.
fn remove_pinches(inside: &mut [bool], cols: usize, rows: usize) {
    loop {
        let mut changed = false;
        for row in 0..rows.saturating_sub(1) {
            for col in 0..cols.saturating_sub(1) {
                let [a, b, c, d] = [
                    row * cols + col,
                    row * cols + col + 1,
                    (row + 1) * cols + col,
                    (row + 1) * cols + col + 1,
                ];
                if inside[a] && inside[d] && !inside[b] && !inside[c] {
                    inside[b] = true;
                    changed = true;
                } else if inside[b] && inside[c] && !inside[a] && !inside[d] {
                    inside[a] = true;
                    changed = true;
                }
            }
        }
        if !changed {
            return;
        }
    }
}

fn bounds(mask: &[bool], w: usize) -> Option<[usize; 4]> {
    let mut b: Option<[usize; 4]> = None;
    for (i, _) in mask.iter().enumerate().filter(|(_, m)| **m) {
        let (x, y) = (i % w, i / w);
        b = Some(match b {
            None => [x, y, x, y],
            Some([x0, y0, x1, y1]) => [x0.min(x), y0.min(y), x1.max(x), y1.max(y)],
        });
    }
    b
}

fn luminance(p: [u8; 4]) -> f64 {
    (0.2126 * f64::from(p[0]) + 0.7152 * f64::from(p[1]) + 0.0722 * f64::from(p[2])) / 255.0
}

/// A closed solid from the cell grid: a top surface at each corner's mean
/// height, a flat bottom, and walls wherever an inside cell meets outside.
fn build(
    inside: &[bool],
    light: &[f64],
    cols: usize,
    rows: usize,
    cell_mm: f64,
    options: &ReliefOptions,
) -> Mesh {
    let is_in = |col: isize, row: isize| {
        col >= 0
            && row >= 0
            && (col as usize) < cols
            && (row as usize) < rows
            && inside[row as usize * cols + col as usize]
    };
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
    let corner_height = |col: usize, row: usize| {
        let (mut sum, mut n) = (0.0, 0.0);
        for (c, r) in [
            (col as isize - 1, row as isize - 1),
            (col as isize, row as isize - 1),
            (col as isize - 1, row as isize),
            (col as isize, row as isize),
        ] {
            if is_in(c, r) {
                sum += light[r as usize * cols + c as usize];
                n += 1.0;
            }
        }
        options.base_mm + options.relief_mm * sum / n
    };
    for row in 0..rows {
        for col in 0..cols {
            if !inside[row * cols + col] {
                continue;
            }
            // Corners counter-clockwise seen from above (x right, y up):
            // bottom-left, bottom-right, top-right, top-left of the cell.
            let ring = [(col, row + 1), (col + 1, row + 1), (col + 1, row), (col, row)];
            let t = ring.map(|(c, r)| vertex(&mut mesh, &mut top, c, r, corner_height(c, r)));
            let b = ring.map(|(c, r)| vertex(&mut mesh, &mut bottom, c, r, 0.0));
            mesh.triangles.push([t[0], t[1], t[2]]);
            mesh.triangles.push([t[0], t[2], t[3]]);
            mesh.triangles.push([b[0], b[2], b[1]]);
            mesh.triangles.push([b[0], b[3], b[2]]);
            // The neighbour across each edge u→v of the ring: below, right, above, left.
            let across = [(0isize, 1isize), (1, 0), (0, -1), (-1, 0)];
            for (k, (dc, dr)) in across.into_iter().enumerate() {
                if is_in(col as isize + dc, row as isize + dr) {
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
mod tests {
    use super::*;
    use crate::{AnalysisOptions, analyse};

    fn png(image: &RgbaImage) -> Vec<u8> {
        let mut out = std::io::Cursor::new(Vec::new());
        image.write_to(&mut out, image::ImageFormat::Png).unwrap();
        out.into_inner()
    }

    /// A dark-red disc with a bright ring inside, on white, with a faint
    /// grey gradient in the background and a stray speck in a corner.
    fn emblem(size: u32) -> RgbaImage {
        RgbaImage::from_fn(size, size, |x, y| {
            let (dx, dy) = (x as f64 - size as f64 / 2.0, y as f64 - size as f64 / 2.0);
            let r = (dx * dx + dy * dy).sqrt() / size as f64;
            if r < 0.2 && r > 0.14 {
                image::Rgba([250, 220, 120, 255])
            } else if r < 0.35 {
                image::Rgba([140, 30, 40, 255])
            } else if x < 4 && y < 4 {
                image::Rgba([20, 20, 20, 255])
            } else {
                let shade = 255 - (y * 20 / size) as u8;
                image::Rgba([shade, shade, shade, 255])
            }
        })
    }

    #[test]
    fn a_disc_on_white_becomes_one_closed_round_relief() {
        let mesh = relief(&png(&emblem(300)), &ReliefOptions::default()).unwrap();
        let a = analyse(&mesh, &AnalysisOptions::default());
        assert!(a.watertight && !a.inverted, "{a:?}");
        assert_eq!(a.shells, 1, "the stray speck is dropped");
        let size = a.size_mm();
        assert!((size[0] - 80.0).abs() < 0.5 && (size[1] - 80.0).abs() < 2.0, "{size:?}");
        assert!(size[2] > 2.0 && size[2] <= 5.0, "{size:?}");
        // A disc of diameter 80 mm, 2 mm base plus relief: between 2 and 5 mm thick.
        let disc = std::f64::consts::PI * 40.0 * 40.0;
        assert!(a.volume_mm3 > disc * 2.0 * 0.95 && a.volume_mm3 < disc * 5.0, "{}", a.volume_mm3);
        assert!(a.triangles <= 210_000);
    }

    #[test]
    fn alpha_decides_the_foreground_when_present() {
        let picture = RgbaImage::from_fn(100, 60, |x, _| {
            if (20..80).contains(&x) { image::Rgba([0, 0, 0, 255]) } else { image::Rgba([0, 0, 0, 0]) }
        });
        let mesh = relief(&png(&picture), &ReliefOptions { width_mm: 30.0, ..Default::default() }).unwrap();
        let a = analyse(&mesh, &AnalysisOptions::default());
        assert!(a.watertight);
        // 60 × 60 px of foreground → a 30 × 30 mm block of base height only (black).
        assert!(
            (a.size_mm()[0] - 30.0).abs() < 1e-9 && (a.size_mm()[1] - 30.0).abs() < 1e-9,
            "{:?}",
            a.size_mm()
        );
        assert!((a.volume_mm3 - 30.0 * 30.0 * 2.0).abs() < 1e-6, "{}", a.volume_mm3);
    }

    #[test]
    fn bad_pictures_get_clear_errors() {
        let options = ReliefOptions::default();
        assert!(matches!(
            relief(b"not a picture", &options),
            Err(ReliefError::Picture(crate::picture::PictureError::Unreadable(_)))
        ));
        let blank = RgbaImage::from_pixel(50, 50, image::Rgba([255, 255, 255, 255]));
        assert_eq!(relief(&png(&blank), &options), Err(ReliefError::NoForeground));
        assert_eq!(
            relief(&png(&emblem(50)), &ReliefOptions { width_mm: 1.0, ..options }),
            Err(ReliefError::Width(1.0))
        );
        let mut truncated = png(&emblem(64));
        truncated.truncate(truncated.len() / 2);
        assert!(matches!(
            relief(&truncated, &options),
            Err(ReliefError::Picture(crate::picture::PictureError::Unreadable(_)))
        ));
    }

    #[test]
    fn a_relief_stands_up_as_a_plaque_facing_the_front() {
        let flat = relief(&png(&emblem(200)), &ReliefOptions::default()).unwrap();
        let standing = upright(flat.clone());
        let size = |mesh: &Mesh| {
            let [low, high] = crate::analysis::bounding_box(mesh);
            [high[0] - low[0], high[1] - low[1], high[2] - low[2]]
        };
        let (was, now) = (size(&flat), size(&standing));
        assert!(
            (now[0] - was[0]).abs() < 1e-9
                && (now[1] - was[2]).abs() < 1e-9
                && (now[2] - was[1]).abs() < 1e-9
        );
        let (a, b) =
            (analyse(&flat, &AnalysisOptions::default()), analyse(&standing, &AnalysisOptions::default()));
        assert!(
            b.watertight && (a.volume_mm3 - b.volume_mm3).abs() < 1e-6,
            "a turn, not a mirror: {a:?} {b:?}"
        );
        // The picture's face (the highest points of the flat relief) is now at the front, lowest y.
        let [low, _] = crate::analysis::bounding_box(&standing);
        let mut face = flat.vertices.iter().zip(&standing.vertices).filter(|(f, _)| f[2] > was[2] - 1e-6);
        assert!(face.clone().count() > 0 && face.all(|(_, s)| (s[1] - low[1]).abs() < 1e-6));
    }
}
