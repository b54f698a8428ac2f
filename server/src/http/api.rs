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
use slicing::prusa::SliceError;
use slicing::quote::{Engine, QuoteError};

use crate::creations;
use crate::error::ApiError;
use crate::quotes::{self, QuoteFailure, QuoteRequest};
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
        match name.as_str() {
            "file" => {
                let file_name = field.file_name().unwrap_or("model").to_string();
                file = Some((file_name, field.bytes().await.map_err(multipart_error)?.to_vec()));
            }
            "wait" => {
                wait = match field.text().await.map_err(multipart_error)?.as_str() {
                    "true" => true,
                    "false" => false,
                    _ => {
                        return Err(ApiError::Invalid {
                            field: "wait",
                            message: "expected true or false".into(),
                        });
                    }
                };
            }
            "profile" | "material" | "engine" => {
                let value = field.text().await.map_err(multipart_error)?;
                let invalid = |message: String| ApiError::Invalid { field: static_name(&name), message };
                match name.as_str() {
                    "profile" if value == "shop" || value == "lab" => profile = value,
                    "profile" => return Err(invalid("expected shop or lab".into())),
                    "material" => material = value.parse().map_err(invalid)?,
                    _ => engine = value.parse().map_err(invalid)?,
                }
            }
            _ => {
                return Err(ApiError::Invalid { field: "form", message: format!("unknown field {name:?}") });
            }
        }
    }
    let Some((file_name, bytes)) = file else {
        return Err(ApiError::Invalid {
            field: "file",
            message: "Attach a model file (STL, OBJ or 3MF).".into(),
        });
    };
    if !wait {
        // As a background job: answer at once; progress and the quote come
        // over GET /api/jobs/{id}/events.
        let job_id =
            quotes::enqueue_quote(&state.db, &state.storage, &file_name, bytes, &profile, material, engine)
                .await
                .map_err(|failure| match failure {
                    QuoteFailure::Model(message) => ApiError::Invalid { field: "file", message },
                    other => ApiError::Internal(other.to_string()),
                })?;
        let events_url = format!("/api/jobs/{job_id}/events");
        return Ok((StatusCode::ACCEPTED, Json(json!({ "job_id": job_id, "events_url": events_url }))));
    }
    let book = if profile == "lab" {
        ("lab", state.config.lab.clone())
    } else {
        ("shop", state.config.shop.clone())
    };
    let request = QuoteRequest { file_name, bytes, book, material, engine };
    let outcome = quotes::quote_with(&state, request).await;
    let (id, quote) = outcome.map_err(|failure| match failure {
        QuoteFailure::Model(message) => ApiError::Invalid { field: "file", message },
        QuoteFailure::Quote(QuoteError::Slice(error @ SliceError::Failed(_))) => {
            ApiError::Invalid { field: "file", message: error.to_string() }
        }
        QuoteFailure::Quote(QuoteError::Slice(error @ (SliceError::Missing(_) | SliceError::Timeout(_)))) => {
            ApiError::Body { status: StatusCode::SERVICE_UNAVAILABLE, message: error.to_string() }
        }
        QuoteFailure::Quote(QuoteError::Slice(error @ SliceError::NotFilament(_))) => {
            ApiError::Invalid { field: "engine", message: error.to_string() }
        }
        other => ApiError::Internal(other.to_string()),
    })?;
    let mut body = serde_json::to_value(&quote).expect("a quote serialises");
    body["id"] = json!(id);
    Ok((StatusCode::CREATED, Json(body)))
}

fn static_name(name: &str) -> &'static str {
    match name {
        "profile" => "profile",
        "material" => "material",
        _ => "engine",
    }
}

fn multipart_error(error: MultipartError) -> ApiError {
    ApiError::Body { status: error.status(), message: error.body_text() }
}
