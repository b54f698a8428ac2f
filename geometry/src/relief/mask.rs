//! The picture's foreground as a grid of cells: which are inside, and how
//! bright each is.

use image::RgbaImage;
use std::collections::VecDeque;

use super::BACKGROUND_DISTANCE;

/// Box-filters the picture down so its longer side is at most `side`.
pub(super) fn shrink(picture: &RgbaImage, side: u32) -> RgbaImage {
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
pub(super) fn foreground(work: &RgbaImage) -> Vec<bool> {
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

pub(super) fn neighbours(x: usize, y: usize, w: usize, h: usize) -> impl Iterator<Item = (usize, usize)> {
    [(x.wrapping_sub(1), y), (x + 1, y), (x, y.wrapping_sub(1)), (x, y + 1)]
        .into_iter()
        .filter(move |&(nx, ny)| nx < w && ny < h)
}

/// Keeps the largest 4-connected piece: a keepsake is one object.
pub(super) fn largest_piece(mask: &[bool], w: usize, h: usize) -> Vec<bool> {
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
pub(super) fn remove_pinches(inside: &mut [bool], cols: usize, rows: usize) {
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

pub(super) fn bounds(mask: &[bool], w: usize) -> Option<[usize; 4]> {
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

pub(super) fn luminance(p: [u8; 4]) -> f64 {
    (0.2126 * f64::from(p[0]) + 0.7152 * f64::from(p[1]) + 0.0722 * f64::from(p[2])) / 255.0
}
