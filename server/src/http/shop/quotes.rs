//! `POST /api/quotes`: a price for any model file, sliced at once or by a worker.

use axum::Json;
use axum::Router;
use axum::body::Body;
use axum::extract::State;
use axum::response::IntoResponse;
use axum::routing::post;
use http::{HeaderMap, StatusCode};

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
#[utoipa::path(post, path = "/api/quotes", tag = "shop",
    request_body(content = crate::http::openapi::QuoteUpload, content_type = "multipart/form-data"),
    responses(
        (status = 201, description = "Sliced and priced", body = PricedModel),
        (status = 202, description = "With wait=false: the instant estimate; the quote follows on the job's stream", body = QuoteStarted),
        (status = 400, description = "Not a multipart form", body = crate::http::error::ErrorBody),
        (status = 413, description = "Over the size limit", body = crate::http::error::ErrorBody),
        (status = 415, description = "Not multipart/form-data", body = crate::http::error::ErrorBody),
        (status = 422, description = "Not a model we can print, or a field that cannot be used", body = crate::http::error::ErrorBody),
        (status = 429, description = "Over a limit; see Retry-After", body = crate::http::error::ErrorBody),
        (status = 503, description = "The slicer is busy; see Retry-After", body = crate::http::error::ErrorBody),
    ))]
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
        let started = quotes::start(&state.shop(), request).await?;
        let events_url = format!("/api/jobs/{}/events", started.job_id);
        let body = QuoteStarted { job_id: started.job_id, events_url, estimate: started.estimate };
        return Ok((StatusCode::ACCEPTED, Json(body)).into_response());
    }
    let (id, quote) = quotes::quote_with(&state.shop(), request, crate::jobs::queue::unheard()).await?;
    Ok((StatusCode::CREATED, Json(PricedModel { id, quote })).into_response())
}

/// A quote as `memoreez quote --json` prints it, with the id it is kept by.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct PricedModel {
    pub id: String,
    #[serde(flatten)]
    pub quote: slicing::quote::Quote,
}

/// A quote being made by a background worker, and the instant estimate meanwhile.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct QuoteStarted {
    pub job_id: String,
    pub events_url: String,
    pub estimate: slicing::quote::Quote,
}
