//! Concepts: four designs drawn from a customer's story, one of which
//! becomes the keepsake.
//!
//! A *brief* says what one concept shows (written by the prompt writer); an
//! image maker turns a brief into a picture. Both are providers: an embedded
//! default that works offline (here) and real services chosen in config.

pub mod brief;
pub mod drawing;
pub mod emblem;
pub mod icons;
pub mod remote;
pub mod service;
pub mod store;
pub mod words;
pub mod writer;

use std::sync::Arc;

pub use app::concept::{MAX_CONCEPTS, PER_BATCH};
pub use brief::{Brief, Frame, compose_briefs};
pub use writer::PromptWriter;

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
/// environment only; [`Config`](crate::platform::config::Config) checks they are there).
pub fn image_maker(config: &crate::platform::config::Config) -> Arc<dyn ImageMaker> {
    let endpoint = service::Endpoint::configured(
        config.image_provider,
        (&config.image_api_url, &config.image_model),
        crate::platform::config::IMAGE_API_KEY,
        ("gpt-image-1", "@cf/black-forest-labs/flux-1-schnell"),
        &config.cloudflare_account_id,
    );
    let Some(endpoint) = endpoint else { return Arc::new(Emblems) };
    let timeout = std::time::Duration::from_secs(config.image_timeout_s);
    Arc::new(remote::RemoteImages::new(endpoint, service::Service::new(timeout, config.image_concurrency)))
}

/// The prompt writer the configuration chooses.
pub fn prompt_writer(config: &crate::platform::config::Config) -> Arc<dyn PromptWriter> {
    let endpoint = service::Endpoint::configured(
        config.prompt_provider,
        (&config.prompt_api_url, &config.prompt_model),
        crate::platform::config::PROMPT_API_KEY,
        ("gpt-4o-mini", "@cf/meta/llama-3.1-8b-instruct"),
        &config.cloudflare_account_id,
    );
    let Some(endpoint) = endpoint else { return Arc::new(writer::Composer) };
    let timeout = std::time::Duration::from_secs(config.prompt_timeout_s);
    Arc::new(writer::ChatWriter::new(endpoint, service::Service::new(timeout, 4)))
}
