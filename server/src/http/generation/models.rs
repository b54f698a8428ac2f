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
    /// (standing, the default), `medallion` (flat) or `figure` (rounded,
    /// standing).
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
    Ok(started(job_id))
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
    model_file(&state, &files, &file).await
}

/// `GET /media/models/{id}/versions/{job}/model.stl` and `…/thumbnail.png`:
/// one of the creation's versions, for the owner.
#[utoipa::path(get, path = "/media/models/{id}/versions/{job}/{file}", tag = "creations",
    params(
        ("id" = String, Path, description = "The creation's id"),
        ("job" = String, Path, description = "The version's job id"),
        ("file" = String, Path, description = "`model.stl` or `thumbnail.png`"),
    ),
    responses(
        (status = 200, description = "The version's model (binary STL) or its picture (PNG)", content_type = "application/octet-stream", body = crate::http::openapi::Binary),
        (status = 404, description = "No such version of this browser's", body = crate::http::error::ErrorBody),
    ))]
pub async fn version_media(
    State(state): State<AppState>,
    Extension(visitor): Extension<Visitor>,
    Path((id, job, file)): Path<(String, String, String)>,
) -> Result<impl IntoResponse, ApiError> {
    owned_creation(&state, &visitor, &id).await?;
    let files = model3d::files_of(&state.db, &id, &job).await?.ok_or(ApiError::NotFound)?;
    model_file(&state, &files, &file).await
}

async fn model_file(
    state: &AppState,
    files: &model3d::ModelFiles,
    file: &str,
) -> Result<impl IntoResponse + use<>, ApiError> {
    let (key, content_type) = match file {
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

/// `GET /api/creations/{id}/model`: the creation's model, where its making
/// is, and every version made.
#[utoipa::path(get, path = "/api/creations/{id}/model", tag = "creations",
    params(("id" = String, Path, description = "The creation's id")),
    responses(
        (status = 200, description = "The model and its versions", body = app::model::ModelView),
        (status = 404, description = "No such creation of this browser's, or no model yet", body = crate::http::error::ErrorBody),
    ))]
pub async fn show(
    State(state): State<AppState>,
    Extension(visitor): Extension<Visitor>,
    Path(id): Path<String>,
) -> Result<Json<app::model::ModelView>, ApiError> {
    owned_creation(&state, &visitor, &id).await?;
    Ok(Json(model3d::view_with_versions(&state.db, &id, state.models.makes_forms()).await?))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AnotherVersion {
    /// For a design the embedded maker makes: the new version's form
    /// (`plaque`, `medallion` or `figure`); the chosen version's if left out.
    #[serde(default)]
    form: Option<app::model::KeepsakeForm>,
}

/// `POST /api/creations/{id}/versions` `{"form"?}` → `202 {"job_id", "events_url"}`:
/// "Make another version" — a new model of the same design, or another
/// preview of the same description, made and chosen; the earlier ones stay.
#[utoipa::path(post, path = "/api/creations/{id}/versions", tag = "creations",
    params(("id" = String, Path, description = "The creation's id")),
    request_body = AnotherVersion,
    responses(
        (status = 202, description = "The new version is being made", body = crate::http::openapi::JobStarted),
        (status = 400, description = "Not JSON, or a field we do not know", body = crate::http::error::ErrorBody),
        (status = 404, description = "No such creation of this browser's, or no model yet", body = crate::http::error::ErrorBody),
        (status = 409, description = "A version is still being made, the most versions are made, or the model is an upload", body = crate::http::error::ErrorBody),
        (status = 422, description = "The body is JSON but not a form we know", body = crate::http::error::ErrorBody),
        (status = 429, description = "Over a limit; see Retry-After", body = crate::http::error::ErrorBody),
    ))]
pub async fn make_another(
    State(state): State<AppState>,
    Extension(visitor): Extension<Visitor>,
    Path(id): Path<String>,
    body: Result<Json<AnotherVersion>, JsonRejection>,
) -> Result<impl IntoResponse, ApiError> {
    owned_creation(&state, &visitor, &id).await?;
    let Json(another) = body?;
    let job_id = model3d::make_another(&state.db, &id, another.form).await?;
    Ok(started(job_id))
}

/// `POST /api/creations/{id}/versions/{job}/choose` → `204`: a made version
/// becomes the chosen model (the studio's and the order's).
#[utoipa::path(post, path = "/api/creations/{id}/versions/{job}/choose", tag = "creations",
    params(("id" = String, Path, description = "The creation's id"), ("job" = String, Path, description = "The version's job id")),
    responses(
        (status = 204, description = "Chosen"),
        (status = 404, description = "No such version of this browser's", body = crate::http::error::ErrorBody),
        (status = 409, description = "That version is not made yet", body = crate::http::error::ErrorBody),
        (status = 429, description = "Over a limit; see Retry-After", body = crate::http::error::ErrorBody),
    ))]
pub async fn choose(
    State(state): State<AppState>,
    Extension(visitor): Extension<Visitor>,
    Path((id, job)): Path<(String, String)>,
) -> Result<StatusCode, ApiError> {
    owned_creation(&state, &visitor, &id).await?;
    model3d::choose(&state.db, &id, &job).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Refinement {
    /// What the service paints it after; left out or empty, its own choice.
    #[serde(default)]
    texture_prompt: Option<String>,
}

/// `POST /api/creations/{id}/versions/{job}/refine` `{"texture_prompt"?}` →
/// `202 {"job_id", "events_url"}`: a made text → 3D preview refined at the
/// service (the paid step, within its daily ceiling) as a new version.
#[utoipa::path(post, path = "/api/creations/{id}/versions/{job}/refine", tag = "creations",
    params(("id" = String, Path, description = "The creation's id"), ("job" = String, Path, description = "The preview's job id")),
    request_body = Refinement,
    responses(
        (status = 202, description = "The refined version is being made", body = crate::http::openapi::JobStarted),
        (status = 400, description = "Not JSON, or a field we do not know", body = crate::http::error::ErrorBody),
        (status = 404, description = "No such version of this browser's", body = crate::http::error::ErrorBody),
        (status = 409, description = "Not a made preview, or the most versions are made", body = crate::http::error::ErrorBody),
        (status = 422, description = "The body is JSON but not a refinement", body = crate::http::error::ErrorBody),
        (status = 429, description = "Over a limit; see Retry-After", body = crate::http::error::ErrorBody),
    ))]
pub async fn refine(
    State(state): State<AppState>,
    Extension(visitor): Extension<Visitor>,
    Path((id, job)): Path<(String, String)>,
    body: Result<Json<Refinement>, JsonRejection>,
) -> Result<impl IntoResponse, ApiError> {
    owned_creation(&state, &visitor, &id).await?;
    let Json(refinement) = body?;
    let job_id = model3d::refine(&state.db, &id, &job, refinement.texture_prompt.as_deref()).await?;
    Ok(started(job_id))
}

fn started(job_id: String) -> (StatusCode, Json<crate::http::openapi::JobStarted>) {
    let events_url = format!("/api/jobs/{job_id}/events");
    (StatusCode::ACCEPTED, Json(crate::http::openapi::JobStarted { job_id, events_url }))
}
