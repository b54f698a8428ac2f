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
pub mod service;
pub mod store;
pub mod writer;

use std::sync::Arc;

pub use app::concept::{MAX_CONCEPTS, PER_BATCH};
pub use brief::{Brief, Frame, compose_briefs};
pub use motifs::Motif;
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
/// environment only; [`Config`](crate::config::Config) checks they are there).
pub fn image_maker(config: &crate::config::Config) -> Arc<dyn ImageMaker> {
    use crate::config::Provider;
    use remote::{ImageService, RemoteImages};
    let secret = |name: &str| std::env::var(name).unwrap_or_default();
    let or =
        |value: &str, default: &str| if value.is_empty() { default.to_string() } else { value.to_string() };
    let service = match config.image_provider {
        Provider::Embedded => return Arc::new(Emblems),
        Provider::Openai => ImageService::OpenAi {
            base: or(&config.image_api_url, "https://api.openai.com/v1"),
            model: or(&config.image_model, "gpt-image-1"),
            key: secret(crate::config::IMAGE_API_KEY),
        },
        Provider::Cloudflare => ImageService::Cloudflare {
            base: or(&config.image_api_url, "https://api.cloudflare.com/client/v4"),
            account: config.cloudflare_account_id.clone(),
            model: or(&config.image_model, "@cf/black-forest-labs/flux-1-schnell"),
            token: secret(crate::config::CLOUDFLARE_API_TOKEN),
        },
    };
    let timeout = std::time::Duration::from_secs(config.image_timeout_s);
    Arc::new(RemoteImages::new(service, service::Service::new(timeout, config.image_concurrency)))
}

/// The prompt writer the configuration chooses.
pub fn prompt_writer(config: &crate::config::Config) -> Arc<dyn PromptWriter> {
    use crate::config::Provider;
    use writer::{ChatService, ChatWriter, Composer};
    let secret = |name: &str| std::env::var(name).unwrap_or_default();
    let or =
        |value: &str, default: &str| if value.is_empty() { default.to_string() } else { value.to_string() };
    let service = match config.prompt_provider {
        Provider::Embedded => return Arc::new(Composer),
        Provider::Openai => ChatService::OpenAi {
            base: or(&config.prompt_api_url, "https://api.openai.com/v1"),
            model: or(&config.prompt_model, "gpt-4o-mini"),
            key: secret(crate::config::PROMPT_API_KEY),
        },
        Provider::Cloudflare => ChatService::Cloudflare {
            base: or(&config.prompt_api_url, "https://api.cloudflare.com/client/v4"),
            account: config.cloudflare_account_id.clone(),
            model: or(&config.prompt_model, "@cf/meta/llama-3.1-8b-instruct"),
            token: secret(crate::config::CLOUDFLARE_API_TOKEN),
        },
    };
    let timeout = std::time::Duration::from_secs(config.prompt_timeout_s);
    Arc::new(ChatWriter::new(service, service::Service::new(timeout, 4)))
}
