//! Log lines, and the request id that ties a request's lines together.
//!
//! Every request gets an `X-Request-Id` (a proxy's own is kept), echoed in
//! the response and recorded on the request's span, so a customer's report
//! ("it failed at 14:02, id 3f9a…") leads to its lines. Spans name the path
//! only: queries carry the tokens of students' and customers' links.

use axum::extract::Request;
use tower_http::request_id::{MakeRequestId, RequestId};
use tracing::Span;

use crate::platform::config::{Config, LogFormat};

/// Starts logging as configured (`MEMOREEZ_LOG`, `MEMOREEZ_LOG_FORMAT`).
pub fn init(config: &Config) {
    let filter = tracing_subscriber::EnvFilter::new(&config.log);
    let logs = tracing_subscriber::fmt().with_env_filter(filter).with_target(false);
    match config.log_format {
        LogFormat::Text => logs.init(),
        // One object per line, the span's fields (request_id, method, path) with each event.
        LogFormat::Json => logs.json().with_current_span(true).with_span_list(false).init(),
    }
}

/// Sixteen random hex digits per request.
#[derive(Clone, Copy, Debug, Default)]
pub struct RequestIds;

impl MakeRequestId for RequestIds {
    fn make_request_id<B>(&mut self, _request: &http::Request<B>) -> Option<RequestId> {
        let id = format!("{:016x}", rand::random::<u64>());
        http::HeaderValue::from_str(&id).ok().map(RequestId::new)
    }
}

/// The request's span: its method, path and id (never its query).
pub fn span(request: &Request) -> Span {
    let id = request.headers().get("x-request-id").and_then(|value| value.to_str().ok()).unwrap_or_default();
    tracing::info_span!("request", method = %request.method(), path = request.uri().path(), request_id = id)
}
