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

use crate::http::error::ApiError;
use crate::http::generation::concepts::owned_creation;
use crate::http::session::Visitor;
use crate::shop::studio::{self};
use crate::state::AppState;

/// `GET /api/creations/{id}/studio`: the model, the saved settings and the
/// latest price (the studio page's data).
#[utoipa::path(get, path = "/api/creations/{id}/studio", tag = "shop",
    params(("id" = String, Path, description = "The creation's id")),
    responses(
        (status = 200, description = "The studio's data", body = app::studio::StudioView),
        (status = 404, description = "No such creation of this browser's", body = crate::http::error::ErrorBody),
        (status = 409, description = "Its model is not made yet", body = crate::http::error::ErrorBody),
        (status = 429, description = "This address has its share of mesh work open", body = crate::http::error::ErrorBody),
    ))]
pub async fn show(
    State(state): State<AppState>,
    Extension(visitor): Extension<Visitor>,
    Path(id): Path<String>,
) -> Result<impl IntoResponse, ApiError> {
    owned_creation(&state, &visitor, &id).await?;
    let view = studio::view(&state.shop(), &id, crate::http::shop::pages::quote_progress).await?;
    Ok(Json(view))
}

/// `POST /api/creations/{id}/studio/quote` with the settings → `202
/// {"job_id", "events_url", "mesh_sha256"}`: the settings are saved, the
/// keepsake is built here and sliced by a `quote` job.
#[utoipa::path(post, path = "/api/creations/{id}/studio/quote", tag = "shop",
    params(("id" = String, Path, description = "The creation's id")),
    request_body = StudioSettings,
    responses(
        (status = 202, description = "Saved, built, and being sliced", body = StudioPriceStarted),
        (status = 400, description = "Not JSON", body = crate::http::error::ErrorBody),
        (status = 404, description = "No such creation of this browser's", body = crate::http::error::ErrorBody),
        (status = 409, description = "Its model is not made yet", body = crate::http::error::ErrorBody),
        (status = 422, description = "Settings that cannot make a keepsake, and why", body = crate::http::error::ErrorBody),
        (status = 429, description = "Over a limit; see Retry-After", body = crate::http::error::ErrorBody),
    ))]
pub async fn quote(
    State(state): State<AppState>,
    Extension(visitor): Extension<Visitor>,
    Path(id): Path<String>,
    body: Result<Json<StudioSettings>, JsonRejection>,
) -> Result<impl IntoResponse, ApiError> {
    owned_creation(&state, &visitor, &id).await?;
    let Json(settings) = body?;
    let spec = settings.to_spec()?;
    let priced = studio::price(&state.shop(), &id, spec).await?;
    let events_url = format!("/api/jobs/{}/events", priced.job_id);
    Ok((
        StatusCode::ACCEPTED,
        Json(StudioPriceStarted { job_id: priced.job_id, events_url, mesh_sha256: priced.mesh_sha256 }),
    ))
}

/// A keepsake being priced: the `quote` job slicing it, and the SHA-256 of
/// the exact mesh it prices (an order of another mesh is refused).
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct StudioPriceStarted {
    pub job_id: String,
    pub events_url: String,
    pub mesh_sha256: String,
}

/// `GET /api/creations/{id}/keepsake.stl`: exactly what will be printed,
/// for the saved settings.
#[utoipa::path(get, path = "/api/creations/{id}/keepsake.stl", tag = "shop",
    params(("id" = String, Path, description = "The creation's id")),
    responses(
        (status = 200, description = "The keepsake as it will print: one watertight solid, binary STL", content_type = "model/stl", body = crate::http::openapi::Binary),
        (status = 404, description = "No such creation of this browser's", body = crate::http::error::ErrorBody),
        (status = 409, description = "Its model is not made yet", body = crate::http::error::ErrorBody),
        (status = 422, description = "Its saved settings cannot make a keepsake", body = crate::http::error::ErrorBody),
        (status = 429, description = "This address has its share of mesh work open", body = crate::http::error::ErrorBody),
    ))]
pub async fn stl(
    State(state): State<AppState>,
    Extension(visitor): Extension<Visitor>,
    Path(id): Path<String>,
) -> Result<impl IntoResponse, ApiError> {
    owned_creation(&state, &visitor, &id).await?;
    let built = studio::build_saved(&state.shop(), &id).await?;
    Ok(download("stl", "model/stl", built.stl))
}

/// `GET /api/creations/{id}/keepsake.3mf`: the same solid as a 3MF (in
/// millimetres, titled with the creation's name).
#[utoipa::path(get, path = "/api/creations/{id}/keepsake.3mf", tag = "shop",
    params(("id" = String, Path, description = "The creation's id")),
    responses(
        (status = 200, description = "The same solid as a 3MF, in millimetres", content_type = "model/3mf", body = crate::http::openapi::Binary),
        (status = 404, description = "No such creation of this browser's", body = crate::http::error::ErrorBody),
        (status = 409, description = "Its model is not made yet", body = crate::http::error::ErrorBody),
        (status = 422, description = "Its saved settings cannot make a keepsake", body = crate::http::error::ErrorBody),
        (status = 429, description = "This address has its share of mesh work open", body = crate::http::error::ErrorBody),
    ))]
pub async fn three_mf(
    State(state): State<AppState>,
    Extension(visitor): Extension<Visitor>,
    Path(id): Path<String>,
) -> Result<impl IntoResponse, ApiError> {
    let creation = owned_creation(&state, &visitor, &id).await?;
    let built = studio::build_saved(&state.shop(), &id).await?;
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
