//! Concepts: four designs drawn from a customer's story, one of which
//! becomes the keepsake.
//!
//! A *brief* says what one concept shows (written by the prompt writer); an
//! image maker turns a brief into a picture. Both are providers: an embedded
//! default that works offline (here) and real services chosen in config.

pub mod brief;
pub mod emblem;
mod motifs;
pub mod store;

use std::sync::Arc;

pub use app::concept::{MAX_CONCEPTS, PER_BATCH};
pub use brief::{Brief, Frame, compose_briefs};
pub use motifs::Motif;

/// Draws a brief as a picture (PNG bytes). The embedded one works offline;
/// real image services implement it too.
#[async_trait::async_trait]
pub trait ImageMaker: Send + Sync + std::fmt::Debug {
    async fn draw(&self, brief: &Brief) -> Result<Vec<u8>, String>;
}

/// The embedded image maker: [`emblem::render`], off the async threads.
#[derive(Debug)]
pub struct Emblems;

#[async_trait::async_trait]
impl ImageMaker for Emblems {
    async fn draw(&self, brief: &Brief) -> Result<Vec<u8>, String> {
        let brief = brief.clone();
        tokio::task::spawn_blocking(move || emblem::render(&brief).map_err(|e| e.to_string()))
            .await
            .map_err(|e| format!("the drawing stopped: {e}"))?
    }
}

/// The image maker the configuration chooses.
pub fn image_maker() -> Arc<dyn ImageMaker> {
    Arc::new(Emblems)
}
