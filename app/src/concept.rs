//! Concepts as the pages see them: four designs per batch, each pending
//! until its picture is drawn.

use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum ConceptStatus {
    Pending,
    Ready,
    Failed,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Concept {
    pub index: u32,
    pub title: String,
    pub status: ConceptStatus,
    /// Where the picture is, once ready.
    pub image_url: Option<String>,
    /// Why it failed, for the customer.
    pub error: Option<String>,
    /// The picture on it: the name of an icon of Phosphor's set (`bird`,
    /// `piano-keys`) for the embedded emblems, or what the design shows.
    #[serde(default)]
    pub motif: String,
    /// The words on it, as written on the design (empty: none).
    #[serde(default)]
    pub words: String,
}

/// How many concepts a batch holds.
pub const PER_BATCH: usize = 4;
/// The most concepts a creation gets ("Explore more" stops there).
pub const MAX_CONCEPTS: usize = 40;

/// The `data` of a `concept` or `concept_failed` event.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ConceptEvent {
    pub index: u32,
    pub title: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image_url: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// The picture on it (see [`Concept::motif`]).
    #[serde(default)]
    pub motif: String,
    /// The words on it (empty: none).
    #[serde(default)]
    pub words: String,
}

/// What a concept stream has delivered: one mark per concept index, `r`
/// (ready), `f` (failed) or `-` (not yet). Sent as each event's id, so a
/// reconnecting browser (Last-Event-ID) gets only what it has not seen, and
/// a retried concept is sent again when it turns out ready.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Delivered(Vec<u8>);

impl Delivered {
    pub fn parse(marks: &str) -> Delivered {
        Delivered(
            marks.bytes().take(MAX_CONCEPTS).map(|b| if b == b'r' || b == b'f' { b } else { b'-' }).collect(),
        )
    }

    /// Whether the concept has been delivered as it is now.
    pub fn has(&self, index: u32, status: ConceptStatus) -> bool {
        let mark = match status {
            ConceptStatus::Ready => b'r',
            ConceptStatus::Failed => b'f',
            ConceptStatus::Pending => return true,
        };
        self.0.get(index as usize) == Some(&mark)
    }

    pub fn mark(&mut self, index: u32, status: ConceptStatus) {
        let index = index as usize;
        if index >= MAX_CONCEPTS {
            return;
        }
        if self.0.len() <= index {
            self.0.resize(index + 1, b'-');
        }
        self.0[index] = if status == ConceptStatus::Ready { b'r' } else { b'f' };
    }

    pub fn as_str(&self) -> &str {
        std::str::from_utf8(&self.0).expect("only ASCII marks")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delivered_marks_round_trip_and_resend_a_retried_concept() {
        let mut seen = Delivered::default();
        seen.mark(2, ConceptStatus::Ready);
        seen.mark(0, ConceptStatus::Failed);
        assert_eq!(seen.as_str(), "f-r");
        let again = Delivered::parse(seen.as_str());
        assert!(again.has(2, ConceptStatus::Ready) && again.has(0, ConceptStatus::Failed));
        assert!(!again.has(1, ConceptStatus::Ready), "never sent");
        assert!(!again.has(0, ConceptStatus::Ready), "failed, then retried: sent again");
        assert_eq!(Delivered::parse("rx<b>1</b>").as_str(), "r---------", "junk reads as not delivered");
        assert_eq!(Delivered::parse(&"r".repeat(5000)).as_str().len(), MAX_CONCEPTS);
    }
}

/// A creation with its concepts, for the gallery page.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Gallery {
    pub creation: crate::creation::Creation,
    pub concepts: Vec<Concept>,
    /// The chosen concept, once one is picked.
    pub selected: Option<u32>,
}

impl Gallery {
    /// What the page already shows, as the stream's `seen` marks.
    pub fn delivered(concepts: &[Concept]) -> Delivered {
        let mut delivered = Delivered::default();
        for concept in concepts.iter().filter(|c| c.status != ConceptStatus::Pending) {
            delivered.mark(concept.index, concept.status);
        }
        delivered
    }
}
