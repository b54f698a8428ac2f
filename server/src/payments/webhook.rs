//! `POST /api/payments/stripe/webhook`: where Stripe tells us a Checkout
//! Session was paid, expired or failed. The signature is checked on the raw
//! body first; what each event does to its order is in `payments::events`.

use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Json, Router};
use bytes::Bytes;
use http::{HeaderMap, StatusCode};
use serde_json::json;

use crate::http::error::ApiError;
use crate::payments::events::{self, Handled};
use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new().route("/api/payments/stripe/webhook", post(stripe_webhook))
}

/// `POST /api/payments/stripe/webhook`: Stripe's events about Checkout
/// Sessions. The RAW body is checked against `Stripe-Signature` before it is
/// read; a refused delivery gets 400 (Stripe shows it on the dashboard), a
/// handled or repeated one 200.
pub async fn stripe_webhook(State(state): State<AppState>, headers: HeaderMap, body: Bytes) -> Response {
    let Some(stripe) = &state.card_payments else {
        return (StatusCode::NOT_FOUND, Json(json!({ "error": "card payments are not set up here" })))
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
    match events::apply(&state, &event).await {
        Ok(Handled::Duplicate) => Json(json!({ "received": true, "duplicate": true })).into_response(),
        Ok(Handled::Recorded { what }) => {
            tracing::info!(event = %event.event_id, kind = %event.kind, %what, "Stripe event");
            Json(json!({ "received": true, "outcome": what })).into_response()
        }
        // Not recorded: Stripe delivers it again later.
        Err(error) => ApiError::from(error).into_response(),
    }
}

fn refuse(why: &str) -> Response {
    (StatusCode::BAD_REQUEST, Json(json!({ "error": why }))).into_response()
}
