//! The generation room's JSON API: creations, designs and their stream, models.

pub mod concepts;
pub mod creations;
pub mod models;
pub mod pages;

use axum::Router;
use axum::routing::{get, post};

use crate::state::AppState;

/// Creations, their designs and their models.
pub fn router() -> Router<AppState> {
    Router::new()
        .merge(creations::router())
        .route("/api/creations/{id}/concepts", post(concepts::explore_more))
        .route("/api/creations/{id}/concepts/stream", get(concepts::stream))
        .route("/api/creations/{id}/concepts/{index}/retry", post(concepts::retry))
        .route("/media/concepts/{id}/{file}", get(concepts::image))
        .route("/api/creations/{id}/select", post(models::select))
        .route("/media/models/{id}/{file}", get(models::media))
        .route("/api/creations/{id}/model", get(models::show))
        .route("/api/creations/{id}/versions", post(models::make_another))
        .route("/api/creations/{id}/versions/{job}/choose", post(models::choose))
        .route("/api/creations/{id}/versions/{job}/refine", post(models::refine))
        .route("/media/models/{id}/versions/{job}/{file}", get(models::version_media))
}
