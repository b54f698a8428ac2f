//! Concept pictures from real image services: any OpenAI-compatible images
//! API (`POST {base}/images/generations`, `response_format: b64_json`) or
//! Cloudflare Workers AI (`POST {base}/accounts/{account}/ai/run/{model}`,
//! flux-1-schnell answers `{"result": {"image": base64}}`). Calls go through
//! [`Service`] (timeout, retries, a cap on calls at once); an answer is
//! accepted only if it is a PNG or JPEG picture within the size limits.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde_json::{Value, json};

use super::service::{Endpoint, Service};
use super::{Brief, ImageMaker};

#[derive(Debug)]
pub struct RemoteImages {
    endpoint: Endpoint,
    calls: Service,
}

impl RemoteImages {
    pub fn new(endpoint: Endpoint, calls: Service) -> RemoteImages {
        RemoteImages { endpoint, calls }
    }
}

#[async_trait::async_trait]
impl ImageMaker for RemoteImages {
    async fn draw(&self, brief: &Brief) -> Result<Vec<u8>, String> {
        let prompt = &brief.prompt;
        let body = match &self.endpoint {
            Endpoint::OpenAi { model, .. } => json!({
                "model": model, "prompt": prompt, "n": 1, "size": "1024x1024", "response_format": "b64_json",
            }),
            Endpoint::Cloudflare { .. } => json!({ "prompt": prompt, "steps": 4 }),
        };
        let url = self.endpoint.url("images/generations");
        let answer = self.calls.post_json(&url, self.endpoint.token(), &body).await;
        let answer = answer.map_err(|e| format!("the image service {e}"))?;
        let encoded = match &self.endpoint {
            Endpoint::OpenAi { .. } => answer.pointer("/data/0/b64_json"),
            Endpoint::Cloudflare { .. } => answer.pointer("/result/image"),
        }
        .and_then(Value::as_str)
        .ok_or("the image service's answer had no image in it")?;
        let bytes = STANDARD
            .decode(encoded.trim())
            .map_err(|e| format!("the image service's answer was not a picture: bad base64 ({e})"))?;
        if !(bytes.starts_with(b"\x89PNG\r\n\x1a\n") || bytes.starts_with(&[0xFF, 0xD8, 0xFF])) {
            return Err("the image service's answer was not a picture: neither PNG nor JPEG".into());
        }
        // Pages show it and the relief decodes it: its size is checked from
        // the header now, so a decompression bomb is never stored.
        geometry::picture::dimensions(&bytes)
            .map_err(|e| format!("the image service's answer was refused: {e}"))?;
        Ok(bytes)
    }
}
