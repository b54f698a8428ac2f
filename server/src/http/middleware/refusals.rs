//! Refusals decided before a handler runs (over a limit, too large, busy),
//! shaped like the handler's own errors: a server function's JSON error,
//! a short page for a plain form, JSON for the API.

use axum::response::{IntoResponse, Response};
use http::{HeaderValue, StatusCode};

/// 429 with `Retry-After`, in the form the caller reads: a server function's
/// JSON error for the pages' scripts, a short page for a plain form, JSON for the API.
pub fn too_many_requests(request: &http::request::Parts, retry_after_s: i64) -> Response {
    let error = app::error::AppError::too_many_requests(retry_after_s.max(1) as u64);
    let mut response = refusal(request, StatusCode::TOO_MANY_REQUESTS, &error);
    if let Ok(value) = HeaderValue::from_str(&retry_after_s.max(1).to_string()) {
        response.headers_mut().insert(http::header::RETRY_AFTER, value);
    }
    response
}

/// 503 with `Retry-After`: the server is building as many models as it can.
pub fn busy(request: &http::request::Parts) -> Response {
    // The pages show a "wait" error's own words; the status says it is not the visitor's doing.
    let error = app::error::AppError::TooManyRequests {
        retry_after_s: 5,
        message: "Memoreez is busy building models right now. Please try again in a few seconds.".into(),
    };
    let mut response = refusal(request, StatusCode::SERVICE_UNAVAILABLE, &error);
    response.headers_mut().insert(http::header::RETRY_AFTER, HeaderValue::from_static("5"));
    response
}

/// A refusal decided before the handler ran (over a limit, too large),
/// shaped like the handler's own errors.
pub fn refusal(request: &http::request::Parts, status: StatusCode, error: &app::error::AppError) -> Response {
    let heading = match status {
        StatusCode::TOO_MANY_REQUESTS | StatusCode::SERVICE_UNAVAILABLE => "Please wait a moment",
        _ => "That is too much at once",
    };
    let wants_html = request
        .headers
        .get(http::header::ACCEPT)
        .and_then(|accept| accept.to_str().ok())
        .is_some_and(|accept| accept.contains("text/html"));
    if wants_html {
        let page = format!(
            "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Memoreez</title>\
             <link rel=\"stylesheet\" href=\"/pkg/memoreez.css\"></head><body><main class=\"page\">\
             <h1>{heading}</h1><p>{}</p><p><a href=\"/\">Back to Memoreez</a></p></main></body></html>",
            escape_html(&error.to_string())
        );
        return (status, axum::response::Html(page)).into_response();
    }
    let path = request.uri.path();
    let server_fn = leptos::server_fn::axum::server_fn_paths().any(|(registered, _)| registered == path);
    let body = if server_fn {
        // What the pages' server-function client decodes into the same error.
        serde_json::to_string(error).unwrap_or_default()
    } else {
        serde_json::json!({ "error": error.to_string() }).to_string()
    };
    (status, [(http::header::CONTENT_TYPE, "application/json")], body).into_response()
}

fn escape_html(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;")
}
