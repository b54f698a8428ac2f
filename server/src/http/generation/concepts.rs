//! A creation's concepts over HTTP: the live stream of pictures as they are
//! drawn, "Explore more", retrying one that failed, and the pictures.

use std::convert::Infallible;
use std::time::Duration;

use app::concept::{Concept, ConceptEvent, ConceptStatus, Delivered};
use app::creation::Creation;
use app::report::FunnelStep;
use axum::Extension;
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::response::IntoResponse;
use axum::response::sse::{Event, KeepAlive, Sse};
use futures_util::Stream;
use http::header::{CACHE_CONTROL, CONTENT_TYPE};
use http::{HeaderMap, StatusCode};
use serde::Deserialize;

use crate::generation::concepts::store::{self};
use crate::http::error::ApiError;
use crate::http::session::Visitor;
use crate::state::AppState;

const POLL: Duration = Duration::from_millis(100);

/// The visitor's creation, or 404 (also for someone else's).
pub async fn owned_creation(state: &AppState, visitor: &Visitor, id: &str) -> Result<Creation, ApiError> {
    let Some(visitor) = visitor.existing_id() else { return Err(ApiError::NotFound) };
    crate::generation::creations::find(&state.db, &visitor, id).await?.ok_or(ApiError::NotFound)
}

#[derive(Deserialize)]
pub struct StreamQuery {
    /// What the browser already has, as a Last-Event-ID would say it.
    #[serde(default)]
    seen: Option<String>,
}

/// `GET /api/creations/{id}/concepts/stream`: `concept` `{"index", "title",
/// "image_url"}` as each picture is ready, `concept_failed` `{"index",
/// "title", "reason"}` for one that could not be drawn, then `done` when
/// none is pending. Each event's id says what has been delivered, so a
/// reconnect (Last-Event-ID, or `?seen=`) resumes without repeats.
pub async fn stream(
    State(state): State<AppState>,
    Extension(visitor): Extension<Visitor>,
    Extension(client): Extension<crate::platform::client_address::ClientAddress>,
    Path(id): Path<String>,
    Query(query): Query<StreamQuery>,
    headers: HeaderMap,
) -> Result<Sse<impl Stream<Item = Result<Event, Infallible>>>, ApiError> {
    owned_creation(&state, &visitor, &id).await?;
    let place = crate::http::guards::open_stream(&state, &client)?;
    let resume =
        headers.get("last-event-id").and_then(|v| v.to_str().ok()).map(str::to_string).or(query.seen);
    let delivered = Delivered::parse(resume.as_deref().unwrap_or_default());
    let (db, creation_id) = (state.db.clone(), id.clone());
    let followed = state.readings.concepts.follow(
        &state.changes,
        &crate::platform::changes::topic("creation", &id),
        (crate::platform::readings::same_topic, POLL),
        place,
        move || {
            let (db, id) = (db.clone(), creation_id.clone());
            // Unreadable for a moment: the last list stands.
            async move { store::list(&db, &id).await.ok() }
        },
    );
    // (state, creation id, what was delivered, whether `done` was sent, the
    // concepts' shared list, the list being worked through)
    let start = (state, id, delivered, false, followed, None::<Vec<Concept>>);
    let events = futures_util::stream::unfold(
        start,
        |(state, id, mut delivered, ended, mut followed, mut current)| async move {
            if ended {
                return None;
            }
            loop {
                // One event per call: the list stays until every change in it is sent.
                let concepts = match current.take() {
                    Some(concepts) => concepts,
                    // The stream's time is up: end it; the browser reconnects where it was.
                    None => followed.next().await?,
                };
                if let Some(concept) = concepts.iter().find(|c| !delivered.has(c.index, c.status)) {
                    delivered.mark(concept.index, concept.status);
                    if concept.status == ConceptStatus::Ready {
                        crate::reports::funnel::seen(&state.db, &id, FunnelStep::ConceptsShown).await;
                    }
                    let event = concept_event(concept).id(delivered.as_str());
                    return Some((Ok(event), (state, id, delivered, false, followed, Some(concepts))));
                }
                if concepts.iter().all(|c| c.status != ConceptStatus::Pending) {
                    let event = Event::default().event("done").id(delivered.as_str()).data("{}");
                    return Some((Ok(event), (state, id, delivered, true, followed, None)));
                }
            }
        },
    );
    Ok(Sse::new(events).keep_alive(KeepAlive::default()))
}

fn concept_event(concept: &Concept) -> Event {
    let ready = concept.status == ConceptStatus::Ready;
    let data = ConceptEvent {
        index: concept.index,
        title: concept.title.clone(),
        image_url: concept.image_url.clone(),
        reason: concept.error.clone().filter(|_| !ready),
        motif: concept.motif.clone(),
        words: concept.words.clone(),
    };
    let name = if ready { "concept" } else { "concept_failed" };
    Event::default().event(name).data(serde_json::to_string(&data).expect("an event serialises"))
}

/// `POST /api/creations/{id}/concepts`: four more designs → `202 {"indices"}`;
/// `409` when the story has had all it gets.
#[utoipa::path(post, path = "/api/creations/{id}/concepts", tag = "creations",
    params(("id" = String, Path, description = "The creation's id")),
    responses(
        (status = 202, description = "Four more designs are being drawn", body = MoreDesigns),
        (status = 404, description = "No such creation of this browser's", body = crate::http::error::ErrorBody),
        (status = 409, description = "The story has had all the designs it gets", body = crate::http::error::ErrorBody),
        (status = 429, description = "Over a limit; see Retry-After", body = crate::http::error::ErrorBody),
    ))]
pub async fn explore_more(
    State(state): State<AppState>,
    Extension(visitor): Extension<Visitor>,
    Path(id): Path<String>,
) -> Result<impl IntoResponse, ApiError> {
    let creation = owned_creation(&state, &visitor, &id).await?;
    if !creation.has_designs() {
        return Err(ApiError::NotFound);
    }
    let indices = store::add_batch(
        (&state.db, &state.config),
        state.writer.as_ref(),
        &id,
        &creation.story,
        creation.kind,
    )
    .await?;
    Ok((StatusCode::ACCEPTED, Json(MoreDesigns { indices })))
}

/// The designs being drawn, by their place in the gallery.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct MoreDesigns {
    pub indices: Vec<u32>,
}

/// A failed design being drawn again.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct Redrawing {
    pub index: u32,
}

/// `POST /api/creations/{id}/concepts/{index}/retry`: draw a failed design
/// again → `202`; `409` if it has not failed.
#[utoipa::path(post, path = "/api/creations/{id}/concepts/{index}/retry", tag = "creations",
    params(("id" = String, Path, description = "The creation's id"), ("index" = u32, Path, description = "The design's place in the gallery")),
    responses(
        (status = 202, description = "Being drawn again", body = Redrawing),
        (status = 400, description = "The index is not a number", body = crate::http::error::ErrorBody),
        (status = 404, description = "No such creation of this browser's", body = crate::http::error::ErrorBody),
        (status = 409, description = "That design has not failed", body = crate::http::error::ErrorBody),
        (status = 429, description = "Over a limit; see Retry-After", body = crate::http::error::ErrorBody),
    ))]
pub async fn retry(
    State(state): State<AppState>,
    Extension(visitor): Extension<Visitor>,
    Path((id, index)): Path<(String, u32)>,
) -> Result<impl IntoResponse, ApiError> {
    owned_creation(&state, &visitor, &id).await?;
    store::retry(&state.db, &id, index).await?;
    Ok((StatusCode::ACCEPTED, Json(Redrawing { index })))
}

/// `GET /media/concepts/{id}/{index}.png`: the picture, for its owner only.
#[utoipa::path(get, path = "/media/concepts/{id}/{file}", tag = "creations",
    params(("id" = String, Path, description = "The creation's id"), ("file" = String, Path, description = "`{index}.png`")),
    responses(
        (status = 200, description = "The picture (PNG, or JPEG from some services)", content_type = "image/png", body = crate::http::openapi::Binary),
        (status = 404, description = "No such ready design of this browser's", body = crate::http::error::ErrorBody),
    ))]
pub async fn image(
    State(state): State<AppState>,
    Extension(visitor): Extension<Visitor>,
    Path((id, file)): Path<(String, String)>,
) -> Result<impl IntoResponse, ApiError> {
    owned_creation(&state, &visitor, &id).await?;
    let index: u32 = file.strip_suffix(".png").and_then(|n| n.parse().ok()).ok_or(ApiError::NotFound)?;
    let concept = store::find(&state.db, &id, index).await?;
    if concept.is_none_or(|c| c.status != ConceptStatus::Ready) {
        return Err(ApiError::NotFound);
    }
    let png = state.storage.get(&store::image_key(&id, index)).await.map_err(|_| ApiError::NotFound)?;
    // Image services may answer JPEG; the name stays .png, the type says what it is.
    let content_type = if png.starts_with(&[0xFF, 0xD8, 0xFF]) { "image/jpeg" } else { "image/png" };
    // A ready picture never changes; it is private to the visitor.
    Ok(([(CONTENT_TYPE, content_type), (CACHE_CONTROL, "private, max-age=31536000, immutable")], png))
}
