//! `POST /api/payments/stripe/webhook`: where Stripe tells us a Checkout
//! Session was paid, expired or failed. The signature is checked on the raw
//! body first; what each event does to its order is in `shop::orders::card_payments`.

use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Json, Router};
use bytes::Bytes;
use http::{HeaderMap, StatusCode};

use crate::http::error::ApiError;
use crate::payments::events::Handled;
use crate::shop::orders::card_payments;
use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new().route("/api/payments/stripe/webhook", post(stripe_webhook))
}

/// `POST /api/payments/stripe/webhook`: Stripe's events about Checkout
/// Sessions. The RAW body is checked against `Stripe-Signature` before it is
/// read; a refused delivery gets 400 (Stripe shows it on the dashboard), a
/// handled or repeated one 200.
#[utoipa::path(post, path = "/api/payments/stripe/webhook", tag = "payments",
    request_body(content = String, content_type = "application/json", description = "Stripe's event, exactly as signed"),
    params(("Stripe-Signature" = Option<String>, Header, description = "Stripe's signature of the body")),
    responses(
        (status = 200, description = "Handled (or a repeat of one handled)", body = Received),
        (status = 400, description = "Not signed with this shop's webhook secret, or unreadable", body = crate::http::error::ErrorBody),
        (status = 404, description = "Card payments are not set up here", body = crate::http::error::ErrorBody),
    ))]
pub async fn stripe_webhook(State(state): State<AppState>, headers: HeaderMap, body: Bytes) -> Response {
    let Some(stripe) = &state.card_payments else {
        return ApiError::Body {
            status: StatusCode::NOT_FOUND,
            message: "card payments are not set up here".into(),
        }
        .into_response();
    };
    let signature = headers.get("stripe-signature").and_then(|value| value.to_str().ok());
    let Ok(payload) = std::str::from_utf8(&body) else {
        return refuse("the body is not UTF-8 text");
    };
    let event = match stripe.verify(payload, signature) {
        Ok(event) => event,
        Err(refused) => {
            tracing::warn!(%refused, "Stripe webhook refused");
            return refuse(&refused.to_string());
        }
    };
    match card_payments::apply(&state.shop(), &event).await {
        Ok(Handled::Duplicate) => {
            Json(Received { received: true, duplicate: Some(true), outcome: None }).into_response()
        }
        Ok(Handled::Recorded { what }) => {
            tracing::info!(event = %event.event_id, kind = %event.kind, %what, "Stripe event");
            Json(Received { received: true, duplicate: None, outcome: Some(what.to_string()) })
                .into_response()
        }
        // Not recorded: Stripe delivers it again later.
        Err(error) => ApiError::from(error).into_response(),
    }
}

fn refuse(why: &str) -> Response {
    ApiError::Body { status: StatusCode::BAD_REQUEST, message: why.to_string() }.into_response()
}

/// A delivery taken: what it did to its order, or that it was a repeat.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct Received {
    pub received: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub duplicate: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub outcome: Option<String>,
}
