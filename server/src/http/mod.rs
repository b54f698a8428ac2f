//! The HTTP surface: one router that merges each room's `router()` (its JSON
//! API), the pages (server-rendered, then hydrated) and their server
//! functions, health and metrics, wrapped in the middleware every request
//! passes: sessions, limits, security headers, compression and tracing.

pub mod error;
pub mod generation;
pub mod guards;
pub mod health;
pub mod jobs;
pub mod lab;
pub mod metrics;
pub mod middleware;
pub mod model_form;
pub mod openapi;
pub mod pages;
pub mod payments;
pub mod reports;
pub mod session;
pub mod shop;
pub mod staff;

use std::sync::Arc;

use app::backend::SharedBackend;
use app::{App, shell};
use axum::Router;
use axum::extract::Request;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use http::StatusCode;
use http::header::CONTENT_TYPE;
use leptos::prelude::provide_context;
use leptos_axum::{LeptosRoutes, file_and_error_handler_with_context, generate_route_list};
use tower_http::compression::CompressionLayer;
use tower_http::request_id::{PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::trace::{DefaultOnResponse, TraceLayer};
use tracing::Level;

use crate::state::AppState;

pub fn router(state: AppState) -> Router {
    let backend: SharedBackend = Arc::new(state.clone());
    let context = move || {
        provide_context(backend.clone());
        crate::http::middleware::security_headers::provide_to_renderer();
    };
    // Checked when the configuration was loaded.
    let cors_origins = state.config.cors_allowed().unwrap_or_default();
    let leptos = state.leptos.clone();

    Router::new()
        .route("/healthz", get(health::alive))
        .route("/readyz", get(health::ready))
        .route("/metrics", get(metrics::show))
        .route("/api/openapi.json", get(openapi::serve))
        .merge(generation::router())
        .merge(jobs::router(state.config.max_model_mb))
        .merge(shop::router())
        .merge(payments::router())
        .merge(lab::router())
        .merge(reports::router())
        .leptos_routes_with_context(&state, generate_route_list(App), context.clone(), move || {
            shell(leptos.clone())
        })
        .fallback(file_and_error_handler_with_context::<AppState, _>(context, shell))
        .layer(axum::middleware::map_response(server_fn_error_status))
        .layer(axum::middleware::from_fn(multipart_guard))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            crate::http::middleware::staff_gate::middleware,
        ))
        .layer(axum::middleware::from_fn(staff_origin_guard))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            crate::http::middleware::rate_limits::middleware,
        ))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            crate::http::middleware::body_limits::middleware,
        ))
        .layer(axum::middleware::map_response(unbuffered_streams))
        .layer(axum::middleware::from_fn_with_state(state.clone(), session::middleware))
        .layer(axum::middleware::from_fn_with_state(state.clone(), session::host_prefix))
        .layer(axum::middleware::from_fn_with_state(
            state.trusted_proxies.clone(),
            crate::platform::client_address::middleware,
        ))
        .layer(crate::http::middleware::security_headers::cors(&cors_origins))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            crate::http::middleware::security_headers::middleware,
        ))
        .layer(CompressionLayer::new())
        // Outside the others, so a route's time includes them all.
        .layer(axum::middleware::from_fn(crate::platform::metrics::middleware))
        // One line per request at info: method, path, status and latency.
        .layer(
            TraceLayer::new_for_http()
                .make_span_with(crate::platform::logs::span)
                .on_response(DefaultOnResponse::new().level(Level::INFO)),
        )
        .layer(PropagateRequestIdLayer::x_request_id())
        .layer(SetRequestIdLayer::x_request_id(crate::platform::logs::RequestIds))
        .with_state(state)
}

/// The multipart server functions' decoder panics on a body without a
/// multipart boundary (server_fn 0.8 `expect`s one), so such a request is
/// answered here, before it gets there.
async fn multipart_guard(request: Request, next: Next) -> Response {
    if crate::http::middleware::body_limits::UPLOAD_FNS.contains(&request.uri().path()) {
        let boundary = request
            .headers()
            .get(CONTENT_TYPE)
            .and_then(|value| value.to_str().ok())
            .is_some_and(|value| multer::parse_boundary(value).is_ok());
        if !boundary {
            return (StatusCode::UNSUPPORTED_MEDIA_TYPE, "Expected a multipart/form-data body.")
                .into_response();
        }
    }
    next.run(request).await
}

/// Live streams must flow through a reverse proxy as they are written:
/// nginx buffers a response unless it says `X-Accel-Buffering: no`.
async fn unbuffered_streams(mut response: Response) -> Response {
    let stream = response
        .headers()
        .get(CONTENT_TYPE)
        .is_some_and(|value| value.as_bytes().starts_with(b"text/event-stream"));
    if stream {
        response.headers_mut().insert("x-accel-buffering", http::HeaderValue::from_static("no"));
    }
    response
}

/// Refuses a POST that carries the staff cookie but comes from another
/// site's page (its `Origin` names another host): with the SameSite=Strict
/// cookie, the staff pages' defence against cross-site request forgery.
async fn staff_origin_guard(request: Request, next: Next) -> Response {
    let staff = crate::staff::sign_in::cookie_token(request.headers()).is_some();
    if staff
        && request.method() == http::Method::POST
        && !crate::staff::sign_in::same_origin(request.headers())
    {
        return (StatusCode::FORBIDDEN, "Refused: this request came from another site.").into_response();
    }
    next.run(request).await
}

/// A server function's error answered with the status its error means.
/// Leptos answers every error it meets before the function runs (arguments
/// left out or unreadable) with 500; `app::error::with_status` sets it for
/// errors the function returns. Here the first kind gets its status too:
/// a caller's mistake is never told it was ours.
async fn server_fn_error_status(response: Response) -> Response {
    if response.status() != StatusCode::INTERNAL_SERVER_ERROR
        || !response.headers().contains_key(leptos::server_fn::error::SERVER_FN_ERROR_HEADER)
    {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    // Our errors are a few hundred bytes of JSON.
    let Ok(bytes) = axum::body::to_bytes(body, 64 << 10).await else {
        return Response::from_parts(parts, axum::body::Body::empty());
    };
    if let Ok(error) = serde_json::from_slice::<app::error::AppError>(&bytes)
        && let Ok(status) = StatusCode::from_u16(error.status())
    {
        parts.status = status;
        if let app::error::AppError::TooManyRequests { retry_after_s, .. } = &error
            && let Ok(value) = http::HeaderValue::from_str(&retry_after_s.to_string())
        {
            parts.headers.insert(http::header::RETRY_AFTER, value);
        }
    }
    Response::from_parts(parts, axum::body::Body::from(bytes))
}
