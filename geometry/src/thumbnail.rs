//! A shaded picture of a model, drawn in software (no GPU): for the lab's
//! dashboard, "My models" and emails.
//!
//! Orthographic three-quarter view from the front-right and above, flat
//! shading with a key and a fill light, a depth buffer, and 2× supersampling
//! for smooth edges. The same mesh always gives the same bytes.

use crate::Mesh;
use crate::vec3::{cross, dot, normalise, sub};

const BACKGROUND: [f64; 3] = [247.0, 243.0, 238.0];
const MODEL: [f64; 3] = [86.0, 148.0, 128.0];
const SUPERSAMPLE: usize = 2;

#[derive(thiserror::Error, Debug, Clone, PartialEq)]
pub enum ThumbnailError {
    #[error("a thumbnail is 16 to 2048 pixels wide, not {0}")]
    Size(u32),
    #[error("the model has nothing to draw")]
    Empty,
    #[error("the PNG could not be written: {0}")]
    Png(String),
}

/// Renders `mesh` into a square PNG of `size` pixels.
pub fn render_png(mesh: &Mesh, size: u32) -> Result<Vec<u8>, ThumbnailError> {
    let rgb = render_rgb(mesh, size)?;
    let mut out = Vec::new();
    let mut encoder = png::Encoder::new(&mut out, size, size);
    encoder.set_color(png::ColorType::Rgb);
    encoder.set_depth(png::BitDepth::Eight);
    let mut writer = encoder.write_header().map_err(|e| ThumbnailError::Png(e.to_string()))?;
    writer.write_image_data(&rgb).map_err(|e| ThumbnailError::Png(e.to_string()))?;
    writer.finish().map_err(|e| ThumbnailError::Png(e.to_string()))?;
    Ok(out)
}

/// Renders `mesh` into `size × size` RGB pixels, row by row from the top.
pub fn render_rgb(mesh: &Mesh, size: u32) -> Result<Vec<u8>, ThumbnailError> {
    if !(16..=2048).contains(&size) {
        return Err(ThumbnailError::Size(size));
    }
    if mesh.triangles.is_empty() {
        return Err(ThumbnailError::Empty);
    }
    let n = size as usize * SUPERSAMPLE;
    // View: turn 35° about z, then tip 30° towards the viewer.
    let (yaw, pitch) = (35f64.to_radians(), 30f64.to_radians());
    let view = |p: [f64; 3]| -> [f64; 3] {
        let (x, y) = (p[0] * yaw.cos() - p[1] * yaw.sin(), p[0] * yaw.sin() + p[1] * yaw.cos());
        // The viewer stands at −y (the front, where pedestal text is) and
        // looks down: screen x right, screen y up, depth towards the viewer.
        [x, p[2] * pitch.cos() + y * pitch.sin(), p[2] * pitch.sin() - y * pitch.cos()]
    };
    let projected: Vec<[f64; 3]> = mesh.vertices.iter().map(|&p| view(p)).collect();
    let (mut min, mut max) = ([f64::INFINITY; 2], [f64::NEG_INFINITY; 2]);
    for t in &mesh.triangles {
        for &i in t {
            let p = projected[i as usize];
            for k in 0..2 {
                min[k] = min[k].min(p[k]);
                max[k] = max[k].max(p[k]);
            }
        }
    }
    let extent = (max[0] - min[0]).max(max[1] - min[1]).max(1e-9);
    let scale = n as f64 * 0.86 / extent;
    let centre = [(min[0] + max[0]) / 2.0, (min[1] + max[1]) / 2.0];
    let to_pixel = |p: [f64; 3]| {
        [(p[0] - centre[0]) * scale + n as f64 / 2.0, n as f64 / 2.0 - (p[1] - centre[1]) * scale, p[2]]
    };

    let mut depth = vec![f64::NEG_INFINITY; n * n];
    let mut colour = vec![BACKGROUND; n * n];
    let key = normalise([-0.4, 0.5, 0.75]);
    let fill = normalise([0.6, -0.2, 0.4]);
    for t in &mesh.triangles {
        let [a, b, c] = t.map(|i| projected[i as usize]);
        let normal = normalise(cross(sub(b, a), sub(c, a)));
        if normal.iter().any(|v| v.is_nan()) {
            continue;
        }
        // Lit from the front whichever way a face winds, so open or
        // inside-out uploads still read as shapes.
        let facing = if normal[2] < 0.0 { normal.map(|v| -v) } else { normal };
        let light = 0.35 + 0.55 * dot(facing, key).max(0.0) + 0.2 * dot(facing, fill).max(0.0);
        let shade = MODEL.map(|c| (c * light).min(255.0));
        let [pa, pb, pc] = [a, b, c].map(to_pixel);
        fill_triangle(pa, pb, pc, n, &mut depth, &mut colour, shade);
    }

    let mut rgb = Vec::with_capacity(size as usize * size as usize * 3);
    for y in 0..size as usize {
        for x in 0..size as usize {
            let mut sum = [0.0; 3];
            for sy in 0..SUPERSAMPLE {
                for sx in 0..SUPERSAMPLE {
                    let c = colour[(y * SUPERSAMPLE + sy) * n + x * SUPERSAMPLE + sx];
                    (0..3).for_each(|k| sum[k] += c[k]);
                }
            }
            let samples = (SUPERSAMPLE * SUPERSAMPLE) as f64;
            rgb.extend(sum.map(|s| (s / samples).round() as u8));
        }
    }
    Ok(rgb)
}

/// Fills the pixels whose centres lie inside the triangle, nearest wins.
fn fill_triangle(
    a: [f64; 3],
    b: [f64; 3],
    c: [f64; 3],
    n: usize,
    depth: &mut [f64],
    colour: &mut [[f64; 3]],
    shade: [f64; 3],
) {
    let area = (b[0] - a[0]) * (c[1] - a[1]) - (b[1] - a[1]) * (c[0] - a[0]);
    if area.abs() < 1e-12 {
        return;
    }
    let clamp = |v: f64| (v.max(0.0) as usize).min(n - 1);
    let (x0, x1) = (clamp(a[0].min(b[0]).min(c[0]).floor()), clamp(a[0].max(b[0]).max(c[0]).ceil()));
    let (y0, y1) = (clamp(a[1].min(b[1]).min(c[1]).floor()), clamp(a[1].max(b[1]).max(c[1]).ceil()));
    for y in y0..=y1 {
        for x in x0..=x1 {
            let p = [x as f64 + 0.5, y as f64 + 0.5];
            let w0 = ((b[0] - p[0]) * (c[1] - p[1]) - (b[1] - p[1]) * (c[0] - p[0])) / area;
            let w1 = ((c[0] - p[0]) * (a[1] - p[1]) - (c[1] - p[1]) * (a[0] - p[0])) / area;
            let w2 = 1.0 - w0 - w1;
            if w0 < 0.0 || w1 < 0.0 || w2 < 0.0 {
                continue;
            }
            let z = w0 * a[2] + w1 * b[2] + w2 * c[2];
            let at = y * n + x;
            if z > depth[at] {
                depth[at] = z;
                colour[at] = shade;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::shapes::uv_sphere;

    fn decode(png_bytes: &[u8]) -> (u32, u32, Vec<u8>) {
        let decoder = png::Decoder::new(std::io::Cursor::new(png_bytes));
        let mut reader = decoder.read_info().unwrap();
        let mut buffer = vec![0; reader.output_buffer_size().unwrap()];
        let info = reader.next_frame(&mut buffer).unwrap();
        (info.width, info.height, buffer)
    }

    #[test]
    fn draws_a_sphere_as_a_shaded_disc_on_the_background() {
        let sphere = uv_sphere([0.0, 0.0, 10.0], 10.0, 64, 32);
        let png_bytes = render_png(&sphere, 128).unwrap();
        let (width, height, rgb) = decode(&png_bytes);
        assert_eq!((width, height), (128, 128));
        let pixel = |x: usize, y: usize| &rgb[(y * 128 + x) * 3..(y * 128 + x) * 3 + 3];
        assert_eq!(pixel(0, 0), BACKGROUND.map(|c| c as u8));
        assert_ne!(pixel(64, 64), BACKGROUND.map(|c| c as u8));
        // A sphere fills 86 % of the width: a disc covering π/4 × 0.86² ≈ 58 % of the picture.
        let covered =
            rgb.chunks(3).filter(|p| *p != BACKGROUND.map(|c| c as u8)).count() as f64 / (128.0 * 128.0);
        assert!((covered - 0.58).abs() < 0.03, "{covered}");
        // Lit from the upper left: that side of the disc is brighter.
        let brightness = |x, y| pixel(x, y).iter().map(|&v| u32::from(v)).sum::<u32>();
        assert!(brightness(45, 40) > brightness(85, 90));
        assert_eq!(render_png(&sphere, 128).unwrap(), png_bytes, "the same mesh gives the same bytes");
    }

    #[test]
    fn refuses_silly_sizes_and_empty_meshes() {
        let sphere = uv_sphere([0.0; 3], 1.0, 8, 4);
        assert_eq!(render_png(&sphere, 4), Err(ThumbnailError::Size(4)));
        assert_eq!(render_png(&sphere, 5000), Err(ThumbnailError::Size(5000)));
        assert_eq!(render_png(&Mesh::default(), 64), Err(ThumbnailError::Empty));
    }
}
