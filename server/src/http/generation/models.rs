//! Picking a concept and fetching the model made from it.

use axum::Extension;
use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, State};
use axum::response::IntoResponse;
use http::StatusCode;
use http::header::{CACHE_CONTROL, CONTENT_DISPOSITION, CONTENT_TYPE};
use serde::Deserialize;

use crate::generation::model3d::{self};
use crate::http::error::ApiError;
use crate::http::generation::concepts::owned_creation;
use crate::http::session::Visitor;
use crate::state::AppState;

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Selection {
    concept: u32,
    /// What the design becomes with the embedded image → 3D: `plaque`
    /// (standing, the default) or `medallion` (flat).
    #[serde(default)]
    form: app::model::KeepsakeForm,
}

/// `POST /api/creations/{id}/select` `{"concept": n, "form": "plaque"}` → `202 {"job_id",
/// "events_url"}`: the model is made by a `mesh` job; its events end with
/// `done` `{"mesh_url", "thumbnail_url"}`.
#[utoipa::path(post, path = "/api/creations/{id}/select", tag = "creations",
    params(("id" = String, Path, description = "The creation's id")),
    request_body = Selection,
    responses(
        (status = 202, description = "The model is being made from that design", body = crate::http::openapi::JobStarted),
        (status = 400, description = "Not JSON, or a field we do not know", body = crate::http::error::ErrorBody),
        (status = 404, description = "No such creation of this browser's", body = crate::http::error::ErrorBody),
        (status = 409, description = "That design is not ready", body = crate::http::error::ErrorBody),
        (status = 422, description = "The body is JSON but not a selection", body = crate::http::error::ErrorBody),
        (status = 429, description = "Over a limit; see Retry-After", body = crate::http::error::ErrorBody),
    ))]
pub async fn select(
    State(state): State<AppState>,
    Extension(visitor): Extension<Visitor>,
    Path(id): Path<String>,
    body: Result<Json<Selection>, JsonRejection>,
) -> Result<impl IntoResponse, ApiError> {
    owned_creation(&state, &visitor, &id).await?;
    let Json(selection) = body?;
    let job_id = model3d::select(&state.db, &id, selection.concept, selection.form).await?;
    let events_url = format!("/api/jobs/{job_id}/events");
    Ok((StatusCode::ACCEPTED, Json(crate::http::openapi::JobStarted { job_id, events_url })))
}

/// `GET /media/models/{id}/model.stl` and `…/thumbnail.png`, for the owner.
#[utoipa::path(get, path = "/media/models/{id}/{file}", tag = "creations",
    params(("id" = String, Path, description = "The creation's id"), ("file" = String, Path, description = "`model.stl` or `thumbnail.png`")),
    responses(
        (status = 200, description = "The model (binary STL) or its picture (PNG)", content_type = "application/octet-stream", body = crate::http::openapi::Binary),
        (status = 404, description = "No such model of this browser's", body = crate::http::error::ErrorBody),
    ))]
pub async fn media(
    State(state): State<AppState>,
    Extension(visitor): Extension<Visitor>,
    Path((id, file)): Path<(String, String)>,
) -> Result<impl IntoResponse, ApiError> {
    owned_creation(&state, &visitor, &id).await?;
    let files = model3d::current_files(&state.db, &id).await?.ok_or(ApiError::NotFound)?;
    let (key, content_type) = match file.as_str() {
        "model.stl" => (files.mesh(), "model/stl"),
        "thumbnail.png" => (files.thumbnail(), "image/png"),
        _ => return Err(ApiError::NotFound),
    };
    let bytes = state.storage.get(&key).await.map_err(|_| ApiError::NotFound)?;
    let disposition =
        if file == "model.stl" { "attachment; filename=\"memoreez-model.stl\"" } else { "inline" };
    // A new pick makes a new model under the same name: never cached for long.
    Ok((
        [
            (CONTENT_TYPE, content_type),
            (CONTENT_DISPOSITION, disposition),
            (CACHE_CONTROL, "private, no-cache"),
        ],
        bytes,
    ))
}
