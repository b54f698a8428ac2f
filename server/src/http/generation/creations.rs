//! The JSON API, for scripts and other clients. It calls the same code as the
//! pages' server functions.

use app::creation::{CreationKind, Started};
use app::story::Story;
use axum::Extension;
use axum::Json;
use axum::Router;
use axum::body::Body;
use axum::extract::State;
use axum::extract::rejection::JsonRejection;
use axum::response::IntoResponse;
use axum::routing::post;
use http::HeaderMap;
use http::StatusCode;
use http::header::LOCATION;
use serde::Deserialize;

use crate::generation::creations;
use crate::http::error::ApiError;
use crate::http::model_form::{self, boundary};
use crate::http::session::Visitor;
use crate::state::AppState;

#[derive(Deserialize, utoipa::ToSchema)]
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

#[derive(Deserialize, Default, utoipa::ToSchema)]
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
#[utoipa::path(post, path = "/api/creations", tag = "creations",
    request_body = NewCreation,
    responses(
        (status = 201, description = "Made; its designs are being drawn (or its model made)", body = CreationStarted),
        (status = 400, description = "Not JSON, or a field we do not know", body = crate::http::error::ErrorBody),
        (status = 422, description = "The story or object cannot be used", body = crate::http::error::ErrorBody),
        (status = 429, description = "Over a limit; see Retry-After", body = crate::http::error::ErrorBody),
    ))]
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
    let started = creations::create_and_start(&state.generation(), &visitor.id(), &story, kind).await?;
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

/// `POST /api/creations/upload`, multipart: `file` (STL, OBJ or 3MF) →
/// `201 {"id", "url", "next_url", "job_id", "events_url"}`: the model is
/// checked to be a printable solid at once (`422` with the reason if not; nothing is kept), and its
/// making follows on the model page.
#[utoipa::path(post, path = "/api/creations/upload", tag = "creations",
    request_body(content = crate::http::openapi::ModelUpload, content_type = "multipart/form-data"),
    responses(
        (status = 201, description = "Checked to be a printable solid; its model is being made", body = CreationStarted),
        (status = 400, description = "Not a multipart form", body = crate::http::error::ErrorBody),
        (status = 413, description = "Over the size limit", body = crate::http::error::ErrorBody),
        (status = 415, description = "Not multipart/form-data", body = crate::http::error::ErrorBody),
        (status = 422, description = "Not a model we can print, and why", body = crate::http::error::ErrorBody),
        (status = 429, description = "Over a limit; see Retry-After", body = crate::http::error::ErrorBody),
    ))]
pub async fn upload_model(
    State(state): State<AppState>,
    Extension(visitor): Extension<Visitor>,
    headers: HeaderMap,
    body: Body,
) -> Result<impl IntoResponse, ApiError> {
    let boundary = boundary(&headers)?;
    let file = model_form::read_model(body.into_data_stream(), boundary, &state.config).await?;
    let started = crate::generation::uploads::start(&state.generation(), &visitor.id(), file).await?;
    Ok(created(started))
}

/// A creation made: its page, where the customer goes on, and the job
/// making its model when that has started.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct CreationStarted {
    pub id: String,
    /// The creation's page.
    pub url: String,
    /// Where the customer goes on: the designs, or the model page.
    pub next_url: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub job_id: Option<String>,
    /// The model job's progress stream (server-sent events).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub events_url: Option<String>,
}

/// `201` with [`CreationStarted`].
fn created(started: Started) -> impl IntoResponse {
    let Started { id, next_url, model_job } = started;
    let url = format!("/create/{id}");
    let body = CreationStarted {
        id,
        url: url.clone(),
        next_url,
        events_url: model_job.as_ref().map(|job_id| format!("/api/jobs/{job_id}/events")),
        job_id: model_job,
    };
    (StatusCode::CREATED, [(LOCATION, url)], Json(body))
}

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/creations", post(create_creation))
        .route("/api/creations/upload", post(upload_model))
}
