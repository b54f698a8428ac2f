//! Orders over HTTP: checkout for a priced keepsake, and the order's own
//! page data, opened by the token in its link.

use app::order::OrderForm;
use axum::Extension;
use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, Query, State};
use axum::response::IntoResponse;
use http::StatusCode;
use serde::Deserialize;
use serde_json::json;

use crate::error::ApiError;
use crate::orders::{self, OrderError};
use crate::session::Visitor;
use crate::state::AppState;

impl From<OrderError> for ApiError {
    fn from(error: OrderError) -> Self {
        match error {
            OrderError::Invalid(error) => error.into(),
            OrderError::NotPriced | OrderError::PriceNotReady => {
                ApiError::Body { status: StatusCode::CONFLICT, message: error.to_string() }
            }
            OrderError::NotFound => ApiError::NotFound,
            OrderError::Database(error) => error.into(),
            OrderError::Keepsake(cause) => ApiError::Internal(cause),
        }
    }
}

/// `POST /api/orders` with the checkout form → `201 {"id", "status",
/// "order_url"}`. Amounts come from the keepsake's stored quote, never from
/// the request.
pub async fn place(
    State(state): State<AppState>,
    Extension(visitor): Extension<Visitor>,
    body: Result<Json<OrderForm>, JsonRejection>,
) -> Result<impl IntoResponse, ApiError> {
    let Json(form) = body?;
    let Some(visitor) = visitor.existing_id() else { return Err(ApiError::NotFound) };
    let placed = orders::place(&state, &visitor, &form).await?;
    Ok((
        StatusCode::CREATED,
        Json(json!({ "id": placed.id, "status": placed.status, "order_url": placed.page_url() })),
    ))
}

#[derive(Deserialize)]
pub struct Token {
    t: String,
}

/// `GET /api/orders/{id}?t=TOKEN`: the order, its amounts and history.
pub async fn show(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Query(token): Query<Token>,
) -> Result<impl IntoResponse, ApiError> {
    Ok(Json(orders::view(&state, &id, &token.t).await?))
}
