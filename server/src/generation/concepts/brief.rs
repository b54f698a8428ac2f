//! The embedded prompt writer: four distinct, printable concept briefs from
//! a story, the same every time for the same story and batch.

use app::story::Story;
use serde::{Deserialize, Serialize};

use super::PER_BATCH;
use super::motifs::Motif;

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
    pub motif: Motif,
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

/// The longest caption the emblem's banner holds legibly.
const CAPTION_CHARS: usize = 24;

/// Batch `batch` of the story's concepts: four briefs whose motif, frame,
/// colours and words differ from each other, and from earlier batches as
/// far as the story allows.
pub fn compose_briefs(story: &Story, batch: usize) -> Vec<Brief> {
    let hobbies = &story.hobbies;
    let phrase = short_phrase(&story.facts);
    (0..PER_BATCH)
        .map(|slot| {
            let n = batch * PER_BATCH + slot;
            let hobby = &hobbies[n % hobbies.len()];
            // Past the hobbies' own motifs, later concepts use the general ones.
            let motif = if n < hobbies.len() || batch == 0 {
                Motif::for_hobby(hobby)
            } else {
                Motif::GENERAL[(n - hobbies.len()) % Motif::GENERAL.len()]
            };
            let frame = Frame::ALL[(slot + batch) % Frame::ALL.len()];
            let caption = match slot % 4 {
                0 => title_case(hobby),
                1 => phrase.clone().unwrap_or_else(|| title_case(hobby)),
                2 => hobbies.iter().map(|h| title_case(h)).collect::<Vec<_>>().join(" · "),
                _ => String::new(),
            };
            let caption = fit(&caption, CAPTION_CHARS);
            let title = format!("{} {}", title_case(hobby), frame.name());
            let words = if caption.is_empty() { String::new() } else { format!(" with the words \"{caption}\"") };
            let about = story.facts.trim();
            let prompt = format!(
                "A {frame} emblem showing {motif}{words}, for someone who loves {hobby}{about}. {PRINTABILITY}",
                frame = frame.name(),
                motif = motif.description(),
                about = if about.is_empty() { String::new() } else { format!(" ({})", fit(about, 160)) },
            );
            Brief { title, prompt, motif, frame, palette: (slot + 2 * batch) % 6, caption }
        })
        .collect()
}

/// The first clause of the facts, if it fits a banner whole (a clause cut
/// short reads wrong: "Retired music").
fn short_phrase(facts: &str) -> Option<String> {
    let first = facts.split(['.', ',', ';', '\n', '!', '?']).map(str::trim).find(|p| !p.is_empty())?;
    (first.chars().count() <= CAPTION_CHARS).then(|| first.to_string())
}

/// `text` cut at a word boundary to at most `chars` characters.
fn fit(text: &str, chars: usize) -> String {
    let text = text.trim();
    if text.chars().count() <= chars {
        return text.to_string();
    }
    let mut out = String::new();
    for word in text.split_whitespace() {
        let next = if out.is_empty() { word.to_string() } else { format!("{out} {word}") };
        if next.chars().count() > chars {
            break;
        }
        out = next;
    }
    if out.is_empty() { text.chars().take(chars).collect() } else { out }
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
            briefs.iter().map(|b| (b.motif, b.frame, b.palette, b.caption.clone())).collect();
        assert_eq!(designs.len(), 4, "{briefs:#?}");
        let frames: std::collections::HashSet<_> = briefs.iter().map(|b| b.frame).collect();
        assert_eq!(frames.len(), 4, "each concept has its own outline");
        assert_eq!(briefs[0].motif, Motif::Sailboat);
        assert_eq!(briefs[1].motif, Motif::MusicNote);
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
                    .any(|f| (f.motif, f.frame, f.palette) == (brief.motif, brief.frame, brief.palette)),
                "{brief:?} repeats batch 0"
            );
        }
        assert!(second.iter().any(|b| b.motif != Motif::Ball), "general motifs join in: {second:#?}");
    }

    #[test]
    fn captions_fit_at_word_boundaries() {
        assert_eq!(fit("Retired music teacher", 18), "Retired music");
        assert_eq!(short_phrase("A retired music teacher and sailor"), None, "too long to show whole");
        assert_eq!(fit("Supercalifragilisticexpialidocious", 10), "Supercalif");
        assert_eq!(short_phrase("  . Loves the sea. More"), Some("Loves the sea".into()));
        assert_eq!(short_phrase(""), None);
        assert_eq!(title_case("jazz piano"), "Jazz Piano");
    }
}
