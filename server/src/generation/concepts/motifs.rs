//! The emblem renderer's pictures: one motif per kind of hobby, drawn as
//! filled shapes in a 100 × 100 box (y down), bold enough to survive as a
//! raised relief.

use serde::{Deserialize, Serialize};
use tiny_skia::{Path, PathBuilder, Rect};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Motif {
    Sailboat,
    MusicNote,
    Flower,
    Paw,
    Book,
    Mountain,
    Fish,
    Ball,
    Cup,
    Bicycle,
    Bird,
    Camera,
    Tree,
    Star,
    Heart,
}

/// Words in a hobby that choose its motif (the first match wins).
const KEYWORDS: [(Motif, &[&str]); 13] = [
    (Motif::Sailboat, &["sail", "boat", "sea", "ocean", "yacht", "row", "kayak", "canoe", "cruise"]),
    (
        Motif::MusicNote,
        &["music", "piano", "jazz", "guitar", "sing", "choir", "violin", "band", "drum", "opera", "song"],
    ),
    (Motif::Flower, &["garden", "flower", "plant", "rose", "bloom", "floral"]),
    (Motif::Paw, &["dog", "cat", "pet", "pupp", "kitten", "beagle", "animal", "horse"]),
    (Motif::Book, &["read", "book", "librar", "writ", "poet", "literat", "stud", "teach"]),
    (Motif::Mountain, &["hik", "mountain", "climb", "walk", "trek", "ski", "camp"]),
    (Motif::Fish, &["fish", "angl", "aquari"]),
    (Motif::Ball, &["ball", "golf", "tennis", "soccer", "rugby", "sport", "cricket", "bowl"]),
    (Motif::Cup, &["coffee", "tea", "cook", "bak", "kitchen", "wine", "brew", "chef"]),
    (Motif::Bicycle, &["cycl", "bike", "bicycle", "riding"]),
    (Motif::Bird, &["bird", "owl", "parrot", "wildlife"]),
    (Motif::Camera, &["photo", "camera", "film", "paint", "art", "draw"]),
    (Motif::Tree, &["tree", "forest", "nature", "wood", "outdoor"]),
];

impl Motif {
    /// Motifs for any story, used once a story's own hobbies are used up.
    pub const GENERAL: [Motif; 4] = [Motif::Heart, Motif::Star, Motif::Tree, Motif::Flower];

    pub fn for_hobby(hobby: &str) -> Motif {
        let hobby = hobby.to_lowercase();
        KEYWORDS
            .iter()
            .find(|(_, words)| words.iter().any(|word| hobby.contains(word)))
            .map_or(Motif::Star, |(motif, _)| *motif)
    }

    /// For an image model's prompt.
    pub fn description(self) -> &'static str {
        match self {
            Motif::Sailboat => "a sailboat with full sails on a gentle wave",
            Motif::MusicNote => "a pair of joined music notes",
            Motif::Flower => "a six-petalled flower in bloom",
            Motif::Paw => "a pet's paw print",
            Motif::Book => "an open book",
            Motif::Mountain => "a snow-capped mountain range",
            Motif::Fish => "a leaping fish",
            Motif::Ball => "a ball in play",
            Motif::Cup => "a steaming cup",
            Motif::Bicycle => "a bicycle",
            Motif::Bird => "a songbird",
            Motif::Camera => "a classic camera",
            Motif::Tree => "a broad oak tree",
            Motif::Star => "a five-pointed star",
            Motif::Heart => "a heart",
        }
    }

    /// The motif's shapes in a 100 × 100 box, to be filled (non-zero).
    pub fn shapes(self) -> Vec<Path> {
        let mut shapes = Shapes::default();
        match self {
            Motif::Sailboat => {
                shapes.polygon(&[(14.0, 70.0), (86.0, 70.0), (74.0, 86.0), (26.0, 86.0)]);
                shapes.rect(48.0, 10.0, 4.0, 62.0);
                shapes.polygon(&[(47.0, 14.0), (47.0, 64.0), (16.0, 64.0)]);
                shapes.polygon(&[(53.0, 20.0), (53.0, 64.0), (80.0, 64.0)]);
            }
            Motif::MusicNote => {
                shapes.ellipse(30.0, 76.0, 13.0, 10.0);
                shapes.ellipse(72.0, 68.0, 13.0, 10.0);
                shapes.rect(38.0, 22.0, 6.0, 54.0);
                shapes.rect(80.0, 14.0, 6.0, 54.0);
                shapes.polygon(&[(38.0, 22.0), (86.0, 12.0), (86.0, 24.0), (38.0, 34.0)]);
            }
            Motif::Flower => {
                for k in 0..6 {
                    let a = f32::from(k as u8) * std::f32::consts::TAU / 6.0;
                    shapes.circle(50.0 + 24.0 * a.cos(), 50.0 + 24.0 * a.sin(), 16.0);
                }
                shapes.circle(50.0, 50.0, 14.0);
            }
            Motif::Paw => {
                shapes.ellipse(50.0, 66.0, 22.0, 18.0);
                for (x, y) in [(24.0, 42.0), (40.0, 26.0), (60.0, 26.0), (76.0, 42.0)] {
                    shapes.ellipse(x, y, 9.0, 11.0);
                }
            }
            Motif::Book => {
                shapes.polygon(&[(10.0, 28.0), (48.0, 34.0), (48.0, 82.0), (10.0, 76.0)]);
                shapes.polygon(&[(52.0, 34.0), (90.0, 28.0), (90.0, 76.0), (52.0, 82.0)]);
            }
            Motif::Mountain => {
                shapes.polygon(&[(6.0, 84.0), (38.0, 24.0), (70.0, 84.0)]);
                shapes.polygon(&[(40.0, 84.0), (66.0, 40.0), (94.0, 84.0)]);
            }
            Motif::Fish => {
                shapes.ellipse(44.0, 50.0, 30.0, 17.0);
                shapes.polygon(&[(68.0, 50.0), (92.0, 32.0), (92.0, 68.0)]);
            }
            Motif::Ball => {
                shapes.circle(50.0, 50.0, 36.0);
            }
            Motif::Cup => {
                shapes.polygon(&[(20.0, 40.0), (70.0, 40.0), (64.0, 82.0), (26.0, 82.0)]);
                shapes.ring(74.0, 56.0, 12.0, 6.0);
                shapes.rect(14.0, 84.0, 62.0, 6.0);
                for x in [32.0, 45.0, 58.0] {
                    shapes.rect(x, 14.0, 4.0, 20.0);
                }
            }
            Motif::Bicycle => {
                shapes.ring(26.0, 64.0, 18.0, 5.0);
                shapes.ring(74.0, 64.0, 18.0, 5.0);
                shapes.polygon(&[(26.0, 62.0), (46.0, 36.0), (50.0, 40.0), (30.0, 66.0)]);
                shapes.polygon(&[
                    (46.0, 36.0),
                    (72.0, 36.0),
                    (76.0, 62.0),
                    (70.0, 64.0),
                    (67.0, 42.0),
                    (48.0, 42.0),
                ]);
                shapes.polygon(&[(44.0, 62.0), (50.0, 38.0), (55.0, 39.0), (49.0, 64.0)]);
                shapes.rect(40.0, 28.0, 14.0, 5.0);
            }
            Motif::Bird => {
                shapes.ellipse(48.0, 56.0, 28.0, 18.0);
                shapes.circle(70.0, 36.0, 12.0);
                shapes.polygon(&[(80.0, 32.0), (94.0, 38.0), (80.0, 42.0)]);
                shapes.polygon(&[(24.0, 52.0), (4.0, 40.0), (10.0, 62.0)]);
                shapes.rect(42.0, 72.0, 4.0, 14.0);
                shapes.rect(54.0, 72.0, 4.0, 14.0);
            }
            Motif::Camera => {
                shapes.rect(10.0, 32.0, 80.0, 50.0);
                shapes.rect(34.0, 22.0, 26.0, 12.0);
                shapes.ring(50.0, 57.0, 18.0, 7.0);
            }
            Motif::Tree => {
                shapes.circle(50.0, 38.0, 26.0);
                shapes.circle(30.0, 50.0, 18.0);
                shapes.circle(70.0, 50.0, 18.0);
                shapes.rect(44.0, 56.0, 12.0, 32.0);
            }
            Motif::Star => {
                let points: Vec<(f32, f32)> = (0..10)
                    .map(|k| {
                        let a = f32::from(k as u8) * std::f32::consts::PI / 5.0 - std::f32::consts::FRAC_PI_2;
                        let r = if k % 2 == 0 { 44.0 } else { 18.0 };
                        (50.0 + r * a.cos(), 54.0 + r * a.sin())
                    })
                    .collect();
                shapes.polygon(&points);
            }
            Motif::Heart => {
                shapes.circle(34.0, 38.0, 20.0);
                shapes.circle(66.0, 38.0, 20.0);
                shapes.polygon(&[(15.0, 44.0), (85.0, 44.0), (50.0, 88.0)]);
            }
        }
        shapes.0
    }

    /// Marks drawn over the motif in the frame's colour (seams, spokes, pages).
    pub fn details(self) -> Vec<Path> {
        let mut shapes = Shapes::default();
        match self {
            Motif::Ball => {
                shapes.rect(14.0, 48.0, 72.0, 4.0);
                shapes.ring(50.0, 50.0, 20.0, 3.0);
            }
            Motif::Book => {
                for y in [44.0, 54.0, 64.0] {
                    shapes.polygon(&[(16.0, y), (42.0, y + 4.0), (42.0, y + 7.0), (16.0, y + 3.0)]);
                    shapes.polygon(&[(58.0, y + 4.0), (84.0, y), (84.0, y + 3.0), (58.0, y + 7.0)]);
                }
            }
            Motif::Mountain => {
                shapes.polygon(&[(38.0, 24.0), (47.0, 41.0), (29.0, 41.0)]);
            }
            Motif::Fish => shapes.circle(28.0, 46.0, 4.0),
            Motif::Flower => shapes.circle(50.0, 50.0, 7.0),
            Motif::Camera => shapes.circle(50.0, 57.0, 6.0),
            _ => {}
        }
        shapes.0
    }
}

/// A list of filled shapes being built.
#[derive(Default)]
struct Shapes(Vec<Path>);

impl Shapes {
    fn push(&mut self, path: Option<Path>) {
        // Only a degenerate shape (zero size) gives no path; there are none above.
        self.0.extend(path);
    }

    fn polygon(&mut self, points: &[(f32, f32)]) {
        let mut pb = PathBuilder::new();
        for (i, (x, y)) in points.iter().enumerate() {
            if i == 0 { pb.move_to(*x, *y) } else { pb.line_to(*x, *y) }
        }
        pb.close();
        self.push(pb.finish());
    }

    fn rect(&mut self, x: f32, y: f32, w: f32, h: f32) {
        self.push(Rect::from_xywh(x, y, w, h).map(PathBuilder::from_rect));
    }

    fn circle(&mut self, x: f32, y: f32, r: f32) {
        self.push(PathBuilder::from_circle(x, y, r));
    }

    fn ellipse(&mut self, x: f32, y: f32, rx: f32, ry: f32) {
        self.push(Rect::from_xywh(x - rx, y - ry, 2.0 * rx, 2.0 * ry).and_then(PathBuilder::from_oval));
    }

    /// A ring: a circle with a hole (the inner circle runs the other way).
    fn ring(&mut self, x: f32, y: f32, r: f32, width: f32) {
        let mut pb = PathBuilder::new();
        pb.push_circle(x, y, r);
        let inner = r - width;
        let steps = 48;
        for k in 0..=steps {
            let a = -(k as f32) * std::f32::consts::TAU / steps as f32;
            let (px, py) = (x + inner * a.cos(), y + inner * a.sin());
            if k == 0 { pb.move_to(px, py) } else { pb.line_to(px, py) }
        }
        pb.close();
        self.push(pb.finish());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hobbies_choose_their_motifs() {
        assert_eq!(Motif::for_hobby("Sailing"), Motif::Sailboat);
        assert_eq!(Motif::for_hobby("jazz piano"), Motif::MusicNote);
        assert_eq!(Motif::for_hobby("her beagle Pip"), Motif::Paw);
        assert_eq!(Motif::for_hobby("birdwatching"), Motif::Bird);
        assert_eq!(Motif::for_hobby("quantum knitting"), Motif::Star, "unknown hobbies get a star");
    }

    #[test]
    fn every_motif_has_shapes() {
        for (motif, _) in KEYWORDS {
            assert!(!motif.shapes().is_empty(), "{motif:?}");
        }
        for motif in [Motif::Star, Motif::Heart] {
            assert!(!motif.shapes().is_empty(), "{motif:?}");
        }
    }
}
