//! A cap on every request's body, chosen by its route, before a handler
//! reads it.
//!
//! Uploads (a model file with its form, a worker's finished model, a staff
//! member's sliced file) may be as large as `MEMOREEZ_MAX_MODEL_MB` plus a
//! little for the form's fields; their readers then hold the file itself to
//! that size as it streams. Every other body is a form or a JSON document of
//! a few kilobytes. Leptos' server functions read their whole body into
//! memory with no limit of their own, and axum's default 2 MB applies only to
//! its extractors, so without this a single request could fill the memory.
//!
//! A declared `Content-Length` over the cap is answered `413` at once, in the
//! caller's terms; a body sent without one is cut off at the cap, so its
//! reader fails instead of holding more.

use axum::body::Body;
use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::Response;
use http::StatusCode;
use http::header::CONTENT_LENGTH;
use leptos::server_fn::ServerFn;

use crate::state::AppState;

/// Forms and JSON documents: a story, a studio's settings, a staff step.
pub const FORM_BYTES: u64 = 64 * 1024;
/// Room for an upload form's fields beside its file.
const FIELDS_BYTES: u64 = 1024 * 1024;
/// A Stripe event (its documents are at most a few hundred kilobytes).
const WEBHOOK_BYTES: u64 = 1024 * 1024;

/// The server functions that take a multipart upload (a model or a sliced file).
pub const UPLOAD_FNS: [&str; 4] = [
    app::server_fns::shop::StartQuote::PATH,
    app::server_fns::creations::UploadModel::PATH,
    app::server_fns::lab::SubmitLabJob::PATH,
    app::server_fns::staff::StaffUploadSliced::PATH,
];

/// The most a request to `path` may send.
pub fn cap(path: &str, max_model_mb: u64) -> u64 {
    let upload = max_model_mb.saturating_mul(1024 * 1024).saturating_add(FIELDS_BYTES);
    if UPLOAD_FNS.contains(&path) {
        return upload;
    }
    let segments: Vec<&str> = path.trim_end_matches('/').split('/').skip(1).collect();
    match segments.as_slice() {
        ["api", "quotes"]
        | ["api", "creations", "upload"]
        | ["api", "lab", "submissions"]
        | ["api", "worker", "jobs", _, "result"] => upload,
        ["api", "payments", "stripe", "webhook"] => WEBHOOK_BYTES,
        _ => FORM_BYTES,
    }
}

pub async fn middleware(State(state): State<AppState>, request: Request, next: Next) -> Response {
    // No route reads the body of a read: nothing to cap, nothing to wrap.
    if matches!(*request.method(), http::Method::GET | http::Method::HEAD) {
        return next.run(request).await;
    }
    let cap = cap(request.uri().path(), state.config.max_model_mb);
    let declared = request
        .headers()
        .get(CONTENT_LENGTH)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.parse::<u64>().ok());
    let (parts, body) = request.into_parts();
    if declared.is_some_and(|length| length > cap) {
        tracing::info!(path = parts.uri.path(), declared, cap, "request body over its cap");
        let error = app::error::AppError::Invalid { field: "form".into(), message: too_large(cap) };
        return crate::http::middleware::refusals::refusal(&parts, StatusCode::PAYLOAD_TOO_LARGE, &error);
    }
    let body = Body::new(http_body_util::Limited::new(body, usize::try_from(cap).unwrap_or(usize::MAX)));
    next.run(Request::from_parts(parts, body)).await
}

/// "That is more than we take in one request (at most 64 KB)."
fn too_large(cap: u64) -> String {
    let size = match cap {
        0..1_048_576 => format!("{} KB", cap / 1024),
        _ => format!("{} MB", cap / 1_048_576),
    };
    format!("That is more than we take in one request (at most {size}).")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uploads_may_be_a_model_and_everything_else_a_form() {
        let upload = 10 * 1024 * 1024 + FIELDS_BYTES;
        for path in
            ["/api/quotes", "/api/creations/upload", "/api/lab/submissions", "/api/worker/jobs/j1/result"]
        {
            assert_eq!(cap(path, 10), upload, "{path}");
        }
        assert_eq!(cap(app::server_fns::lab::SubmitLabJob::PATH, 10), upload);
        assert_eq!(cap(app::server_fns::staff::StaffUploadSliced::PATH, 10), upload);
        assert_eq!(cap("/api/payments/stripe/webhook", 10), WEBHOOK_BYTES);
        for path in [
            "/api/creations",
            "/api/orders",
            app::server_fns::creations::CreateCreation::PATH,
            "/api/worker/claim",
            "/",
        ] {
            assert_eq!(cap(path, 10), FORM_BYTES, "{path}");
        }
        assert_eq!(cap("/api/quotes", u64::MAX), u64::MAX, "no overflow");
    }

    #[test]
    fn the_cap_reads_as_people_write_sizes() {
        assert_eq!(too_large(FORM_BYTES), "That is more than we take in one request (at most 64 KB).");
        assert_eq!(too_large(257 * 1_048_576), "That is more than we take in one request (at most 257 MB).");
    }
}
