//! Text as solid letters, to cut into or raise from a pedestal.
//!
//! Glyph outlines come from an embedded OFL font (Liberation Sans Bold,
//! `geometry/fonts/`), are flattened to polygons on a 1 µm integer grid,
//! cleaned up with i_overlay (NonZero: overlapping glyph parts and accents
//! merge, counters stay holes), triangulated with i_triangle and extruded.
//! All of that is integer arithmetic, so the browser and the server agree to
//! the bit; the walls are built from the triangulation's own boundary edges,
//! so the solid is closed by construction.

use i_overlay::core::fill_rule::FillRule;
use i_overlay::core::overlay::IntOverlayOptions;
use i_overlay::core::simplify::Simplify;
use i_overlay::i_float::int::point::IntPoint;
use i_overlay::i_shape::int::shape::{IntContour, IntShapes};
use i_triangle::int::triangulatable::IntTriangulatable;
use rustc_hash::FxHashSet;

use crate::Mesh;

/// Liberation Sans Bold 2.1.5 (SIL Open Font License 1.1, see
/// `geometry/fonts/OFL.txt`): bold strokes survive a 0.4 mm nozzle.
pub static EMBEDDED_FONT: &[u8] = include_bytes!("../fonts/LiberationSans-Bold.ttf");

/// Most lines of text on one pedestal.
pub const MAX_LINES: usize = 2;
/// Most characters in one line.
pub const MAX_LINE_CHARS: usize = 40;

/// Grid of the integer geometry: 1 µm.
pub(crate) const UNITS_PER_MM: f64 = 1000.0;
/// Curves are flattened to within this distance, in µm.
const CURVE_TOLERANCE: f64 = 10.0;
/// Baseline-to-baseline distance, in letter heights.
const LINE_SPACING: f64 = 1.4;

#[derive(thiserror::Error, Debug, Clone, PartialEq)]
pub enum TextError {
    #[error("the font could not be read")]
    BadFont,
    #[error("there is no text: type at least one letter or digit")]
    Empty,
    #[error("the font has no letter for {0}; use other characters")]
    Unsupported(String),
    #[error("a line of text may hold at most {MAX_LINE_CHARS} characters")]
    LineTooLong,
    #[error("at most {MAX_LINES} lines of text fit on a pedestal")]
    TooManyLines,
    #[error("the letter height must be between {min} and {max} mm")]
    BadLetterHeight { min: f64, max: f64 },
}

/// A parsed font.
pub struct Font<'a> {
    face: ttf_parser::Face<'a>,
}

impl Font<'static> {
    /// The font every keepsake uses unless told otherwise.
    pub fn embedded() -> Font<'static> {
        Font::parse(EMBEDDED_FONT).expect("the embedded font is a valid TrueType file")
    }
}

impl<'a> Font<'a> {
    pub fn parse(bytes: &'a [u8]) -> Result<Font<'a>, TextError> {
        let face = ttf_parser::Face::parse(bytes, 0).map_err(|_| TextError::BadFont)?;
        Ok(Font { face })
    }

    /// Whether the font has a letter for `c` (layout refuses text with a
    /// letter it lacks; a caller can leave such letters out first).
    pub fn writes(&self, c: char) -> bool {
        !c.is_control() && self.face.glyph_index(c).is_some_and(|glyph| glyph.0 != 0)
    }

    /// Font units from the baseline to the top of a capital letter.
    fn cap_height(&self) -> f64 {
        match self.face.capital_height() {
            Some(height) if height > 0 => f64::from(height),
            _ => f64::from(self.face.ascender()) * 0.7,
        }
    }
}

/// Limits on the height of a capital letter, mm: smaller does not print
/// legibly with a 0.4 mm nozzle, larger is not a pedestal label.
pub const LETTER_HEIGHT_MM: (f64, f64) = (2.0, 40.0);

/// One or two centred lines of text, as clean polygons on a 1 µm grid. The
/// first line's baseline is at v = 0; u runs to the reader's right.
#[derive(Clone, Debug, PartialEq)]
pub struct Text {
    shapes: IntShapes<i32>,
}

/// Lays out `lines` (blank lines are dropped) with capital letters
/// `letter_height_mm` tall, each line centred on u = 0.
pub fn layout(font: &Font, lines: &[&str], letter_height_mm: f64) -> Result<Text, TextError> {
    let (min, max) = LETTER_HEIGHT_MM;
    if !(min..=max).contains(&letter_height_mm) {
        return Err(TextError::BadLetterHeight { min, max });
    }
    let lines: Vec<&str> = lines.iter().map(|line| line.trim()).filter(|line| !line.is_empty()).collect();
    if lines.is_empty() {
        return Err(TextError::Empty);
    }
    if lines.len() > MAX_LINES {
        return Err(TextError::TooManyLines);
    }
    if lines.iter().any(|line| line.chars().count() > MAX_LINE_CHARS) {
        return Err(TextError::LineTooLong);
    }
    let glyphs = glyphs(font, &lines)?;

    let scale = letter_height_mm * UNITS_PER_MM / font.cap_height();
    let mut contours: Vec<IntContour<i32>> = Vec::new();
    for (row, line) in glyphs.iter().enumerate() {
        let width: u32 = line.iter().map(|g| u32::from(font.face.glyph_hor_advance(*g).unwrap_or(0))).sum();
        let mut pen = -f64::from(width) / 2.0;
        let baseline = -(row as f64) * LINE_SPACING * letter_height_mm * UNITS_PER_MM;
        for &glyph in line {
            let mut outline = Outline {
                origin: [pen, 0.0],
                scale,
                baseline,
                contours: Vec::new(),
                current: Vec::new(),
                last: [0.0; 2],
            };
            font.face.outline_glyph(glyph, &mut outline);
            contours.append(&mut outline.contours);
            pen += f64::from(font.face.glyph_hor_advance(glyph).unwrap_or(0));
        }
    }
    let shapes = contours.simplify(FillRule::NonZero, IntOverlayOptions::default());
    if shapes.is_empty() {
        // Only spaces and marks too thin to print.
        return Err(TextError::Empty);
    }
    Ok(Text { shapes })
}

/// The glyph of every character, or every character the font lacks.
fn glyphs(font: &Font, lines: &[&str]) -> Result<Vec<Vec<ttf_parser::GlyphId>>, TextError> {
    let mut missing: Vec<char> = Vec::new();
    let glyphs = lines
        .iter()
        .map(|line| {
            line.chars()
                .filter_map(|c| {
                    let glyph = if c.is_control() { None } else { font.face.glyph_index(c) };
                    match glyph {
                        Some(glyph) if glyph.0 != 0 => Some(glyph),
                        _ => {
                            if !missing.contains(&c) {
                                missing.push(c);
                            }
                            None
                        }
                    }
                })
                .collect()
        })
        .collect();
    if missing.is_empty() {
        return Ok(glyphs);
    }
    let named: Vec<String> = missing.iter().map(|c| format!("{:?}", c)).collect();
    Err(TextError::Unsupported(named.join(", ")))
}

/// Collects one glyph's contours as integer polygons.
struct Outline {
    origin: [f64; 2],
    scale: f64,
    baseline: f64,
    contours: Vec<IntContour<i32>>,
    current: Vec<IntPoint<i32>>,
    last: [f64; 2],
}

impl Outline {
    fn point(&self, x: f32, y: f32) -> [f64; 2] {
        [(self.origin[0] + f64::from(x)) * self.scale, f64::from(y) * self.scale + self.baseline]
    }

    fn push(&mut self, p: [f64; 2]) {
        let point = IntPoint::new(p[0].round() as i32, p[1].round() as i32);
        if self.current.last() != Some(&point) {
            self.current.push(point);
        }
        self.last = p;
    }

    /// Segments for a curve whose control polygon bends by `bend` µm.
    fn segments(bend: f64, factor: f64) -> usize {
        ((factor * bend / CURVE_TOLERANCE).sqrt().ceil() as usize).clamp(1, 64)
    }
}

impl ttf_parser::OutlineBuilder for Outline {
    fn move_to(&mut self, x: f32, y: f32) {
        self.close();
        let p = self.point(x, y);
        self.push(p);
    }

    fn line_to(&mut self, x: f32, y: f32) {
        let p = self.point(x, y);
        self.push(p);
    }

    fn quad_to(&mut self, x1: f32, y1: f32, x: f32, y: f32) {
        let (p0, p1, p2) = (self.last, self.point(x1, y1), self.point(x, y));
        let bend = length([p0[0] - 2.0 * p1[0] + p2[0], p0[1] - 2.0 * p1[1] + p2[1]]);
        let n = Outline::segments(bend, 0.125);
        for i in 1..=n {
            let t = i as f64 / n as f64;
            let s = 1.0 - t;
            let q = [0, 1].map(|k| s * s * p0[k] + 2.0 * s * t * p1[k] + t * t * p2[k]);
            self.push(q);
        }
    }

    fn curve_to(&mut self, x1: f32, y1: f32, x2: f32, y2: f32, x: f32, y: f32) {
        let (p0, p1, p2, p3) = (self.last, self.point(x1, y1), self.point(x2, y2), self.point(x, y));
        let bend = length([p0[0] - 2.0 * p1[0] + p2[0], p0[1] - 2.0 * p1[1] + p2[1]])
            .max(length([p1[0] - 2.0 * p2[0] + p3[0], p1[1] - 2.0 * p2[1] + p3[1]]));
        let n = Outline::segments(bend, 0.75);
        for i in 1..=n {
            let t = i as f64 / n as f64;
            let s = 1.0 - t;
            let q = [0, 1].map(|k| {
                s * s * s * p0[k] + 3.0 * s * s * t * p1[k] + 3.0 * s * t * t * p2[k] + t * t * t * p3[k]
            });
            self.push(q);
        }
    }

    fn close(&mut self) {
        if self.current.first() == self.current.last() {
            self.current.pop();
        }
        let contour = std::mem::take(&mut self.current);
        if contour.len() >= 3 {
            self.contours.push(contour);
        }
    }
}

/// Twice the signed area of a closed polygon on the grid, µm²: positive
/// when it runs counter-clockwise. Exact (integers).
pub(crate) fn twice_area(polygon: &[IntPoint]) -> i64 {
    (0..polygon.len())
        .map(|i| {
            let (a, b) = (polygon[i], polygon[(i + 1) % polygon.len()]);
            i64::from(a.x) * i64::from(b.y) - i64::from(b.x) * i64::from(a.y)
        })
        .sum()
}

fn length(v: [f64; 2]) -> f64 {
    (v[0] * v[0] + v[1] * v[1]).sqrt()
}

impl Text {
    /// The letters as clean polygons on the grid (outer boundary first, then
    /// its holes), in µm.
    pub(crate) fn shapes(&self) -> &IntShapes<i32> {
        &self.shapes
    }

    /// The area the letters cover, mm².
    pub fn area_mm2(&self) -> f64 {
        let twice: i64 = self.shapes.iter().flatten().map(|contour| twice_area(contour)).sum();
        twice as f64 / 2.0 / (UNITS_PER_MM * UNITS_PER_MM)
    }

    /// Every closed outline of the letters, mm (outer boundaries and holes;
    /// fill them with the non-zero rule). For drawing the text in 2D.
    pub fn outlines_mm(&self) -> Vec<Vec<[f64; 2]>> {
        let to_mm = |p: &IntPoint| [f64::from(p.x) / UNITS_PER_MM, f64::from(p.y) / UNITS_PER_MM];
        self.shapes.iter().flatten().map(|contour| contour.iter().map(to_mm).collect()).collect()
    }

    /// `[[min u, min v], [max u, max v]]` of the letters, mm.
    pub fn bounds_mm(&self) -> [[f64; 2]; 2] {
        let points = self.shapes.iter().flatten().flatten();
        let (mut lo, mut hi) = ([i32::MAX; 2], [i32::MIN; 2]);
        for p in points {
            lo = [lo[0].min(p.x), lo[1].min(p.y)];
            hi = [hi[0].max(p.x), hi[1].max(p.y)];
        }
        [lo.map(|x| f64::from(x) / UNITS_PER_MM), hi.map(|x| f64::from(x) / UNITS_PER_MM)]
    }

    /// The letters as a closed solid standing on a face that looks towards
    /// −y: (u, v) in mm becomes (x, z) = (u, v) + `offset`, and the letters
    /// run from `y_near` (towards the reader) to `y_far`.
    pub fn solid(&self, offset: [f64; 2], y_near: f64, y_far: f64) -> Mesh {
        let triangulation = self.shapes.triangulate();
        let points = triangulation.points();
        let mut triangles: Vec<[u32; 3]> =
            triangulation.triangle_indices::<u32>().chunks_exact(3).map(|t| [t[0], t[1], t[2]]).collect();
        // Counter-clockwise in (u, v) faces −y, towards the reader.
        for t in &mut triangles {
            if twice_area(&t.map(|i| points[i as usize])) < 0 {
                t.swap(1, 2);
            }
        }
        let n = points.len() as u32;
        let mut mesh = Mesh { vertices: Vec::with_capacity(2 * points.len()), triangles: Vec::new() };
        for y in [y_near, y_far] {
            mesh.vertices.extend(points.iter().map(|p| {
                [f64::from(p.x) / UNITS_PER_MM + offset[0], y, f64::from(p.y) / UNITS_PER_MM + offset[1]]
            }));
        }
        let edges: FxHashSet<(u32, u32)> =
            triangles.iter().flat_map(|&[a, b, c]| [(a, b), (b, c), (c, a)]).collect();
        for &[a, b, c] in &triangles {
            mesh.triangles.push([a, b, c]);
            mesh.triangles.push([n + a, n + c, n + b]);
            // An edge no neighbour shares is on the outline: it gets a wall.
            for (p, q) in [(a, b), (b, c), (c, a)] {
                if !edges.contains(&(q, p)) {
                    mesh.triangles.push([p, n + q, q]);
                    mesh.triangles.push([p, n + p, n + q]);
                }
            }
        }
        mesh
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{AnalysisOptions, analyse};

    fn text(lines: &[&str]) -> Result<Text, TextError> {
        layout(&Font::embedded(), lines, 6.0)
    }

    #[test]
    fn letters_make_a_closed_solid_of_area_times_depth() {
        for lines in [&["Memoreez"][..], &["Grandma Rosa", "1931 – 2024"], &["Ærø ÇÉß ãõ 8%&@"]] {
            let text = text(lines).unwrap();
            let solid = text.solid([0.0, 0.0], -1.0, 0.5);
            let a = analyse(&solid, &AnalysisOptions::default());
            assert!(a.watertight && a.open_edges == 0 && !a.inverted, "{lines:?}: {a:?}");
            let expected = text.area_mm2() * 1.5;
            assert!(
                (a.volume_mm3 - expected).abs() < 1e-9 * expected,
                "{lines:?}: {} vs {expected}",
                a.volume_mm3
            );
        }
    }

    #[test]
    fn capitals_are_the_asked_height_and_lines_are_centred() {
        let text = text(&["HI"]).unwrap();
        let [[u0, v0], [u1, v1]] = text.bounds_mm();
        assert!(v0.abs() < 0.01 && (v1 - 6.0).abs() < 0.01, "{v0} {v1}");
        assert!((u0 + u1).abs() < 1.0, "roughly centred: {u0} {u1}");
        let two = super::layout(&Font::embedded(), &["HI", "HI"], 6.0).unwrap();
        let [[_, low], [_, high]] = two.bounds_mm();
        assert!((high - 6.0).abs() < 0.01 && (low + 1.4 * 6.0).abs() < 0.01, "{low} {high}");
        assert!((two.area_mm2() - 2.0 * text.area_mm2()).abs() < 1e-6);
    }

    #[test]
    fn a_letter_with_a_counter_has_a_hole() {
        let o = text(&["O"]).unwrap();
        let l = text(&["l"]).unwrap();
        let [[u0, v0], [u1, v1]] = o.bounds_mm();
        // The O's hole is not filled: far less than its bounding box.
        assert!(o.area_mm2() < 0.6 * (u1 - u0) * (v1 - v0), "{}", o.area_mm2());
        assert!(l.area_mm2() > 0.0);
    }

    #[test]
    fn bad_text_is_refused_with_a_clear_reason() {
        assert_eq!(text(&["", "   "]), Err(TextError::Empty));
        assert_eq!(text(&["   "]), Err(TextError::Empty));
        assert_eq!(text(&["a", "b", "c"]), Err(TextError::TooManyLines));
        assert_eq!(text(&[&"x".repeat(41)]), Err(TextError::LineTooLong));
        let error = text(&["Love 🎉 you\u{7}"]).unwrap_err();
        assert_eq!(error, TextError::Unsupported("'🎉', '\\u{7}'".into()));
        assert_eq!(error.to_string(), "the font has no letter for '🎉', '\\u{7}'; use other characters");
        assert_eq!(
            layout(&Font::embedded(), &["a"], 0.5),
            Err(TextError::BadLetterHeight { min: 2.0, max: 40.0 })
        );
        assert!(matches!(Font::parse(b"not a font"), Err(TextError::BadFont)));
    }
}
