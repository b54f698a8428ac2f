//! The emblem's pictures: Phosphor's icon set (MIT, `@phosphor-icons/core`,
//! the "fill" weight: solid glyphs that survive as a raised relief), every
//! icon but the brand logos, each with the set's own search tags. The file
//! `server/assets/icons/phosphor-fill.tsv` is written from the npm package
//! by `end2end/tools/phosphor-icons.mjs`, and the browser suite checks it
//! still matches the package; its licence is beside it.
//!
//! A hobby finds its picture by our short list of synonyms first (the
//! words people type that the set's tags miss: "sourdough", "knitting"),
//! then by an icon's name, then by its tags, then by an icon's name inside
//! a longer word ("birdwatching"); a hobby nothing matches gets a general
//! picture.

use std::sync::OnceLock;

use tiny_skia::{Path, PathBuilder};

/// The icon set as shipped.
const SET: &str = include_str!("../../../assets/icons/phosphor-fill.tsv");

/// Side of the box an icon's path is drawn in (its SVG `viewBox`).
pub const BOX: f32 = 256.0;

/// One icon of the set.
#[derive(Debug)]
pub struct Icon {
    /// Phosphor's name, e.g. `bird` or `piano-keys`.
    pub name: &'static str,
    pub tags: Vec<&'static str>,
    /// SVG path data in a [`BOX`] × [`BOX`] box, y down.
    pub data: &'static str,
}

/// Every icon of the set, in the set's order.
pub fn all() -> &'static [Icon] {
    static ICONS: OnceLock<Vec<Icon>> = OnceLock::new();
    ICONS.get_or_init(|| {
        SET.lines()
            .filter_map(|line| {
                let mut fields = line.split('\t');
                let (name, tags, data) = (fields.next()?, fields.next()?, fields.next()?);
                Some(Icon { name, tags: tags.split(',').filter(|tag| !tag.is_empty()).collect(), data })
            })
            .collect()
    })
}

/// The icon called `name`, if the set has it.
pub fn named(name: &str) -> Option<&'static Icon> {
    all().iter().find(|icon| icon.name == name)
}

/// Pictures for any story: for designs past a story's own hobbies, and for
/// a hobby nothing matches.
pub const GENERAL: [&str; 4] = ["heart", "star", "tree", "flower"];

/// Words people write for a hobby that the set's names and tags miss or
/// match poorly, each with the icon to use. A stem matches the start of a
/// hobby's word ("bak" → baking, baker); one ending in `$` only the whole
/// word ("tea$" is not teaching). The first match wins.
const SYNONYMS: &[(&str, &str)] = &[
    ("chess", "horse"),
    ("sourdough", "bread"),
    ("bak", "bread"),
    ("bread", "bread"),
    ("cake", "cake"),
    ("knit", "yarn"),
    ("crochet", "yarn"),
    ("sew", "needle"),
    ("quilt", "needle"),
    ("embroider", "needle"),
    ("potter", "jar"),
    ("ceramic", "jar"),
    ("astronom", "planet"),
    ("stargaz", "moon-stars"),
    ("beekeep", "hexagon"),
    ("honey", "hexagon"),
    ("birdwatch", "bird"),
    ("birding", "bird"),
    ("angl", "fish"),
    ("fishing", "fish"),
    ("garden", "plant"),
    ("hik", "mountains"),
    ("trek", "mountains"),
    ("climb", "mountains"),
    ("mountain", "mountains"),
    ("walk", "person-simple-walk"),
    ("cycl", "bicycle"),
    ("bik", "bicycle"),
    ("motorbik", "motorcycle"),
    ("paint", "paint-brush"),
    ("draw", "pencil"),
    ("sketch", "pencil"),
    ("photo", "camera"),
    ("read", "book-open"),
    ("book", "book-open"),
    ("writ", "pen-nib"),
    ("poet", "pen-nib"),
    ("music", "music-notes"),
    ("sing", "microphone-stage"),
    ("choir", "music-notes"),
    ("jazz", "music-notes"),
    ("danc", "music-notes"),
    ("piano", "piano-keys"),
    ("yoga", "flower-lotus"),
    ("meditat", "flower-lotus"),
    ("run", "person-simple-run"),
    ("jog", "person-simple-run"),
    ("marathon", "person-simple-run"),
    ("swim", "person-simple-swim"),
    ("sail", "sailboat"),
    ("boat", "sailboat"),
    ("kayak", "sailboat"),
    ("ski$", "person-simple-ski"),
    ("skiing$", "person-simple-ski"),
    ("snowboard", "person-simple-snowboard"),
    ("camp", "tent"),
    ("travel", "airplane-tilt"),
    ("fly", "airplane-tilt"),
    ("soccer", "soccer-ball"),
    ("tennis", "tennis-ball"),
    ("bowl", "bowling-ball"),
    ("weight", "barbell"),
    ("gym", "barbell"),
    ("cook", "cooking-pot"),
    ("chef", "chef-hat"),
    ("brew", "beer-stein"),
    ("beer", "beer-stein"),
    ("tea$", "tea-bag"),
    ("woodwork", "hammer"),
    ("carpent", "hammer"),
    ("diy", "hammer"),
    ("cars$", "car-profile"),
    ("classic car", "car-profile"),
    ("video gam", "game-controller"),
    ("gaming", "game-controller"),
    ("puzzle", "puzzle-piece"),
    ("card", "cards"),
    ("board gam", "dice-five"),
    ("theat", "mask-happy"),
    ("acting$", "mask-happy"),
    ("film", "film-slate"),
    ("movie", "film-slate"),
    ("pets$", "paw-print"),
    ("pupp", "dog"),
    ("kitten", "cat"),
    ("butterfl", "butterfly"),
    ("forest", "tree-evergreen"),
    ("nature", "tree"),
];

/// Words that say nothing about which picture fits.
const NOISE: &[&str] = &["and", "the", "for", "with", "his", "her", "their", "old", "new", "love", "loves"];

/// The picture for `hobby`: the icon it names, or a general one.
pub fn for_hobby(hobby: &str) -> &'static Icon {
    find(hobby).unwrap_or_else(|| named(GENERAL[1]).expect("the set has a star"))
}

/// The icon `hobby` names, if any does.
pub fn find(hobby: &str) -> Option<&'static Icon> {
    let text: String =
        hobby.to_lowercase().chars().map(|c| if c.is_alphanumeric() { c } else { ' ' }).collect();
    let words: Vec<&str> =
        text.split_whitespace().filter(|word| word.chars().count() >= 2 && !NOISE.contains(word)).collect();
    if words.is_empty() {
        return None;
    }
    let joined = words.join(" ");
    // Our synonyms, at the start of a word (or of the whole, for two words).
    let starts = |stem: &str| match stem.strip_suffix('$') {
        Some(word) => words.contains(&word),
        None => {
            words.iter().any(|word| word.starts_with(stem)) || (stem.contains(' ') && joined.contains(stem))
        }
    };
    if let Some((_, name)) = SYNONYMS.iter().find(|(stem, _)| starts(stem)) {
        return named(name);
    }
    let icons = all();
    // The hobby is an icon's name ("golf", "piano keys"), or one of its words is.
    let dashed = words.join("-");
    if let Some(icon) = icons.iter().find(|icon| icon.name == dashed) {
        return Some(icon);
    }
    for word in &words {
        let singular = word.strip_suffix('s').unwrap_or(word);
        if let Some(icon) = icons.iter().find(|icon| icon.name == *word || icon.name == singular) {
            return Some(icon);
        }
    }
    // A word is one of an icon's tags (the set's own words: "chess" is the knight).
    for word in &words {
        let singular = word.strip_suffix('s').filter(|stem| stem.len() >= 3);
        if let Some(icon) =
            icons.iter().find(|icon| icon.tags.iter().any(|tag| tag == word || Some(*tag) == singular))
        {
            return Some(icon);
        }
    }
    // An icon's one-word name inside a longer word ("birdwatching", "sailboats").
    icons
        .iter()
        .filter(|icon| !icon.name.contains('-') && icon.name.len() >= 4)
        .find(|icon| words.iter().any(|word| word.contains(icon.name)))
}

/// The icon's outline as a path in its [`BOX`] (holes wind the other way:
/// fill it with the non-zero rule). `None` if its data does not read.
pub fn path(icon: &Icon) -> Option<Path> {
    let parsed = kurbo::BezPath::from_svg(icon.data).ok()?;
    let mut pb = PathBuilder::new();
    let point = |p: kurbo::Point| (p.x as f32, p.y as f32);
    for element in parsed.elements() {
        match *element {
            kurbo::PathEl::MoveTo(p) => {
                let (x, y) = point(p);
                pb.move_to(x, y)
            }
            kurbo::PathEl::LineTo(p) => {
                let (x, y) = point(p);
                pb.line_to(x, y)
            }
            kurbo::PathEl::QuadTo(a, p) => {
                let ((ax, ay), (x, y)) = (point(a), point(p));
                pb.quad_to(ax, ay, x, y)
            }
            kurbo::PathEl::CurveTo(a, b, p) => {
                let ((ax, ay), (bx, by), (x, y)) = (point(a), point(b), point(p));
                pb.cubic_to(ax, ay, bx, by, x, y)
            }
            kurbo::PathEl::ClosePath => pb.close(),
        }
    }
    pb.finish()
}

/// The icon's name in words, for an image model's prompt ("piano keys").
pub fn in_words(icon: &Icon) -> String {
    icon.name.replace('-', " ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_set_is_whole_and_every_icon_reads() {
        let icons = all();
        assert!(icons.len() > 1400, "{}", icons.len());
        for icon in icons {
            let path = path(icon).unwrap_or_else(|| panic!("{} does not read", icon.name));
            // (Bounds include curves' control points, which may stray a little.)
            let bounds = path.bounds();
            assert!(
                bounds.left() >= -8.0
                    && bounds.top() >= -8.0
                    && bounds.right() <= BOX + 8.0
                    && bounds.bottom() <= BOX + 8.0,
                "{} lies outside its box: {bounds:?}",
                icon.name
            );
        }
        for name in GENERAL.iter().chain(SYNONYMS.iter().map(|(_, name)| name)) {
            assert!(named(name).is_some(), "{name} is not in the set");
        }
    }

    #[test]
    fn common_hobbies_get_a_picture_of_their_own() {
        let hobbies = [
            ("chess", "horse"),
            ("sourdough baking", "bread"),
            ("birdwatching", "bird"),
            ("knitting", "yarn"),
            ("golf", "golf"),
            ("pottery", "jar"),
            ("astronomy", "planet"),
            ("motorcycles", "motorcycle"),
            ("beekeeping", "hexagon"),
            ("jazz piano", "music-notes"),
            ("gardening", "plant"),
            ("fishing", "fish"),
            ("cycling", "bicycle"),
            ("photography", "camera"),
            ("coffee", "coffee"),
            ("Guitar!", "guitar"),
            ("dogs", "dog"),
            ("basketball", "basketball"),
        ];
        for (hobby, icon) in hobbies {
            assert_eq!(find(hobby).map(|found| found.name), Some(icon), "{hobby}");
        }
        let common = [
            "reading",
            "hiking",
            "painting",
            "cooking",
            "yoga",
            "running",
            "swimming",
            "sailing",
            "camping",
            "travel",
            "tennis",
            "soccer",
            "woodworking",
            "sewing",
            "crochet",
            "dancing",
            "singing",
            "cats",
            "wine",
            "tea",
            "puzzles",
            "video games",
            "theatre",
            "skiing",
            "baking",
            "writing",
            "football",
        ];
        let missing: Vec<&str> = common.iter().copied().filter(|hobby| find(hobby).is_none()).collect();
        assert!(missing.is_empty(), "no picture of their own: {missing:?}");
        assert_eq!(for_hobby("zxqv").name, "star", "nothing matches: a general picture");
        assert_eq!(for_hobby("🎉 <b>").name, "star");
        assert!(find("").is_none());
    }
}
