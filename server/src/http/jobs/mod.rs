//! A job's progress stream, and the API remote workers pull jobs through.

pub mod events;
pub mod worker_api;

use axum::Router;
use axum::routing::{get, post};

use crate::state::AppState;

/// A job's progress stream, and the remote workers' API.
pub fn router(max_model_mb: u64) -> Router<AppState> {
    Router::new()
        .route("/api/jobs/{id}/events", get(events::events))
        .route("/api/worker/claim", post(worker_api::claim))
        .route("/api/worker/jobs/{id}/heartbeat", post(worker_api::heartbeat))
        .route("/api/worker/jobs/{id}/input", get(worker_api::input))
        .route(
            "/api/worker/jobs/{id}/result",
            post(worker_api::result)
                .layer(axum::extract::DefaultBodyLimit::max(max_model_mb as usize * 1024 * 1024)),
        )
        .route("/api/worker/jobs/{id}/fail", post(worker_api::fail))
}
