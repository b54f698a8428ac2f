//! The HTTP surface: pages (server-rendered, then hydrated), server functions,
//! the JSON API and health checks, wrapped in sessions, compression and
//! request tracing.

mod api;
mod health;
mod jobs;

use std::sync::Arc;

use app::backend::SharedBackend;
use app::{App, shell};
use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};
use leptos::prelude::provide_context;
use leptos_axum::{LeptosRoutes, file_and_error_handler_with_context, generate_route_list};
use tower_http::compression::CompressionLayer;
use tower_http::trace::{DefaultMakeSpan, DefaultOnResponse, TraceLayer};
use tracing::Level;

use crate::session;
use crate::state::AppState;

pub fn router(state: AppState) -> Router {
    let backend: SharedBackend = Arc::new(state.clone());
    let context = move || provide_context(backend.clone());
    let leptos = state.leptos.clone();

    Router::new()
        .route("/healthz", get(health::alive))
        .route("/readyz", get(health::ready))
        .route("/api/creations", post(api::create_creation))
        .route("/api/jobs/{id}/events", get(jobs::events))
        // A model file may be as large as the configured cap (plus the form around it).
        .route(
            "/api/quotes",
            post(api::create_quote)
                .layer(DefaultBodyLimit::max(state.config.max_model_mb as usize * 1024 * 1024 + 64 * 1024)),
        )
        .leptos_routes_with_context(&state, generate_route_list(App), context.clone(), move || {
            shell(leptos.clone())
        })
        .fallback(file_and_error_handler_with_context::<AppState, _>(context, shell))
        .layer(axum::middleware::from_fn(session::middleware))
        .layer(CompressionLayer::new())
        // One line per request at info: method, path, status and latency.
        .layer(
            TraceLayer::new_for_http()
                .make_span_with(DefaultMakeSpan::new().level(Level::INFO))
                .on_response(DefaultOnResponse::new().level(Level::INFO)),
        )
        .with_state(state)
}
