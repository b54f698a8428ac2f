//! `GET /metrics`: the figures of `platform::metrics`, for signed-in staff
//! or a scraper that shows `MEMOREEZ_METRICS_TOKEN` as a bearer token.

use axum::extract::State;
use axum::response::{IntoResponse, Response};
use http::header::{AUTHORIZATION, CONTENT_TYPE, WWW_AUTHENTICATE};
use http::{HeaderMap, StatusCode};

use crate::platform::metrics::{Backlog, render};
use crate::state::AppState;

/// `GET /metrics`.
pub async fn show(State(state): State<AppState>, headers: HeaderMap) -> Response {
    match allowed(&state, &headers).await {
        Ok(true) => {}
        Ok(false) => {
            return (
                StatusCode::UNAUTHORIZED,
                [(WWW_AUTHENTICATE, "Bearer realm=\"metrics\"")],
                "Sign in as staff, or send MEMOREEZ_METRICS_TOKEN as a bearer token.",
            )
                .into_response();
        }
        Err(error) => return crate::http::error::ApiError::from(error).into_response(),
    }
    match backlog(&state.db).await {
        Ok(backlog) => {
            ([(CONTENT_TYPE, "application/openmetrics-text; version=1.0.0; charset=utf-8")], render(&backlog))
                .into_response()
        }
        Err(error) => crate::http::error::ApiError::from(error).into_response(),
    }
}

/// The database's figures, from the rooms that own them.
async fn backlog(db: &crate::platform::db::Db) -> sqlx::Result<Backlog> {
    Ok(Backlog {
        jobs: crate::jobs::queue::counts(db).await?,
        oldest_queued: crate::jobs::queue::oldest_queued(db).await?,
        emails_pending: crate::mail::outbox::pending(db).await?,
    })
}

/// Staff, or the metrics token when one is set.
async fn allowed(state: &AppState, headers: &HeaderMap) -> sqlx::Result<bool> {
    let bearer = headers
        .get(AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.strip_prefix("Bearer "));
    // Compared as hashes: how long the comparison takes says nothing of the token.
    if let (Some(bearer), Some(expected)) = (bearer, &state.metrics_token_hash)
        && crate::platform::tokens::token_hash(bearer.trim()) == *expected
    {
        return Ok(true);
    }
    crate::staff::sign_in::signed_in(&state.db, headers, state.config.staff_idle_minutes).await
}
