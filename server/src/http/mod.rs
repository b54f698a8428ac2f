//! The HTTP surface: pages (server-rendered, then hydrated), server functions,
//! the JSON API and health checks, wrapped in sessions, compression and
//! request tracing.

mod api;
mod concepts;
pub mod health;
mod jobs;
mod lab;
mod models;
mod orders;
pub mod reports;
mod studio;
mod worker;

use std::sync::Arc;

use app::backend::SharedBackend;
use app::{App, shell};
use axum::Router;
use axum::extract::Request;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use http::StatusCode;
use http::header::CONTENT_TYPE;
use leptos::prelude::provide_context;
use leptos_axum::{LeptosRoutes, file_and_error_handler_with_context, generate_route_list};
use tower_http::compression::CompressionLayer;
use tower_http::request_id::{PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::trace::{DefaultOnResponse, TraceLayer};
use tracing::Level;

use crate::session;
use crate::state::AppState;

pub fn router(state: AppState) -> Router {
    let backend: SharedBackend = Arc::new(state.clone());
    let context = move || {
        provide_context(backend.clone());
        crate::security_headers::provide_to_renderer();
    };
    // Checked when the configuration was loaded.
    let cors_origins = state.config.cors_allowed().unwrap_or_default();
    let leptos = state.leptos.clone();

    Router::new()
        .route("/healthz", get(health::alive))
        .route("/readyz", get(health::ready))
        .route("/metrics", get(crate::metrics::show))
        .route("/api/creations", post(api::create_creation))
        .route("/api/jobs/{id}/events", get(jobs::events))
        .route("/api/creations/{id}/concepts", post(concepts::explore_more))
        .route("/api/creations/{id}/concepts/stream", get(concepts::stream))
        .route("/api/creations/{id}/concepts/{index}/retry", post(concepts::retry))
        .route("/media/concepts/{id}/{file}", get(concepts::image))
        .route("/api/creations/{id}/select", post(models::select))
        .route("/media/models/{id}/{file}", get(models::media))
        .route("/api/creations/{id}/studio", get(studio::show))
        .route("/api/creations/{id}/studio/quote", post(studio::quote))
        .route("/api/creations/{id}/keepsake.stl", get(studio::stl))
        .route("/api/creations/{id}/keepsake.3mf", get(studio::three_mf))
        .route("/api/worker/claim", post(worker::claim))
        .route("/api/worker/jobs/{id}/heartbeat", post(worker::heartbeat))
        .route("/api/worker/jobs/{id}/input", get(worker::input))
        .route(
            "/api/worker/jobs/{id}/result",
            post(worker::result).layer(axum::extract::DefaultBodyLimit::max(
                state.config.max_model_mb as usize * 1024 * 1024,
            )),
        )
        .route("/api/worker/jobs/{id}/fail", post(worker::fail))
        // The form reader caps the file at the configured size as it streams in.
        .route("/api/orders", post(orders::place))
        .route("/api/orders/{id}", get(orders::show))
        .route("/api/orders/{id}/events", get(orders::events))
        .route("/api/orders/{id}/thumbnail.png", get(orders::thumbnail))
        .route("/api/orders/{id}/files/{file}", get(orders::order_file))
        .route("/api/payments/stripe/webhook", post(orders::stripe_webhook))
        .route("/api/quotes", post(api::create_quote))
        .route("/api/lab/submissions", post(lab::submit))
        .route("/api/lab/jobs/{id}", get(lab::show))
        .route("/api/lab/jobs/{id}/confirm", post(lab::confirm))
        .route("/api/lab/jobs/{id}/files/{file}", get(lab::file))
        .route("/api/lab/slicer-openings", post(lab::slicer_opening))
        .route("/api/staff/events", get(lab::staff_events))
        .route("/staff/reports/{file}", get(reports::csv))
        .route("/api/creations/upload", post(api::upload_model))
        .leptos_routes_with_context(&state, generate_route_list(App), context.clone(), move || {
            shell(leptos.clone())
        })
        .fallback(file_and_error_handler_with_context::<AppState, _>(context, shell))
        .layer(axum::middleware::from_fn(multipart_guard))
        .layer(axum::middleware::from_fn(staff_origin_guard))
        .layer(axum::middleware::from_fn_with_state(state.clone(), crate::rate_limits::middleware))
        .layer(axum::middleware::from_fn_with_state(state.clone(), crate::body_limits::middleware))
        .layer(axum::middleware::map_response(unbuffered_streams))
        .layer(axum::middleware::from_fn_with_state(state.clone(), session::middleware))
        .layer(axum::middleware::from_fn_with_state(state.clone(), session::host_prefix))
        .layer(axum::middleware::from_fn_with_state(state.clone(), crate::client_address::middleware))
        .layer(crate::security_headers::cors(&cors_origins))
        .layer(axum::middleware::from_fn_with_state(state.clone(), crate::security_headers::middleware))
        .layer(CompressionLayer::new())
        // Outside the others, so a route's time includes them all.
        .layer(axum::middleware::from_fn(crate::metrics::middleware))
        // One line per request at info: method, path, status and latency.
        .layer(
            TraceLayer::new_for_http()
                .make_span_with(crate::logs::span)
                .on_response(DefaultOnResponse::new().level(Level::INFO)),
        )
        .layer(PropagateRequestIdLayer::x_request_id())
        .layer(SetRequestIdLayer::x_request_id(crate::logs::RequestIds))
        .with_state(state)
}

/// A live stream's subscription for the request's client, within the caps
/// on open streams (`changes::StreamLimits`).
pub(crate) fn open_stream(
    state: &AppState,
    client: &crate::client_address::ClientAddress,
) -> Result<crate::changes::Following, crate::error::ApiError> {
    use crate::changes::StreamRefusal;
    use crate::error::ApiError;
    state.changes.open_for(&client.0).map_err(|refusal| match refusal {
        StreamRefusal::ClientBusy => ApiError::TooManyRequests {
            retry_after_s: 5,
            message: "You have many live pages open at once; close a few and this one updates again.".into(),
        },
        StreamRefusal::Full => {
            ApiError::Busy("Memoreez has as many live pages open as it can take; this one updates again shortly.".into())
        }
    })
}

/// The multipart server functions' decoder panics on a body without a
/// multipart boundary (server_fn 0.8 `expect`s one), so such a request is
/// answered here, before it gets there.
async fn multipart_guard(request: Request, next: Next) -> Response {
    if crate::body_limits::UPLOAD_FNS.contains(&request.uri().path()) {
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
/// `401` unless the request comes from a signed-in staff browser (for the
/// staff routes that are not server functions: the live feed, the CSVs).
async fn staff_only(state: &AppState, headers: &http::HeaderMap) -> Result<(), crate::error::ApiError> {
    match crate::staff::signed_in(&state.db, headers, state.config.staff_idle_minutes).await? {
        true => Ok(()),
        false => Err(crate::error::ApiError::Body {
            status: StatusCode::UNAUTHORIZED,
            message: "Please sign in as staff.".into(),
        }),
    }
}

async fn staff_origin_guard(request: Request, next: Next) -> Response {
    let staff = crate::staff::cookie_token(request.headers()).is_some();
    if staff && request.method() == http::Method::POST && !crate::staff::same_origin(request.headers()) {
        return (StatusCode::FORBIDDEN, "Refused: this request came from another site.").into_response();
    }
    next.run(request).await
}
