//! Properties that must hold for every pedestal, engraving and relief the
//! kernel makes, checked on many generated inputs: random texts, sizes,
//! pedestal shapes and models.
//!
//! The cases come from a seeded generator, so a failure names its seed and
//! case and can be replayed. CI runs the fixed default seed (a red build is
//! always a real, repeatable one); `MEMOREEZ_PROPERTY_SEED=<n>` runs another
//! set and `MEMOREEZ_PROPERTY_CASES=<n>` more of them. A 20-line generator
//! instead of a property-testing crate: it keeps this crate's build lean and
//! its feature set from shifting under the server's.

use geometry::keepsake::{KeepsakeSpec, TextFinish, build, keepsake};
use geometry::pedestal::{Pedestal, PedestalShape, pedestal_with_front};
use geometry::relief::{ReliefOptions, relief};
use geometry::shapes::{cuboid, uv_sphere};
use geometry::text::{Font, layout};
use geometry::{Analysis, AnalysisOptions, Mesh, analyse, boolean};

/// xorshift64*: small, fast, and the same on every platform.
struct Cases(u64);

impl Cases {
    fn new(salt: u64) -> Cases {
        let seed =
            std::env::var("MEMOREEZ_PROPERTY_SEED").ok().and_then(|s| s.parse().ok()).unwrap_or(0x5eed);
        Cases((seed ^ salt.wrapping_mul(0x9e37_79b9_7f4a_7c15)) | 1)
    }

    fn count(default: usize) -> usize {
        std::env::var("MEMOREEZ_PROPERTY_CASES").ok().and_then(|s| s.parse().ok()).unwrap_or(default)
    }

    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    /// Uniform in `[lo, hi)`.
    fn float(&mut self, lo: f64, hi: f64) -> f64 {
        lo + (self.next() >> 11) as f64 / (1u64 << 53) as f64 * (hi - lo)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        items[self.below(items.len())]
    }

    /// A line of 1 to `max` characters a customer might type.
    fn text(&mut self, max: usize) -> String {
        const EXTRA: &[char] =
            &['é', 'ü', 'ß', 'ç', 'ñ', 'Æ', 'Ø', 'å', 'õ', '–', '’', '€', '♥', ' ', ' ', ' '];
        let len = 1 + self.below(max);
        (0..len)
            .map(
                |_| {
                    if self.below(5) == 0 {
                        self.pick(EXTRA)
                    } else {
                        char::from(b'!' + self.below(94) as u8)
                    }
                },
            )
            .collect()
    }
}

const SHAPES: [PedestalShape; 3] = [PedestalShape::Round, PedestalShape::Square, PedestalShape::Hex];

fn check_solid(mesh: &Mesh, what: &str) -> Analysis {
    let a = analyse(mesh, &AnalysisOptions::default());
    assert!(a.watertight && a.open_edges == 0 && !a.inverted && a.shells == 1, "{what}: {a:?}");
    a
}

/// A PNG of a few random discs on white: the pictures customers upload.
fn blobs(cases: &mut Cases) -> Vec<u8> {
    let side = 64 + cases.below(192) as u32;
    let discs: Vec<([f64; 3], [u8; 3])> = (0..1 + cases.below(4))
        .map(|_| {
            let s = f64::from(side);
            let disc = [cases.float(0.3, 0.7) * s, cases.float(0.3, 0.7) * s, cases.float(0.1, 0.3) * s];
            (disc, [cases.below(200) as u8, cases.below(200) as u8, cases.below(200) as u8])
        })
        .collect();
    let mut pixels = Vec::with_capacity((side * side * 3) as usize);
    for y in 0..side {
        for x in 0..side {
            let inside = discs.iter().rev().find(|([cx, cy, r], _)| {
                let (dx, dy) = (f64::from(x) - cx, f64::from(y) - cy);
                dx * dx + dy * dy < r * r
            });
            pixels.extend(inside.map_or([255, 255, 255], |(_, colour)| *colour));
        }
    }
    let mut bytes = Vec::new();
    let mut encoder = png::Encoder::new(&mut bytes, side, side);
    encoder.set_color(png::ColorType::Rgb);
    encoder.write_header().unwrap().write_image_data(&pixels).unwrap();
    bytes
}

/// A model of one of the kinds the product meets: a ball, a box, two
/// overlapping balls joined (a snowman), or a relief of a picture.
fn model(cases: &mut Cases) -> (Mesh, String) {
    match cases.below(4) {
        0 => {
            let r = cases.float(2.0, 40.0);
            let slices = 8 + cases.below(56) as u32;
            let centre = [cases.float(-50.0, 50.0), cases.float(-50.0, 50.0), cases.float(-20.0, 20.0)];
            (uv_sphere(centre, r, slices, slices / 2 + 2), format!("ball r={r:.2} slices={slices}"))
        }
        1 => {
            let size = [cases.float(3.0, 80.0), cases.float(3.0, 80.0), cases.float(3.0, 80.0)];
            (cuboid([cases.float(-10.0, 10.0), 0.0, 5.0], size), format!("box {size:?}"))
        }
        2 => {
            let r = cases.float(5.0, 20.0);
            let lower = uv_sphere([0.0, 0.0, r], r, 40, 22);
            let upper = uv_sphere([0.3, 0.2, 2.4 * r], 0.7 * r, 36, 20);
            (boolean::union(&lower, &upper).unwrap(), format!("snowman r={r:.2}"))
        }
        _ => {
            let picture = blobs(cases);
            let options = ReliefOptions { width_mm: cases.float(20.0, 120.0), ..ReliefOptions::default() };
            (relief(&picture, &options).unwrap(), format!("relief {options:?}"))
        }
    }
}

#[test]
fn every_keepsake_is_one_closed_solid_and_text_changes_volume_by_area_times_depth() {
    let font = Font::embedded();
    let mut cases = Cases::new(1);
    for case in 0..Cases::count(30) {
        let (model, described) = model(&mut cases);
        let lines = 1 + cases.below(2);
        let spec = KeepsakeSpec {
            pedestal: Pedestal {
                shape: cases.pick(&SHAPES),
                height_mm: cases.float(2.0, 20.0),
                margin_mm: cases.float(0.0, 10.0),
            },
            text: (0..lines).map(|_| cases.text(24)).collect(),
            finish: cases.pick(&[TextFinish::Engraved, TextFinish::Embossed]),
            letter_height_mm: cases.float(3.0, 12.0),
            depth_mm: cases.float(0.3, 2.0),
            model_height_mm: if cases.below(2) == 0 { Some(cases.float(10.0, 150.0)) } else { None },
        };
        let what = format!("case {case}: {described}, {spec:?}");
        let made = match keepsake(&model, &spec, &font) {
            Ok(made) => made,
            // A line of nothing but spaces is a fair refusal.
            Err(e) if spec.text.iter().all(|l| l.trim().is_empty()) => {
                assert_eq!(e.to_string(), "there is no text: type at least one letter or digit");
                continue;
            }
            Err(e) => panic!("{what}: {e}"),
        };
        let lettered = check_solid(&made.mesh, &what);
        let plain = check_solid(&build(&model, &spec, &font, false).unwrap().mesh, &what);
        let change = (lettered.volume_mm3 - plain.volume_mm3).abs();
        let expected = made.text_area_mm2 * spec.depth_mm;
        assert!(
            (change - expected).abs() <= 0.005 * expected,
            "{what}: the text changed the volume by {change} mm³, area × depth is {expected}"
        );
    }
}

#[test]
fn every_text_is_a_closed_solid_of_area_times_depth() {
    let font = Font::embedded();
    let mut cases = Cases::new(2);
    for case in 0..Cases::count(60) {
        let lines: Vec<String> = (0..1 + cases.below(2)).map(|_| cases.text(40)).collect();
        let refs: Vec<&str> = lines.iter().map(String::as_str).collect();
        let height = cases.float(2.0, 40.0);
        let Ok(text) = layout(&font, &refs, height) else {
            assert!(lines.iter().all(|l| l.trim().is_empty()), "case {case}: {lines:?} refused");
            continue;
        };
        let depth = cases.float(0.1, 5.0);
        let a =
            analyse(&text.solid([cases.float(-99.0, 99.0), 0.0], -depth, 0.0), &AnalysisOptions::default());
        assert!(a.watertight && a.open_edges == 0 && !a.inverted, "case {case}: {lines:?} {height}: {a:?}");
        let expected = text.area_mm2() * depth;
        assert!((a.volume_mm3 - expected).abs() <= 1e-9 * expected, "case {case}: {lines:?}");
    }
}

#[test]
fn every_pedestal_and_relief_is_a_closed_solid() {
    let mut cases = Cases::new(3);
    for case in 0..Cases::count(40) {
        let (x, y) = (cases.float(-100.0, 100.0), cases.float(-100.0, 100.0));
        let footprint = [[x, y], [x + cases.float(0.0, 150.0), y + cases.float(0.0, 150.0)]];
        let spec = Pedestal {
            shape: cases.pick(&SHAPES),
            height_mm: cases.float(2.0, 60.0),
            margin_mm: cases.float(0.0, 50.0),
        };
        let width = if cases.below(2) == 0 { 0.0 } else { cases.float(1.0, 300.0) };
        let (mesh, front) = pedestal_with_front(footprint, &spec, width);
        check_solid(&mesh, &format!("case {case}: {footprint:?} {spec:?} front {width}"));
        assert!(front.width_mm >= width - 1e-9, "case {case}");

        let picture = blobs(&mut cases);
        let options = ReliefOptions { width_mm: cases.float(5.0, 400.0), ..ReliefOptions::default() };
        let a =
            check_solid(&relief(&picture, &options).unwrap(), &format!("case {case}: relief {options:?}"));
        let [sx, sy, _] = a.size_mm();
        assert!((sx.max(sy) - options.width_mm).abs() < 1e-6 * options.width_mm, "case {case}: {sx} {sy}");
    }
}

/// The front built in 2D (`engrave`) is the solid boolean's answer: one
/// closed, consistently oriented solid of the same volume (within 1e-6) and
/// the same bounds, on every pedestal with a flat front rectangle.
#[test]
fn letters_built_in_2d_match_the_solid_boolean() {
    use geometry::engrave::engrave;
    use geometry::keepsake::parts;
    let font = Font::embedded();
    let mut cases = Cases::new(4);
    let mut in_2d = 0;
    for case in 0..Cases::count(40) {
        let model = cuboid([0.0, 0.0, 0.0], [cases.float(5.0, 60.0), cases.float(5.0, 60.0), 10.0]);
        let shape = cases.pick(&SHAPES);
        let spec = KeepsakeSpec {
            pedestal: Pedestal {
                shape,
                height_mm: cases.float(2.0, 20.0),
                margin_mm: cases.float(0.0, 10.0),
            },
            text: (0..1 + cases.below(2)).map(|_| cases.text(24)).collect(),
            finish: cases.pick(&[TextFinish::Engraved, TextFinish::Embossed]),
            letter_height_mm: cases.float(3.0, 12.0),
            depth_mm: cases.float(0.3, 2.0),
            model_height_mm: None,
        };
        let what = format!("case {case}: {spec:?}");
        let Ok(parts) = parts(&model, &spec, &font) else {
            assert!(spec.text.iter().all(|l| l.trim().is_empty()), "{what}: refused");
            continue;
        };
        let (letters, engraving) = (parts.letters.unwrap(), parts.engraving.unwrap());
        let fast = engrave(&parts.pedestal, &engraving).unwrap_or_else(|| panic!("{what}: not built in 2D"));
        in_2d += 1;
        let general = match spec.finish {
            TextFinish::Engraved => boolean::difference(&parts.pedestal, &letters).unwrap(),
            TextFinish::Embossed => boolean::union(&parts.pedestal, &letters).unwrap(),
        };
        let (a, b) = (check_solid(&fast, &what), check_solid(&general, &what));
        assert!(
            (a.volume_mm3 - b.volume_mm3).abs() <= 1e-6 * b.volume_mm3,
            "{what}: {} mm³ in 2D, {} mm³ by the boolean",
            a.volume_mm3,
            b.volume_mm3
        );
        for (x, y) in a.bbox_mm.iter().flatten().zip(b.bbox_mm.iter().flatten()) {
            assert!((x - y).abs() < 1e-9, "{what}: bounds {:?} against {:?}", a.bbox_mm, b.bbox_mm);
        }
    }
    assert!(in_2d >= Cases::count(40) / 2, "only {in_2d} of the cases had text");
}
