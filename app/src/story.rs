//! The customer's story: hobbies and facts about the person the keepsake is for.
//!
//! Validation lives here, in the crate compiled for both the browser and the
//! server, so the form and the API refuse exactly the same input with exactly
//! the same words.

use serde::{Deserialize, Serialize};

/// The whole story (hobbies plus facts) may be at most this many characters.
pub const STORY_MAX_CHARS: usize = 600;
/// At most this many hobbies.
pub const MAX_HOBBIES: usize = 8;
/// Each hobby at most this many characters.
pub const HOBBY_MAX_CHARS: usize = 40;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Story {
    /// One or more hobbies, trimmed, without duplicates (case-insensitive).
    pub hobbies: Vec<String>,
    /// Free text; may be empty when the hobbies say enough.
    pub facts: String,
}

/// Why a story was refused. Each message is shown to the customer as is.
#[derive(thiserror::Error, Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum StoryError {
    #[error("Add at least one hobby.")]
    NoHobby,
    #[error("Up to {MAX_HOBBIES} hobbies, please.")]
    TooManyHobbies,
    #[error("Keep each hobby to {HOBBY_MAX_CHARS} characters (\"{0}…\" is longer).")]
    HobbyTooLong(String),
    #[error("Your story is {0} characters; please keep it to {STORY_MAX_CHARS}.")]
    TooLong(usize),
}

/// Which form field a [`StoryError`] belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StoryField {
    Hobbies,
    Facts,
}

impl StoryError {
    pub fn field(&self) -> StoryField {
        match self {
            StoryError::TooLong(_) => StoryField::Facts,
            _ => StoryField::Hobbies,
        }
    }
}

impl Story {
    /// Builds a story from the form's fields: hobbies separated by commas
    /// (or new lines) and the facts text.
    pub fn from_form(hobbies: &str, facts: &str) -> Result<Story, StoryError> {
        Story::new(split_hobbies(hobbies), facts)
    }

    /// Cleans and validates: trims, folds inner white space, drops control
    /// characters and duplicate hobbies, then checks the limits.
    pub fn new<S: AsRef<str>>(hobbies: Vec<S>, facts: &str) -> Result<Story, StoryError> {
        let mut kept: Vec<String> = Vec::new();
        for hobby in hobbies {
            let hobby = clean_line(hobby.as_ref());
            if hobby.is_empty() || kept.iter().any(|k| k.eq_ignore_ascii_case(&hobby)) {
                continue;
            }
            if hobby.chars().count() > HOBBY_MAX_CHARS {
                let start: String = hobby.chars().take(20).collect();
                return Err(StoryError::HobbyTooLong(start));
            }
            kept.push(hobby);
        }
        if kept.is_empty() {
            return Err(StoryError::NoHobby);
        }
        if kept.len() > MAX_HOBBIES {
            return Err(StoryError::TooManyHobbies);
        }
        let story = Story { hobbies: kept, facts: clean_text(facts) };
        let length = story.char_count();
        if length > STORY_MAX_CHARS {
            return Err(StoryError::TooLong(length));
        }
        Ok(story)
    }

    /// Characters counted against [`STORY_MAX_CHARS`]: the hobbies as the
    /// customer sees them ("a, b") plus the facts.
    pub fn char_count(&self) -> usize {
        char_count(&self.hobbies.join(", "), &self.facts)
    }
}

/// The same count as [`Story::char_count`], for the live counter under the form.
pub fn char_count(hobbies: &str, facts: &str) -> usize {
    hobbies.trim().chars().count() + facts.trim().chars().count()
}

/// Splits the hobbies field: commas, semicolons and new lines separate hobbies.
pub fn split_hobbies(text: &str) -> Vec<String> {
    text.split([',', ';', '\n']).map(clean_line).filter(|h| !h.is_empty()).collect()
}

fn clean_line(text: &str) -> String {
    text.split_whitespace()
        .map(|word| word.chars().filter(|c| !c.is_control()).collect::<String>())
        .filter(|word| !word.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

/// Keeps line breaks (facts are often a short list) but no other control
/// characters, and no runs of blank lines.
fn clean_text(text: &str) -> String {
    text.lines()
        .map(clean_line)
        .collect::<Vec<_>>()
        .join("\n")
        .split("\n\n\n")
        .collect::<Vec<_>>()
        .join("\n\n")
        .trim()
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_hobbies_and_facts_and_cleans_them() {
        let story =
            Story::from_form(" sailing ,  jazz\tpiano,,Sailing ", "  Retired teacher.\r\n Loves  dogs. ")
                .expect("valid story");
        assert_eq!(story.hobbies, vec!["sailing", "jazz piano"]);
        assert_eq!(story.facts, "Retired teacher.\nLoves dogs.");
    }

    #[test]
    fn needs_at_least_one_hobby() {
        assert_eq!(Story::from_form(" , ;", "facts only"), Err(StoryError::NoHobby));
        assert_eq!(Story::from_form("", ""), Err(StoryError::NoHobby));
        assert_eq!(StoryError::NoHobby.field(), StoryField::Hobbies);
    }

    #[test]
    fn six_hundred_characters_is_the_limit() {
        let at_limit = "x".repeat(STORY_MAX_CHARS - "golf".len());
        assert!(Story::from_form("golf", &at_limit).is_ok());
        let over = format!("{at_limit}y");
        let err = Story::from_form("golf", &over).unwrap_err();
        assert_eq!(err, StoryError::TooLong(601));
        assert_eq!(err.field(), StoryField::Facts);
        assert_eq!(err.to_string(), "Your story is 601 characters; please keep it to 600.");
    }

    #[test]
    fn counts_characters_not_bytes() {
        let facts = "é".repeat(STORY_MAX_CHARS - 4);
        assert!(Story::from_form("golf", &facts).is_ok());
    }

    #[test]
    fn limits_hobby_count_and_length() {
        let nine = (1..=9).map(|i| format!("hobby {i}")).collect::<Vec<_>>().join(",");
        assert_eq!(Story::from_form(&nine, ""), Err(StoryError::TooManyHobbies));
        let long = "a".repeat(HOBBY_MAX_CHARS + 1);
        assert!(matches!(Story::from_form(&long, ""), Err(StoryError::HobbyTooLong(_))));
    }

    #[test]
    fn drops_control_characters() {
        let story = Story::from_form("chess\u{0007}", "a\u{0000}b").unwrap();
        assert_eq!(story.hobbies, vec!["chess"]);
        assert_eq!(story.facts, "ab");
    }
}
