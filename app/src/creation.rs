//! A `Creation`: one customer's story on its way to becoming a keepsake.

use serde::{Deserialize, Serialize};

use crate::error::AppError;
use crate::story::Story;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Creation {
    pub id: String,
    pub story: Story,
    /// UTC, milliseconds since the Unix epoch.
    pub created_at_ms: i64,
    #[serde(default)]
    pub kind: CreationKind,
}

impl Creation {
    /// Whether designs are drawn for it: not for the customer's own model.
    pub fn has_designs(&self) -> bool {
        self.kind != CreationKind::Upload
    }
}

/// What a creation started from.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum CreationKind {
    /// A person's hobbies and facts.
    #[default]
    Story,
    /// A description of an object ("a sailboat with red sails"): its short
    /// name is the story's one hobby and the description its facts.
    Object,
    /// The customer's own model file: its name is the story's one hobby.
    Upload,
}

impl CreationKind {
    pub fn name(self) -> &'static str {
        match self {
            CreationKind::Story => "story",
            CreationKind::Object => "object",
            CreationKind::Upload => "upload",
        }
    }

    /// The kind stored as `name`; anything unknown is a story.
    pub fn from_name(name: &str) -> CreationKind {
        match name {
            "object" => CreationKind::Object,
            "upload" => CreationKind::Upload,
            _ => CreationKind::Story,
        }
    }
}

/// A new creation and the page it goes on at.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Started {
    pub id: String,
    /// `/create/{id}/concepts` (designs to pick from) or `/create/{id}/model`
    /// (straight to the model: a text → 3D service or an upload).
    pub next_url: String,
    /// The job making the model, when it goes straight to one.
    pub model_job: Option<String>,
}

impl Started {
    pub fn designs(id: String) -> Started {
        Started { next_url: format!("/create/{id}/concepts"), id, model_job: None }
    }

    pub fn model(id: String, job_id: String) -> Started {
        Started { next_url: format!("/create/{id}/model"), id, model_job: Some(job_id) }
    }
}

/// Limits on an object's description, characters.
pub const OBJECT_CHARS: (usize, usize) = (3, 300);

/// The story an object's description stands for, or why it cannot be one.
pub fn story_for_object(description: &str) -> Result<Story, AppError> {
    let description = description.split_whitespace().collect::<Vec<_>>().join(" ");
    let (min, max) = OBJECT_CHARS;
    let count = description.chars().count();
    let refuse = |message: String| Err(AppError::Invalid { field: "object".into(), message });
    if count < min {
        return refuse("Describe the object in a few words.".into());
    }
    if count > max {
        return refuse(format!("Keep the description to {max} characters (it is {count})."));
    }
    // Its name: the first words, up to a hobby's length.
    let mut name = String::new();
    for word in description.split(' ') {
        let next = if name.is_empty() { word.to_string() } else { format!("{name} {word}") };
        if next.chars().count() > crate::story::HOBBY_MAX_CHARS {
            break;
        }
        name = next;
    }
    if name.is_empty() {
        name = description.chars().take(crate::story::HOBBY_MAX_CHARS).collect();
    }
    Story::new(vec![name], &description).or_else(|error| refuse(error.to_string()))
}

/// One of the visitor's creations, for "My models".
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MyCreation {
    pub id: String,
    pub hobbies: Vec<String>,
    /// The model's picture once made, else the first ready design's.
    pub picture_url: Option<String>,
    /// Where to go on: the model page once a design is picked, else the designs.
    pub link: String,
    /// Where it stands, in words: "Model ready", "Model being made", "Choosing a design".
    pub stage: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_object_description_becomes_a_story_with_its_name() {
        let story =
            story_for_object("  a   sailboat with red sails, a tall mast and a little flag on top ").unwrap();
        assert_eq!(story.hobbies, ["a sailboat with red sails, a tall mast"]);
        assert_eq!(story.facts, "a sailboat with red sails, a tall mast and a little flag on top");
        let too_short = story_for_object(" x ").unwrap_err();
        assert_eq!(
            too_short,
            AppError::Invalid {
                field: "object".into(),
                message: "Describe the object in a few words.".into()
            }
        );
        let long = "word ".repeat(70);
        assert!(
            matches!(story_for_object(&long), Err(AppError::Invalid { message, .. }) if message.contains("300 characters (it is 349)"))
        );
        let one_long_word = "x".repeat(60);
        assert_eq!(story_for_object(&one_long_word).unwrap().hobbies[0].len(), 40);
    }
}
