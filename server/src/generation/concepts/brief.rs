//! The embedded prompt writer: four distinct, printable concept briefs from
//! a story, the same every time for the same story and batch.

use app::story::Story;
use serde::{Deserialize, Serialize};

use super::PER_BATCH;
use super::icons;
use super::words::{self, CAPTION_CHARS, fit, fit_list};

/// The outline a concept's emblem is drawn in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Frame {
    Medallion,
    Shield,
    Hexagon,
    Rosette,
}

impl Frame {
    const ALL: [Frame; 4] = [Frame::Medallion, Frame::Shield, Frame::Hexagon, Frame::Rosette];

    pub fn name(self) -> &'static str {
        match self {
            Frame::Medallion => "medallion",
            Frame::Shield => "shield",
            Frame::Hexagon => "hexagonal plaque",
            Frame::Rosette => "rosette",
        }
    }
}

/// What one concept shows: enough for a person (the title), for an image
/// model (the prompt) and for the embedded emblem renderer (the rest).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Brief {
    pub title: String,
    /// For an image model: the design plus the rules that make it printable.
    pub prompt: String,
    /// The picture: the name of an icon of the set (`icons`), e.g. `bird`.
    pub motif: String,
    pub frame: Frame,
    /// Index into the renderer's palettes.
    pub palette: usize,
    /// Words shown on the emblem (may be empty).
    pub caption: String,
}

/// What every concept must be to print well as one piece.
pub const PRINTABILITY: &str = "One single solid object on a broad flat base, no thin, loose or \
    floating parts, centred on a plain white background, soft even light, matte material. Any people \
    are fully clothed.";

/// Batch `batch` of the story's concepts: four briefs whose motif, frame,
/// colours and words differ from each other, and from earlier batches as
/// far as the story allows.
pub fn compose_briefs(story: &Story, batch: usize) -> Vec<Brief> {
    let hobbies = &story.hobbies;
    let said = words::from_facts(&story.facts);
    let font = geometry::text::Font::embedded();
    let hobby_words: Vec<String> =
        hobbies.iter().map(|hobby| title_case(&words::clean(hobby, &font))).collect();
    (0..PER_BATCH)
        .map(|slot| {
            let n = batch * PER_BATCH + slot;
            let hobby = &hobbies[n % hobbies.len()];
            // Past the hobbies' own motifs, later concepts use the general ones.
            let motif = if n < hobbies.len() || batch == 0 {
                icons::for_hobby(hobby).name
            } else {
                icons::GENERAL[(n - hobbies.len()) % icons::GENERAL.len()]
            };
            let frame = Frame::ALL[(slot + batch) % Frame::ALL.len()];
            let hobby_said = &hobby_words[n % hobbies.len()];
            // Their name first, then the name with an age or year (or the
            // facts' first phrase), then the hobbies; the fourth has none.
            let caption = match slot % 4 {
                0 => said.name.clone().unwrap_or_else(|| hobby_said.clone()),
                1 => match (&said.name, &said.number) {
                    (Some(name), Some(number)) => fit_list(&[name.clone(), number.clone()], CAPTION_CHARS),
                    (None, Some(number)) => number.clone(),
                    _ => said.phrase.clone().unwrap_or_else(|| hobby_said.clone()),
                },
                2 => fit_list(&hobby_words, CAPTION_CHARS),
                _ => String::new(),
            };
            let caption = fit(&caption, CAPTION_CHARS);
            let title = format!("{} {}", title_case(hobby), frame.name());
            let words = if caption.is_empty() { String::new() } else { format!(" with the words \"{caption}\"") };
            let about = story.facts.trim();
            let picture = motif.replace('-', " ");
            // The facts as context for an image model: their start, whole words or not.
            let about: String = about.chars().take(160).collect();
            let prompt = format!(
                "A {frame} emblem showing a {picture} icon{words}, for someone who loves {hobby}{about}. {PRINTABILITY}",
                frame = frame.name(),
                about = if about.is_empty() { String::new() } else { format!(" ({about})") },
            );
            Brief { title, prompt, motif: motif.to_string(), frame, palette: (slot + 2 * batch) % 6, caption }
        })
        .collect()
}

fn title_case(text: &str) -> String {
    text.split_whitespace()
        .map(|word| {
            let mut chars = word.chars();
            chars.next().map(|c| c.to_uppercase().chain(chars).collect::<String>()).unwrap_or_default()
        })
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn story(hobbies: &[&str], facts: &str) -> Story {
        Story::new(hobbies.iter().map(|h| h.to_string()).collect(), facts).unwrap()
    }

    #[test]
    fn four_distinct_printable_briefs_the_same_every_time() {
        let story = story(&["sailing", "jazz piano"], "Retired music teacher, sails every summer.");
        let briefs = compose_briefs(&story, 0);
        assert_eq!(briefs, compose_briefs(&story, 0), "deterministic");
        assert_eq!(briefs.len(), 4);
        let designs: std::collections::HashSet<_> =
            briefs.iter().map(|b| (b.motif.clone(), b.frame, b.palette, b.caption.clone())).collect();
        assert_eq!(designs.len(), 4, "{briefs:#?}");
        let frames: std::collections::HashSet<_> = briefs.iter().map(|b| b.frame).collect();
        assert_eq!(frames.len(), 4, "each concept has its own outline");
        assert_eq!(briefs[0].motif, "sailboat");
        assert_eq!(briefs[1].motif, "music-notes");
        assert_eq!(briefs[1].caption, "Retired music teacher");
        for brief in &briefs {
            assert!(brief.prompt.contains(PRINTABILITY), "{}", brief.prompt);
            assert!(brief.prompt.contains("white background") && brief.prompt.contains("fully clothed"));
            assert!(brief.caption.chars().count() <= CAPTION_CHARS, "{}", brief.caption);
        }
    }

    #[test]
    fn explore_more_gives_other_designs() {
        let story = story(&["golf"], "");
        let first = compose_briefs(&story, 0);
        let second = compose_briefs(&story, 1);
        for brief in &second {
            assert!(
                !first
                    .iter()
                    .any(|f| (&f.motif, f.frame, f.palette) == (&brief.motif, brief.frame, brief.palette)),
                "{brief:?} repeats batch 0"
            );
        }
        assert!(second.iter().any(|b| b.motif != "golf"), "general pictures join in: {second:#?}");
    }

    #[test]
    fn their_words_are_on_the_designs_whole() {
        let story = story(&["chess", "sourdough baking", "birdwatching"], "Grandpa Joe turns 80 in June");
        let briefs = compose_briefs(&story, 0);
        let captions: Vec<&str> = briefs.iter().map(|b| b.caption.as_str()).collect();
        assert_eq!(captions, ["Grandpa Joe", "Grandpa Joe · Happy 80th", "Chess · Sourdough Baking", ""]);
        let motifs: Vec<&str> = briefs.iter().map(|b| b.motif.as_str()).collect();
        assert_eq!(motifs, ["horse", "bread", "bird", "horse"]);
        for brief in compose_briefs(&story, 1) {
            assert!(!brief.caption.ends_with('·') && brief.caption.chars().count() <= CAPTION_CHARS);
        }
        assert_eq!(title_case("jazz piano"), "Jazz Piano");
    }

    #[test]
    fn any_story_still_gives_four_designs() {
        let long = "W".repeat(580);
        for facts in [long.as_str(), "🎉🎂🎉", "<img src=x onerror=alert(1)>", "宝宝生日快乐", ""]
        {
            let story = story(&["🎲", "knitting"], facts);
            let briefs = compose_briefs(&story, 0);
            assert_eq!(briefs.len(), 4);
            for brief in &briefs {
                assert!(brief.caption.chars().count() <= CAPTION_CHARS, "{facts}: {}", brief.caption);
                assert!(!brief.caption.contains('<') && !brief.caption.contains('🎉'), "{}", brief.caption);
                assert!(super::super::emblem::render(brief).is_ok());
            }
        }
    }
}
