//! The embedded concept-image maker: an emblem per brief — a frame, the
//! hobby's picture (an icon of Phosphor's set, see `icons`) and the
//! person's words — drawn with tiny-skia into a PNG.
//!
//! Drawn for the relief that follows: a plain white background (removed by
//! the flood fill), one connected shape, and brightness steps (dark rim,
//! mid-tone field, light motif and letters) that become heights.

use geometry::text::{Font, layout};
use tiny_skia::{Color, FillRule, Paint, Path, PathBuilder, Pixmap, Rect, Transform};

use super::brief::{Brief, Frame};
use super::{icons, words};

/// Side of the square picture, pixels.
pub const SIZE: u32 = 512;
const CENTRE: (f32, f32) = (256.0, 236.0);

/// (rim, field, motif) colours; the rim darkest, the motif lightest.
const PALETTES: [[(u8, u8, u8); 3]; 6] = [
    [(38, 70, 83), (42, 157, 143), (233, 246, 240)],
    [(94, 48, 35), (200, 120, 70), (255, 236, 214)],
    [(45, 45, 85), (92, 107, 192), (232, 234, 255)],
    [(70, 50, 20), (191, 144, 0), (255, 247, 214)],
    [(80, 30, 60), (173, 80, 130), (253, 230, 242)],
    [(30, 60, 30), (96, 140, 80), (236, 248, 226)],
];

#[derive(thiserror::Error, Debug)]
pub enum EmblemError {
    #[error("the emblem could not be encoded as PNG: {0}")]
    Encode(String),
}

/// The brief's emblem as a `SIZE` × `SIZE` PNG.
pub fn render(brief: &Brief) -> Result<Vec<u8>, EmblemError> {
    let mut pixmap = Pixmap::new(SIZE, SIZE).expect("a fixed, non-zero size");
    pixmap.fill(Color::WHITE);
    let [rim, field, light] = PALETTES[brief.palette % PALETTES.len()];

    let (outer, inner) = frame(brief.frame);
    // The outline is drawn hard-edged: anti-aliased edge pixels are the rim's
    // dark blended with white, lighter than the rim, and the relief would
    // raise them into a fringe of spikes around the model.
    pixmap.fill_path(&outer, &paint(rim, false), FillRule::EvenOdd, Transform::identity(), None);
    fill(&mut pixmap, &inner, field, Transform::identity());

    let words = caption(&brief.caption);
    // The motif shrinks and rises to leave room for a banner of one or two lines.
    let two_lines = words.as_ref().is_some_and(|(_, _, lines)| *lines == 2);
    let (side, centre_y) = match &words {
        None => (250.0, CENTRE.1),
        Some(_) if two_lines => (170.0, 180.0),
        Some(_) => (200.0, 200.0),
    };
    let scale = side / icons::BOX;
    let motif = Transform::from_row(scale, 0.0, 0.0, scale, CENTRE.0 - side / 2.0, centre_y - side / 2.0);
    // A brief from an older version names a picture the set may not have.
    let icon = icons::named(&brief.motif).unwrap_or_else(|| icons::for_hobby(""));
    if let Some(shape) = icons::path(icon) {
        // Icons cut their holes by winding: non-zero, not even-odd.
        pixmap.fill_path(&shape, &paint(light, true), FillRule::Winding, motif, None);
    }

    if let Some((outlines, [[u0, v0], [u1, v1]], _)) = words {
        // (top, height) of the banner and of the box its letters fill.
        let (top, height, letters_high) = if two_lines { (298.0, 80.0, 60.0) } else { (322.0, 56.0, 34.0) };
        let banner = Rect::from_xywh(108.0, top, 296.0, height).map(PathBuilder::from_rect);
        if let Some(banner) = banner {
            fill(&mut pixmap, &banner, rim, Transform::identity());
        }
        // Letters fitted into 276 px by the box's height, centred in the
        // banner, v flipped (up in mm, down in pixels).
        let s = (276.0 / (u1 - u0)).min(letters_high / (v1 - v0)) as f32;
        let (cu, cv) = (((u0 + u1) / 2.0) as f32, ((v0 + v1) / 2.0) as f32);
        let middle = top + height / 2.0;
        let to_px = Transform::from_row(s, 0.0, 0.0, -s, 256.0 - s * cu, middle + s * cv);
        let mut pb = PathBuilder::new();
        for outline in outlines {
            for (i, [u, v]) in outline.iter().enumerate() {
                let (u, v) = (*u as f32, *v as f32);
                if i == 0 { pb.move_to(u, v) } else { pb.line_to(u, v) }
            }
            pb.close();
        }
        if let Some(letters) = pb.finish() {
            pixmap.fill_path(&letters, &paint(light, true), FillRule::Winding, to_px, None);
        }
    }
    pixmap.encode_png().map_err(|e| EmblemError::Encode(e.to_string()))
}

/// Fills `path` (shapes with holes: even-odd) smoothly in `colour`.
fn fill(pixmap: &mut Pixmap, path: &Path, colour: (u8, u8, u8), transform: Transform) {
    pixmap.fill_path(path, &paint(colour, true), FillRule::EvenOdd, transform, None);
}

fn paint((r, g, b): (u8, u8, u8), anti_alias: bool) -> Paint<'static> {
    let mut paint = Paint::default();
    paint.set_color_rgba8(r, g, b, 255);
    paint.anti_alias = anti_alias;
    paint
}

type Outlines = Vec<Vec<[f64; 2]>>;

/// The caption's letter outlines (mm), their bounds and how many lines
/// they make, or `None` when there are no words the font can write (the
/// emblem then has none). Letters the font lacks are left out.
fn caption(text: &str) -> Option<(Outlines, [[f64; 2]; 2], usize)> {
    let font = Font::embedded();
    let text = words::fit(&words::clean(text, &font), words::CAPTION_CHARS);
    if text.is_empty() {
        return None;
    }
    let lines = words::lines(&text);
    let refs: Vec<&str> = lines.iter().map(String::as_str).collect();
    let letters = layout(&font, &refs, 10.0).ok()?;
    let [[u0, v0], [u1, v1]] = letters.bounds_mm();
    (u1 > u0 && v1 > v0).then(|| (letters.outlines_mm(), [[u0, v0], [u1, v1]], lines.len()))
}

/// The frame's outer (rim) and inner (field) outlines.
fn frame(frame: Frame) -> (Path, Path) {
    let (cx, cy) = CENTRE;
    let outline = |grow: f32| -> Path {
        match frame {
            Frame::Medallion => PathBuilder::from_circle(cx, cy, 196.0 + grow),
            Frame::Hexagon => regular_polygon(6, 208.0 + grow, 0.0),
            Frame::Rosette => {
                // Scalloped: a ring of bumps around a disc.
                let mut pb = PathBuilder::new();
                pb.push_circle(cx, cy, 176.0 + grow);
                for k in 0..16 {
                    let a = k as f32 * std::f32::consts::TAU / 16.0;
                    pb.push_circle(cx + 178.0 * a.cos(), cy + 178.0 * a.sin(), 26.0 + grow);
                }
                pb.finish()
            }
            Frame::Shield => {
                let (l, r, top) = (cx - 180.0 - grow, cx + 180.0 + grow, cy - 200.0 - grow);
                let mut pb = PathBuilder::new();
                pb.move_to(l, top);
                pb.line_to(r, top);
                pb.line_to(r, cy + 30.0);
                pb.quad_to(r, cy + 150.0, cx, cy + 212.0 + grow);
                pb.quad_to(l, cy + 150.0, l, cy + 30.0);
                pb.close();
                pb.finish()
            }
        }
        .expect("frames have a size")
    };
    // The rosette's bumps overlap: its field is a plain disc, filled without holes.
    let inner = match frame {
        Frame::Rosette => PathBuilder::from_circle(cx, cy, 176.0).expect("a disc"),
        _ => outline(-16.0),
    };
    (outline(0.0), inner)
}

fn regular_polygon(sides: usize, radius: f32, turn: f32) -> Option<Path> {
    let (cx, cy) = CENTRE;
    let mut pb = PathBuilder::new();
    for k in 0..sides {
        let a = turn + k as f32 * std::f32::consts::TAU / sides as f32;
        let (x, y) = (cx + radius * a.cos(), cy + radius * a.sin());
        if k == 0 { pb.move_to(x, y) } else { pb.line_to(x, y) }
    }
    pb.close();
    pb.finish()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::generation::concepts::compose_briefs;

    fn story() -> app::story::Story {
        app::story::Story::new(vec!["sailing", "jazz piano"], "Retired music teacher.").unwrap()
    }

    fn pixels(png: &[u8]) -> image::RgbaImage {
        image::load_from_memory(png).unwrap().to_rgba8()
    }

    #[test]
    fn four_visibly_different_emblems_on_white() {
        let images: Vec<image::RgbaImage> =
            compose_briefs(&story(), 0).iter().map(|b| pixels(&render(b).unwrap())).collect();
        for image in &images {
            assert_eq!(image.dimensions(), (SIZE, SIZE));
            for corner in [(0, 0), (SIZE - 1, 0), (0, SIZE - 1), (SIZE - 1, SIZE - 1)] {
                assert_eq!(image.get_pixel(corner.0, corner.1).0, [255, 255, 255, 255], "white background");
            }
            let drawn = image.pixels().filter(|p| p.0 != [255, 255, 255, 255]).count();
            assert!(drawn > 40_000, "a real emblem, not a speck: {drawn}");
        }
        for i in 0..images.len() {
            for j in i + 1..images.len() {
                let differ = images[i].pixels().zip(images[j].pixels()).filter(|(a, b)| a != b).count();
                assert!(differ > 20_000, "emblems {i} and {j} differ in only {differ} pixels");
            }
        }
    }

    #[test]
    fn every_emblem_becomes_a_closed_relief() {
        for brief in compose_briefs(&story(), 0).iter().chain(&compose_briefs(&story(), 1)) {
            let png = render(brief).unwrap();
            let mesh = geometry::relief::relief(&png, &Default::default()).unwrap();
            let info = geometry::analyse(&mesh, &Default::default());
            assert!(info.watertight && info.volume_mm3 > 1000.0, "{}: {info:?}", brief.title);
        }
    }

    #[test]
    fn words_the_font_lacks_leave_the_banner_out_not_the_emblem() {
        let mut brief = compose_briefs(&story(), 0).remove(0);
        brief.caption = "🎉🎉".into();
        let without = pixels(&render(&brief).unwrap());
        brief.caption = String::new();
        assert_eq!(without, pixels(&render(&brief).unwrap()), "no letters: no banner");
        for caption in ["Grandpa Joe 🎉", "宝宝 Joe", &"W".repeat(600), "Chess · Sourdough Baking · Birds"]
        {
            brief.caption = caption.to_string();
            assert!(render(&brief).is_ok(), "{caption}");
        }
    }
}
