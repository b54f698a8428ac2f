use super::*;
use crate::{AnalysisOptions, analyse};
use image::RgbaImage;

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
        (now[0] - was[0]).abs() < 1e-9 && (now[1] - was[2]).abs() < 1e-9 && (now[2] - was[1]).abs() < 1e-9
    );
    let (a, b) =
        (analyse(&flat, &AnalysisOptions::default()), analyse(&standing, &AnalysisOptions::default()));
    assert!(b.watertight && (a.volume_mm3 - b.volume_mm3).abs() < 1e-6, "a turn, not a mirror: {a:?} {b:?}");
    // The picture's face (the highest points of the flat relief) is now at the front, lowest y.
    let [low, _] = crate::analysis::bounding_box(&standing);
    let mut face = flat.vertices.iter().zip(&standing.vertices).filter(|(f, _)| f[2] > was[2] - 1e-6);
    assert!(face.clone().count() > 0 && face.all(|(_, s)| (s[1] - low[1]).abs() < 1e-6));
}

#[test]
fn a_disc_becomes_a_rounded_figure_thick_in_the_middle_and_thin_at_the_rim() {
    let options = FigureOptions::default();
    let mesh = figure(&png(&emblem(300)), &options).unwrap();
    let a = analyse(&mesh, &AnalysisOptions::default());
    assert!(a.watertight && !a.inverted, "{a:?}");
    assert_eq!(a.shells, 1);
    let size = a.size_mm();
    assert!((size[0] - 80.0).abs() < 0.5 && (size[1] - 80.0).abs() < 2.0, "{size:?}");
    // The disc's radius is 40 mm: its middle is the full 2 × 9 mm thick,
    // plus at most the front's detail.
    assert!(size[2] > 18.0 - 1e-6 && size[2] <= 18.0 + options.detail_mm + 1e-6, "{size:?}");
    let [low, high] = crate::analysis::bounding_box(&mesh);
    assert!((low[2] + 9.0).abs() < 0.05, "the back is as deep as the front is high: {low:?} {high:?}");
    // At the rim (the leftmost and rightmost corners are on the outline) it is the rim's thickness.
    let rim: Vec<_> = mesh
        .vertices
        .iter()
        .filter(|v| (v[0] - low[0]).abs() < 1e-9 || (v[0] - high[0]).abs() < 1e-9)
        .collect();
    assert!(rim.len() >= 4 && rim.iter().all(|v| v[2].abs() <= options.rim_mm + 1e-9), "{rim:?}");
    // Rounder than a slab of its full thickness, fuller than a cone.
    let disc = std::f64::consts::PI * 40.0 * 40.0;
    assert!(a.volume_mm3 < disc * 18.0 * 0.9 && a.volume_mm3 > disc * 18.0 / 3.0, "{}", a.volume_mm3);
    assert!(a.triangles <= 210_000);
    // Stood up like a plaque it stays one closed solid.
    let standing = analyse(&upright(mesh), &AnalysisOptions::default());
    assert!(standing.watertight && (standing.volume_mm3 - a.volume_mm3).abs() < 1e-6);
}

#[test]
fn a_thin_shape_gets_a_thin_figure_never_thinner_than_its_rim() {
    // A bar 40 × 4 px (of 100 × 100): the figure is a rounded rod, not a wall.
    let picture = RgbaImage::from_fn(100, 100, |x, y| {
        if (30..70).contains(&x) && (48..52).contains(&y) {
            image::Rgba([90, 20, 20, 255])
        } else {
            image::Rgba([255, 255, 255, 255])
        }
    });
    let options = FigureOptions { width_mm: 40.0, ..Default::default() };
    let mesh = figure(&png(&picture), &options).unwrap();
    let a = analyse(&mesh, &AnalysisOptions::default());
    assert!(a.watertight && a.shells == 1, "{a:?}");
    let size = a.size_mm();
    assert!(size[2] >= 2.0 * options.rim_mm - 1e-9 && size[2] < 5.0, "{size:?}");
    assert!(matches!(
        figure(b"nope", &options),
        Err(ReliefError::Picture(crate::picture::PictureError::Unreadable(_)))
    ));
}
