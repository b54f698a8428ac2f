//! The JSON API, for scripts and other clients. It calls the same code as the
//! pages' server functions.

use app::story::{Story, StoryField};
use axum::Extension;
use axum::Json;
use axum::extract::State;
use axum::extract::rejection::JsonRejection;
use axum::response::IntoResponse;
use http::StatusCode;
use http::header::LOCATION;
use serde::Deserialize;
use serde_json::json;

use crate::creations;
use crate::error::ApiError;
use crate::session::Visitor;
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
}

#[derive(Deserialize, Default)]
#[serde(untagged)]
enum Hobbies {
    #[default]
    None,
    List(Vec<String>),
    Text(String),
}

/// `POST /api/creations` `{"hobbies": ["…"], "facts": "…"}` → `201 {"id", "url"}`.
pub async fn create_creation(
    State(state): State<AppState>,
    Extension(visitor): Extension<Visitor>,
    body: Result<Json<NewCreation>, JsonRejection>,
) -> Result<impl IntoResponse, ApiError> {
    let Json(input) = body?;
    let hobbies = match input.hobbies {
        Hobbies::None => Vec::new(),
        Hobbies::List(list) => list,
        Hobbies::Text(text) => app::story::split_hobbies(&text),
    };
    let story = Story::new(hobbies, &input.facts).map_err(|error| ApiError::Invalid {
        field: match error.field() {
            StoryField::Hobbies => "hobbies",
            StoryField::Facts => "facts",
        },
        message: error.to_string(),
    })?;
    let id = creations::create(&state.db, &visitor.id(), &story).await?;
    let url = format!("/create/{id}");
    Ok((StatusCode::CREATED, [(LOCATION, url.clone())], Json(json!({ "id": id, "url": url }))))
}
