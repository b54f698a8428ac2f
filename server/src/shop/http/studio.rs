//! The studio over HTTP: its state, an exact price for a keepsake's
//! settings, and the keepsake's files.

use app::studio::StudioSettings;
use axum::Extension;
use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, State};
use axum::response::IntoResponse;
use http::StatusCode;
use http::header::{CACHE_CONTROL, CONTENT_DISPOSITION, CONTENT_TYPE};
use serde_json::json;

use crate::generation::http::concepts::owned_creation;
use crate::http::error::ApiError;
use crate::http::session::Visitor;
use crate::shop::studio::{self};
use crate::state::AppState;

/// `GET /api/creations/{id}/studio`: the model, the saved settings and the
/// latest price (the studio page's data).
pub async fn show(
    State(state): State<AppState>,
    Extension(visitor): Extension<Visitor>,
    Path(id): Path<String>,
) -> Result<impl IntoResponse, ApiError> {
    owned_creation(&state, &visitor, &id).await?;
    let view = studio::view(&state, &id, crate::shop::pages::quote_progress).await?;
    Ok(Json(view))
}

/// `POST /api/creations/{id}/studio/quote` with the settings → `202
/// {"job_id", "events_url", "mesh_sha256"}`: the settings are saved, the
/// keepsake is built here and sliced by a `quote` job.
pub async fn quote(
    State(state): State<AppState>,
    Extension(visitor): Extension<Visitor>,
    Path(id): Path<String>,
    body: Result<Json<StudioSettings>, JsonRejection>,
) -> Result<impl IntoResponse, ApiError> {
    owned_creation(&state, &visitor, &id).await?;
    let Json(settings) = body?;
    let spec = settings.to_spec()?;
    let priced = studio::price(&state, &id, spec).await?;
    let events_url = format!("/api/jobs/{}/events", priced.job_id);
    Ok((
        StatusCode::ACCEPTED,
        Json(json!({ "job_id": priced.job_id, "events_url": events_url, "mesh_sha256": priced.mesh_sha256 })),
    ))
}

/// `GET /api/creations/{id}/keepsake.stl`: exactly what will be printed,
/// for the saved settings.
pub async fn stl(
    State(state): State<AppState>,
    Extension(visitor): Extension<Visitor>,
    Path(id): Path<String>,
) -> Result<impl IntoResponse, ApiError> {
    owned_creation(&state, &visitor, &id).await?;
    let built = studio::build_saved(&state, &id).await?;
    Ok(download("stl", "model/stl", built.stl))
}

/// `GET /api/creations/{id}/keepsake.3mf`: the same solid as a 3MF (in
/// millimetres, titled with the creation's name).
pub async fn three_mf(
    State(state): State<AppState>,
    Extension(visitor): Extension<Visitor>,
    Path(id): Path<String>,
) -> Result<impl IntoResponse, ApiError> {
    let creation = owned_creation(&state, &visitor, &id).await?;
    let built = studio::build_saved(&state, &id).await?;
    let title = creation.story.hobbies.first().cloned().unwrap_or_else(|| "Keepsake".into());
    let bytes = geometry::io::three_mf::write(&built.mesh, &title)
        .map_err(|e| ApiError::Internal(format!("writing the 3MF: {e}")))?;
    Ok(download("3mf", "model/3mf", bytes.into()))
}

fn download(extension: &str, content_type: &'static str, bytes: bytes::Bytes) -> impl IntoResponse + use<> {
    let disposition = format!("attachment; filename=\"memoreez-keepsake.{extension}\"");
    // Built from the settings saved now; they change, so never cached for long.
    (
        [
            (CONTENT_TYPE, content_type.to_string()),
            (CONTENT_DISPOSITION, disposition),
            (CACHE_CONTROL, "private, no-cache".to_string()),
        ],
        bytes,
    )
}
