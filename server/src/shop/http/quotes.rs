//! `POST /api/quotes`: a price for any model file, sliced at once or by a worker.

use axum::Json;
use axum::Router;
use axum::body::Body;
use axum::extract::State;
use axum::response::IntoResponse;
use axum::routing::post;
use http::{HeaderMap, StatusCode};
use serde_json::json;

use crate::http::error::ApiError;
use crate::http::model_form::{self, QuoteForm, boundary};
use crate::shop::quotes;
use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new().route("/api/quotes", post(create_quote))
}

/// `POST /api/quotes`, multipart: `file` (STL, OBJ or 3MF) and optionally
/// `profile` (shop|lab), `material` (pla|petg|resin), `engine`
/// (auto|estimate|prusa) → `201` with the quote as `memoreez quote --json`
/// prints it, plus its `id`. The slice stops if the client goes away.
/// With `wait=false`: `202 {"job_id", "events_url", "estimate"}` (the
/// instant estimate) and the quote is made by a background worker.
pub async fn create_quote(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Body,
) -> Result<impl IntoResponse, ApiError> {
    let boundary = boundary(&headers)?;
    let QuoteForm { request, wait } =
        model_form::read(body.into_data_stream(), boundary, &state.config).await?;
    if !wait {
        // As a background job: answer at once with the instant estimate;
        // progress and the real quote come over GET /api/jobs/{id}/events.
        let started = quotes::start(&state, request).await?;
        let events_url = format!("/api/jobs/{}/events", started.job_id);
        let body =
            json!({ "job_id": started.job_id, "events_url": events_url, "estimate": started.estimate });
        return Ok((StatusCode::ACCEPTED, Json(body)));
    }
    let (id, quote) = quotes::quote_with(&state, request, crate::jobs::queue::unheard()).await?;
    let mut body = serde_json::to_value(&quote).expect("a quote serialises");
    body["id"] = json!(id);
    Ok((StatusCode::CREATED, Json(body)))
}
