//! Concept pictures from real image services: any OpenAI-compatible images
//! API (`POST {base}/images/generations`, `response_format: b64_json`) or
//! Cloudflare Workers AI (`POST {base}/accounts/{account}/ai/run/{model}`,
//! flux-1-schnell answers `{"result": {"image": base64}}`).
//!
//! Every call has a timeout; failures a retry can cure (timeouts, network
//! errors, 429 and 5xx answers) are retried with backoff, a bounded number of
//! times; at most `concurrency` calls run at once. An answer is accepted only
//! if it decodes to a PNG or JPEG picture.

use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde_json::{Value, json};
use tokio::sync::Semaphore;

use super::{Brief, ImageMaker};

/// Which service, and how to reach it.
#[derive(Clone, Debug)]
pub enum ImageService {
    /// `base` ends before `/images/generations`, e.g. `https://api.openai.com/v1`.
    OpenAi { base: String, model: String, key: String },
    /// `base` ends before `/accounts/…`, e.g. `https://api.cloudflare.com/client/v4`.
    Cloudflare { base: String, account: String, model: String, token: String },
}

#[derive(Debug)]
pub struct RemoteImages {
    service: ImageService,
    client: reqwest::Client,
    timeout: Duration,
    attempts: u32,
    backoff: Duration,
    permits: Semaphore,
}

#[derive(thiserror::Error, Debug)]
enum CallError {
    #[error("the image service did not answer within {0} s")]
    Timeout(u64),
    #[error("the image service could not be reached: {0}")]
    Network(String),
    #[error("the image service said {status}: {message}")]
    Status { status: u16, message: String },
    #[error("the image service's answer was not a picture: {0}")]
    BadAnswer(String),
}

impl CallError {
    fn retryable(&self) -> bool {
        match self {
            CallError::Timeout(_) | CallError::Network(_) => true,
            CallError::Status { status, .. } => *status == 429 || *status >= 500,
            CallError::BadAnswer(_) => false,
        }
    }
}

impl RemoteImages {
    pub fn new(service: ImageService, timeout: Duration, concurrency: usize) -> RemoteImages {
        RemoteImages {
            service,
            client: reqwest::Client::new(),
            timeout,
            attempts: 3,
            backoff: Duration::from_millis(500),
            permits: Semaphore::new(concurrency.max(1)),
        }
    }

    /// Sets how many calls a drawing may take and the first wait between them
    /// (doubling after each).
    pub fn with_retries(mut self, attempts: u32, backoff: Duration) -> RemoteImages {
        self.attempts = attempts.max(1);
        self.backoff = backoff;
        self
    }

    async fn call(&self, prompt: &str) -> Result<Vec<u8>, CallError> {
        let request = match &self.service {
            ImageService::OpenAi { base, model, key } => self
                .client
                .post(format!("{}/images/generations", base.trim_end_matches('/')))
                .bearer_auth(key)
                .json(&json!({
                    "model": model, "prompt": prompt, "n": 1, "size": "1024x1024", "response_format": "b64_json",
                })),
            ImageService::Cloudflare { base, account, model, token } => self
                .client
                .post(format!("{}/accounts/{account}/ai/run/{model}", base.trim_end_matches('/')))
                .bearer_auth(token)
                .json(&json!({ "prompt": prompt, "steps": 4 })),
        };
        let response = request.timeout(self.timeout).send().await.map_err(|e| self.transport(e))?;
        let status = response.status();
        let body = response.bytes().await.map_err(|e| self.transport(e))?;
        if !status.is_success() {
            return Err(CallError::Status { status: status.as_u16(), message: service_message(&body) });
        }
        let answer: Value =
            serde_json::from_slice(&body).map_err(|e| CallError::BadAnswer(format!("not JSON ({e})")))?;
        let encoded = match &self.service {
            ImageService::OpenAi { .. } => answer.pointer("/data/0/b64_json"),
            ImageService::Cloudflare { .. } => answer.pointer("/result/image"),
        }
        .and_then(Value::as_str)
        .ok_or_else(|| CallError::BadAnswer("no image in the answer".into()))?;
        let bytes =
            STANDARD.decode(encoded.trim()).map_err(|e| CallError::BadAnswer(format!("bad base64 ({e})")))?;
        if !(bytes.starts_with(b"\x89PNG\r\n\x1a\n") || bytes.starts_with(&[0xFF, 0xD8, 0xFF])) {
            return Err(CallError::BadAnswer("neither PNG nor JPEG".into()));
        }
        Ok(bytes)
    }

    fn transport(&self, error: reqwest::Error) -> CallError {
        if error.is_timeout() {
            CallError::Timeout(self.timeout.as_secs().max(1))
        } else {
            CallError::Network(error.without_url().to_string())
        }
    }
}

/// The service's own words from an error body (OpenAI: `error.message`;
/// Cloudflare: `errors[0].message`), else the start of the body.
fn service_message(body: &[u8]) -> String {
    let parsed: Option<Value> = serde_json::from_slice(body).ok();
    let said = parsed.as_ref().and_then(|v| {
        v.pointer("/error/message").or_else(|| v.pointer("/errors/0/message")).and_then(Value::as_str)
    });
    let text = said.map(str::to_string).unwrap_or_else(|| String::from_utf8_lossy(body).into_owned());
    text.chars().take(200).collect()
}

#[async_trait::async_trait]
impl ImageMaker for RemoteImages {
    async fn draw(&self, brief: &Brief) -> Result<Vec<u8>, String> {
        let _permit = self.permits.acquire().await.map_err(|e| e.to_string())?;
        let mut wait = self.backoff;
        for attempt in 1..=self.attempts {
            match self.call(&brief.prompt).await {
                Ok(bytes) => return Ok(bytes),
                Err(error) if error.retryable() && attempt < self.attempts => {
                    tracing::warn!(%error, attempt, "image service failed; trying again");
                    tokio::time::sleep(wait).await;
                    wait *= 2;
                }
                Err(error) => return Err(error.to_string()),
            }
        }
        unreachable!("the last attempt returns")
    }
}
