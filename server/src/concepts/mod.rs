//! Concepts: four designs drawn from a customer's story, one of which
//! becomes the keepsake.
//!
//! A *brief* says what one concept shows (written by the prompt writer); an
//! image maker turns a brief into a picture. Both are providers: an embedded
//! default that works offline (here) and real services chosen in config.

pub mod brief;
pub mod emblem;
mod motifs;
pub mod remote;
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

/// The image maker the configuration chooses (keys come from the
/// environment only; [`Config`](crate::config::Config) checks they are there).
pub fn image_maker(config: &crate::config::Config) -> Arc<dyn ImageMaker> {
    use crate::config::ImageProvider;
    use remote::{ImageService, RemoteImages};
    let secret = |name: &str| std::env::var(name).unwrap_or_default();
    let or =
        |value: &str, default: &str| if value.is_empty() { default.to_string() } else { value.to_string() };
    let service = match config.image_provider {
        ImageProvider::Embedded => return Arc::new(Emblems),
        ImageProvider::Openai => ImageService::OpenAi {
            base: or(&config.image_api_url, "https://api.openai.com/v1"),
            model: or(&config.image_model, "gpt-image-1"),
            key: secret(crate::config::IMAGE_API_KEY),
        },
        ImageProvider::Cloudflare => ImageService::Cloudflare {
            base: or(&config.image_api_url, "https://api.cloudflare.com/client/v4"),
            account: config.cloudflare_account_id.clone(),
            model: or(&config.image_model, "@cf/black-forest-labs/flux-1-schnell"),
            token: secret(crate::config::CLOUDFLARE_API_TOKEN),
        },
    };
    let timeout = std::time::Duration::from_secs(config.image_timeout_s);
    Arc::new(RemoteImages::new(service, timeout, config.image_concurrency))
}
