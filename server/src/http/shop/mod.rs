//! The shop's JSON API: the studio, quotes and orders.

pub mod orders;
pub mod pages;
pub mod quotes;
pub mod studio;

use axum::Router;
use axum::routing::{get, post};

use crate::state::AppState;

/// The studio, quotes and orders.
pub fn router() -> Router<AppState> {
    Router::new()
        .merge(quotes::router())
        .route("/api/creations/{id}/studio", get(studio::show))
        .route("/api/creations/{id}/studio/quote", post(studio::quote))
        .route("/api/creations/{id}/keepsake.stl", get(studio::stl))
        .route("/api/creations/{id}/keepsake.3mf", get(studio::three_mf))
        .route("/api/orders", post(orders::place))
        .route("/api/orders/{id}", get(orders::show))
        .route("/api/orders/{id}/events", get(orders::events))
        .route("/api/orders/{id}/thumbnail.png", get(orders::thumbnail))
        .route("/api/orders/{id}/files/{file}", get(orders::order_file))
}
