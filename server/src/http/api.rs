//! The JSON API, for scripts and other clients. It calls the same code as the
//! pages' server functions.

use app::creation::{CreationKind, Started};
use app::story::Story;
use axum::Extension;
use axum::Json;
use axum::body::Body;
use axum::extract::State;
use axum::extract::rejection::JsonRejection;
use axum::response::IntoResponse;
use http::HeaderMap;
use http::StatusCode;
use http::header::{CONTENT_TYPE, LOCATION};
use serde::Deserialize;
use serde_json::json;

use crate::creations;
use crate::error::ApiError;
use crate::quotes::{self, Blame, QuoteFailure};
use crate::session::Visitor;
use crate::state::AppState;
use crate::upload_form::{self, FormError, QuoteForm};
use crate::uploads::UploadError;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewCreation {
    /// Either a list of hobbies or one comma-separated string.
    #[serde(default)]
    hobbies: Hobbies,
    /// The free-text part of the story ("facts"); `story` is accepted too.
    #[serde(default, alias = "story")]
    facts: String,
    /// Instead of a story: a description of an object.
    #[serde(default)]
    object: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(untagged)]
enum Hobbies {
    #[default]
    None,
    List(Vec<String>),
    Text(String),
}

/// `POST /api/creations` `{"hobbies": ["…"], "facts": "…"}` (or `{"object":
/// "a sailboat with red sails"}`) → `201 {"id", "url", "next_url"}`: `next_url` is
/// where the customer goes on (the designs, or the model when a text → 3D
/// service makes it at once, with its `job_id` and `events_url`).
pub async fn create_creation(
    State(state): State<AppState>,
    Extension(visitor): Extension<Visitor>,
    body: Result<Json<NewCreation>, JsonRejection>,
) -> Result<impl IntoResponse, ApiError> {
    let Json(input) = body?;
    let (story, kind) = match input.object {
        Some(_) if !matches!(input.hobbies, Hobbies::None) || !input.facts.is_empty() => {
            return Err(ApiError::Invalid {
                field: "object".into(),
                message: "Send a story or an object, not both.".into(),
            });
        }
        Some(object) => {
            let story = app::creation::story_for_object(&object)
                .map_err(|error| ApiError::Invalid { field: "object".into(), message: error.to_string() })?;
            (story, CreationKind::Object)
        }
        None => (story(input.hobbies, &input.facts)?, CreationKind::Story),
    };
    let started = creations::create_and_start(&state, &visitor.id(), &story, kind).await?;
    Ok(created(started))
}

/// The story the fields tell, or the first thing wrong with them.
fn story(hobbies: Hobbies, facts: &str) -> Result<Story, ApiError> {
    let hobbies = match hobbies {
        Hobbies::None => Vec::new(),
        Hobbies::List(list) => list,
        Hobbies::Text(text) => app::story::split_hobbies(&text),
    };
    Story::new(hobbies, facts).map_err(|error| app::error::AppError::InvalidStory(error).into())
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
        upload_form::read(body.into_data_stream(), boundary, &state.config).await.map_err(form_error)?;
    if !wait {
        // As a background job: answer at once with the instant estimate;
        // progress and the real quote come over GET /api/jobs/{id}/events.
        let started = quotes::start(&state, request).await.map_err(quote_error)?;
        let events_url = format!("/api/jobs/{}/events", started.job_id);
        let body =
            json!({ "job_id": started.job_id, "events_url": events_url, "estimate": started.estimate });
        return Ok((StatusCode::ACCEPTED, Json(body)));
    }
    let (id, quote) =
        quotes::quote_with(&state, request, crate::jobs::unheard()).await.map_err(quote_error)?;
    let mut body = serde_json::to_value(&quote).expect("a quote serialises");
    body["id"] = json!(id);
    Ok((StatusCode::CREATED, Json(body)))
}

/// `POST /api/creations/upload`, multipart: `file` (STL, OBJ or 3MF) →
/// `201 {"id", "url", "next_url", "job_id", "events_url"}`: the model is
/// checked to be a printable solid at once (`422` with the reason if not; nothing is kept), and its
/// making follows on the model page.
pub async fn upload_model(
    State(state): State<AppState>,
    Extension(visitor): Extension<Visitor>,
    headers: HeaderMap,
    body: Body,
) -> Result<impl IntoResponse, ApiError> {
    let boundary = boundary(&headers)?;
    let file = upload_form::read_model(body.into_data_stream(), boundary, &state.config)
        .await
        .map_err(form_error)?;
    let started = crate::uploads::start(&state, &visitor.id(), file).await.map_err(upload_error)?;
    Ok(created(started))
}

/// `201 {"id", "url", "next_url"}`, plus `"job_id"` and `"events_url"` when
/// the model's making has started.
fn created(started: Started) -> impl IntoResponse {
    let Started { id, next_url, model_job } = started;
    let url = format!("/create/{id}");
    let mut body = json!({ "id": id, "url": url, "next_url": next_url });
    if let Some(job_id) = model_job {
        body["events_url"] = json!(format!("/api/jobs/{job_id}/events"));
        body["job_id"] = json!(job_id);
    }
    (StatusCode::CREATED, [(LOCATION, url)], Json(body))
}

/// The multipart boundary of a form carrying a model file.
pub(super) fn boundary(headers: &HeaderMap) -> Result<String, ApiError> {
    headers
        .get(CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| multer::parse_boundary(value).ok())
        .ok_or_else(|| ApiError::Body {
            status: StatusCode::UNSUPPORTED_MEDIA_TYPE,
            message: "Expected a multipart/form-data body with the model as `file`.".into(),
        })
}

fn upload_error(error: UploadError) -> ApiError {
    match error {
        UploadError::File(message) => invalid("file", message),
        other => ApiError::Internal(other.to_string()),
    }
}

pub(super) fn form_error(error: FormError) -> ApiError {
    let message = error.to_string();
    match error {
        FormError::Invalid { field, .. } => invalid(field, message),
        FormError::TooLarge(_) => ApiError::Body { status: StatusCode::PAYLOAD_TOO_LARGE, message },
        FormError::Malformed(_) => ApiError::Body { status: StatusCode::BAD_REQUEST, message },
    }
}

fn invalid(field: &'static str, message: impl Into<String>) -> ApiError {
    ApiError::Invalid { field: field.into(), message: message.into() }
}

fn quote_error(failure: QuoteFailure) -> ApiError {
    let message = failure.to_string();
    match failure.blame() {
        Blame::File => invalid("file", message),
        Blame::Engine => invalid("engine", message),
        Blame::Service => ApiError::Body { status: StatusCode::SERVICE_UNAVAILABLE, message },
        Blame::Internal => ApiError::Internal(message),
    }
}
