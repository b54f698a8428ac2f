//! Concepts: four designs drawn from a customer's story, one of which
//! becomes the keepsake.
//!
//! A *brief* says what one concept shows (written by the prompt writer); an
//! image maker turns a brief into a picture. Both are providers: an embedded
//! default that works offline (here) and real services chosen in config.

pub mod brief;
pub mod emblem;
mod motifs;

pub use brief::{Brief, Frame, compose_briefs};
pub use motifs::Motif;

/// How many concepts a batch holds ("Explore more" adds another batch).
pub const PER_BATCH: usize = 4;
