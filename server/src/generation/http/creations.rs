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
use serde_json::json;

use crate::generation::creations;
use crate::http::error::ApiError;
use crate::http::model_form::{self, boundary};
use crate::http::session::Visitor;
use crate::state::AppState;

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
    let file = model_form::read_model(body.into_data_stream(), boundary, &state.config).await?;
    let started = crate::generation::uploads::start(&state, &visitor.id(), file).await?;
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

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/creations", post(create_creation))
        .route("/api/creations/upload", post(upload_model))
}
