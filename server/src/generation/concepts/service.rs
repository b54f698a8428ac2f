//! Calling a JSON web service the way every provider client should: a
//! timeout per call, bounded retries with doubling waits for failures a
//! retry can cure (timeouts, network errors, 429 and 5xx answers), and a cap
//! on calls at once.

use std::time::Duration;

use serde_json::Value;
use tokio::sync::Semaphore;

/// Where an AI service is, and who we are to it.
#[derive(Clone, Debug)]
pub enum Endpoint {
    /// Any OpenAI-compatible API (OpenAI, Ollama, vLLM, LocalAI); `base`
    /// ends before the operation's path, e.g. `https://api.openai.com/v1`.
    OpenAi { base: String, model: String, key: String },
    /// Cloudflare Workers AI; `base` ends before `/accounts/…`, e.g.
    /// `https://api.cloudflare.com/client/v4`.
    Cloudflare { base: String, account: String, model: String, token: String },
}

impl Endpoint {
    /// Where to POST: OpenAI's `openai_path` (`images/generations`), or
    /// Cloudflare's run of the model.
    pub fn url(&self, openai_path: &str) -> String {
        match self {
            Endpoint::OpenAi { base, .. } => format!("{}/{openai_path}", base.trim_end_matches('/')),
            Endpoint::Cloudflare { base, account, model, .. } => {
                format!("{}/accounts/{account}/ai/run/{model}", base.trim_end_matches('/'))
            }
        }
    }

    pub fn token(&self) -> &str {
        match self {
            Endpoint::OpenAi { key, .. } => key,
            Endpoint::Cloudflare { token, .. } => token,
        }
    }

    /// The endpoint a configured provider names (`None`: the embedded one).
    /// Secrets come from the environment variable `key_env` (OpenAI) or
    /// `MEMOREEZ_CLOUDFLARE_API_TOKEN`; empty settings take the public URLs
    /// and the default models `(openai, cloudflare)`.
    pub fn configured(
        provider: crate::platform::config::Provider,
        (url, model): (&str, &str),
        key_env: &str,
        (openai_model, cloudflare_model): (&str, &str),
        account: &str,
    ) -> Option<Endpoint> {
        let secret = |name: &str| std::env::var(name).unwrap_or_default();
        let or = |value: &str, default: &str| {
            if value.is_empty() { default.to_string() } else { value.to_string() }
        };
        match provider {
            crate::platform::config::Provider::Embedded => None,
            crate::platform::config::Provider::Openai => Some(Endpoint::OpenAi {
                base: or(url, "https://api.openai.com/v1"),
                model: or(model, openai_model),
                key: secret(key_env),
            }),
            crate::platform::config::Provider::Cloudflare => Some(Endpoint::Cloudflare {
                base: or(url, "https://api.cloudflare.com/client/v4"),
                account: account.to_string(),
                model: or(model, cloudflare_model),
                token: secret(crate::platform::config::CLOUDFLARE_API_TOKEN),
            }),
        }
    }
}

#[derive(Debug)]
pub struct Service {
    client: reqwest::Client,
    timeout: Duration,
    attempts: u32,
    backoff: Duration,
    permits: Semaphore,
    /// The most an answer's body may hold; read past it, a call fails.
    max_body: u64,
}

/// A picture or a JSON answer is far below this; model downloads set their own.
const DEFAULT_MAX_BODY: u64 = 64 << 20;

/// Why a call failed, worded to follow the service's name: "the image
/// service did not answer within 60 s".
#[derive(thiserror::Error, Debug)]
pub enum CallError {
    #[error("did not answer within {0} s")]
    Timeout(u64),
    #[error("could not be reached: {0}")]
    Network(String),
    #[error("said {status}: {message}")]
    Status { status: u16, message: String },
    #[error("gave an answer that is not JSON ({0})")]
    NotJson(String),
    #[error("sent an answer larger than {}, the limit", in_units(*.0))]
    TooLarge(u64),
}

/// A byte count in MB, or KB below one MB.
fn in_units(bytes: u64) -> String {
    if bytes >= 1 << 20 { format!("{} MB", bytes >> 20) } else { format!("{} KB", bytes >> 10) }
}

impl CallError {
    /// Whether another call may succeed (timeouts, network errors, 429, 5xx).
    pub fn retryable(&self) -> bool {
        match self {
            CallError::Timeout(_) | CallError::Network(_) => true,
            CallError::Status { status, .. } => *status == 429 || *status >= 500,
            CallError::NotJson(_) | CallError::TooLarge(_) => false,
        }
    }
}

impl Service {
    pub fn new(timeout: Duration, concurrency: usize) -> Service {
        Service {
            client: reqwest::Client::new(),
            timeout,
            attempts: 3,
            backoff: Duration::from_millis(500),
            permits: Semaphore::new(concurrency.max(1)),
            max_body: DEFAULT_MAX_BODY,
        }
    }

    /// The most an answer may hold (a model download: the model file cap).
    pub fn with_max_body(mut self, bytes: u64) -> Service {
        self.max_body = bytes;
        self
    }

    /// How many calls a request may take, and the first wait between them.
    pub fn with_retries(mut self, attempts: u32, backoff: Duration) -> Service {
        self.attempts = attempts.max(1);
        self.backoff = backoff;
        self
    }

    /// POSTs `body` as JSON with a bearer `token`; the answer's JSON.
    pub async fn post_json(&self, url: &str, token: &str, body: &Value) -> Result<Value, CallError> {
        let bytes = self.post(url, token, body).await?;
        serde_json::from_slice(&bytes).map_err(|e| CallError::NotJson(e.to_string()))
    }

    /// POSTs `body` as JSON (with a bearer `token` unless it is empty); the
    /// answer's bytes, whatever they are (a model file, say).
    pub async fn post(&self, url: &str, token: &str, body: &Value) -> Result<bytes::Bytes, CallError> {
        self.call(url, token, Some(body)).await
    }

    /// GETs `url`'s bytes (with a bearer `token` unless it is empty).
    pub async fn get(&self, url: &str, token: &str) -> Result<bytes::Bytes, CallError> {
        self.call(url, token, None).await
    }

    /// GETs `url`'s JSON.
    pub async fn get_json(&self, url: &str, token: &str) -> Result<Value, CallError> {
        let bytes = self.get(url, token).await?;
        serde_json::from_slice(&bytes).map_err(|e| CallError::NotJson(e.to_string()))
    }

    async fn call(&self, url: &str, token: &str, body: Option<&Value>) -> Result<bytes::Bytes, CallError> {
        let _permit = self.permits.acquire().await.expect("the semaphore is never closed");
        let mut wait = self.backoff;
        let mut attempt = 1;
        loop {
            match self.once(url, token, body).await {
                Err(error) if error.retryable() && attempt < self.attempts => {
                    tracing::warn!(%error, attempt, url, "a service call failed; trying again");
                    tokio::time::sleep(wait).await;
                    wait *= 2;
                    attempt += 1;
                }
                outcome => return outcome,
            }
        }
    }

    async fn once(&self, url: &str, token: &str, body: Option<&Value>) -> Result<bytes::Bytes, CallError> {
        let mut request = match body {
            Some(body) => self.client.post(url).json(body),
            None => self.client.get(url),
        }
        .timeout(self.timeout);
        if !token.is_empty() {
            request = request.bearer_auth(token);
        }
        let mut response = request.send().await.map_err(|e| self.transport(e))?;
        let status = response.status();
        // Read with a cap: a declared length past it is refused unread, and
        // a body that goes on is cut off where it passes the cap.
        if response.content_length().is_some_and(|length| length > self.max_body) {
            return Err(CallError::TooLarge(self.max_body));
        }
        let mut body = bytes::BytesMut::new();
        while let Some(chunk) = response.chunk().await.map_err(|e| self.transport(e))? {
            if body.len() as u64 + chunk.len() as u64 > self.max_body {
                return Err(CallError::TooLarge(self.max_body));
            }
            body.extend_from_slice(&chunk);
        }
        let bytes = body.freeze();
        if !status.is_success() {
            return Err(CallError::Status { status: status.as_u16(), message: service_message(&bytes) });
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
