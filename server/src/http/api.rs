//! The JSON API, for scripts and other clients. It calls the same code as the
//! pages' server functions.

use app::story::{Story, StoryField};
use axum::Extension;
use axum::Json;
use axum::extract::State;
use axum::extract::multipart::{Multipart, MultipartError, MultipartRejection};
use axum::extract::rejection::JsonRejection;
use axum::response::IntoResponse;
use http::StatusCode;
use http::header::LOCATION;
use serde::Deserialize;
use serde_json::json;

use slicing::material::Material;
use slicing::quote::Engine;

use crate::creations;
use crate::error::ApiError;
use crate::quotes::{self, Blame, QuoteFailure, QuoteRequest};
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

/// `POST /api/quotes`, multipart: `file` (STL, OBJ or 3MF) and optionally
/// `profile` (shop|lab), `material` (pla|petg|resin), `engine`
/// (auto|estimate|prusa) → `201` with the quote as `memoreez quote --json`
/// prints it, plus its `id`. The slice stops if the client goes away.
/// With `wait=false`: `202 {"job_id", "events_url"}` and the quote is made
/// by a background worker.
pub async fn create_quote(
    State(state): State<AppState>,
    multipart: Result<Multipart, MultipartRejection>,
) -> Result<impl IntoResponse, ApiError> {
    let mut multipart =
        multipart.map_err(|r| ApiError::Body { status: r.status(), message: r.body_text() })?;
    let (mut file, mut profile, mut material, mut engine) =
        (None, "shop".to_string(), Material::Pla, Engine::Auto);
    let mut wait = true;
    while let Some(field) = multipart.next_field().await.map_err(multipart_error)? {
        let name = field.name().unwrap_or_default().to_string();
        if name == "file" {
            let file_name = field.file_name().unwrap_or("model").to_string();
            file = Some((file_name, field.bytes().await.map_err(multipart_error)?.to_vec()));
            continue;
        }
        let value = field.text().await.map_err(multipart_error)?;
        match name.as_str() {
            "wait" => wait = value.parse().map_err(|_| invalid("wait", "expected true or false"))?,
            "profile" if state.config.price_book(&value).is_some() => profile = value,
            "profile" => return Err(invalid("profile", "expected shop or lab")),
            "material" => material = value.parse().map_err(|e: String| invalid("material", e))?,
            "engine" => engine = value.parse().map_err(|e: String| invalid("engine", e))?,
            _ => return Err(invalid("form", format!("unknown field {name:?}"))),
        }
    }
    let Some((file_name, bytes)) = file else {
        return Err(invalid("file", "Attach a model file (STL, OBJ or 3MF)."));
    };
    if !wait {
        // As a background job: answer at once; progress and the quote come
        // over GET /api/jobs/{id}/events.
        let job_id =
            quotes::enqueue_quote(&state.db, &state.storage, &file_name, bytes, &profile, material, engine)
                .await
                .map_err(quote_error)?;
        let events_url = format!("/api/jobs/{job_id}/events");
        return Ok((StatusCode::ACCEPTED, Json(json!({ "job_id": job_id, "events_url": events_url }))));
    }
    let book = state.config.price_book(&profile).expect("the profile was checked");
    let request = QuoteRequest { file_name, bytes, book, material, engine };
    let (id, quote) = quotes::quote_with(&state, request).await.map_err(quote_error)?;
    let mut body = serde_json::to_value(&quote).expect("a quote serialises");
    body["id"] = json!(id);
    Ok((StatusCode::CREATED, Json(body)))
}

fn invalid(field: &'static str, message: impl Into<String>) -> ApiError {
    ApiError::Invalid { field, message: message.into() }
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

fn multipart_error(error: MultipartError) -> ApiError {
    ApiError::Body { status: error.status(), message: error.body_text() }
}
