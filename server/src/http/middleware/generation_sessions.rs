//! A customer's generation session: the stretch of designing in which they
//! ask for concepts, more concepts and models. It is a random token in an
//! HttpOnly, SameSite cookie (Secure behind HTTPS) that ends after
//! `MEMOREEZ_SESSION_IDLE_MINUTES` (30) without a generation, and it holds at
//! most `MEMOREEZ_GENERATIONS_PER_SESSION` of them: a tab left clicking
//! "Explore more" cannot spend the address's whole budget.
//!
//! What a customer made does not belong to the session: creations belong to
//! the long-lived visitor cookie (`session`), so "My models" survive the
//! session's end, a closed browser tab, and the next day.

use axum::extract::Request;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use http::HeaderValue;
use http::header::SET_COOKIE;

use crate::http::session::Visitor;
use crate::platform::db::Db;
use crate::platform::time::now_ms;
use crate::platform::tokens::{cookie, new_token, token_hash};
use crate::platform::visitors::VisitorId;
use crate::state::AppState;

pub const COOKIE_NAME: &str = "memoreez_session";

/// A live session, as the database has it.
#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct Session {
    pub id_hash: String,
    pub generations: i64,
    pub last_seen_at: i64,
}

/// The visitor's live session named by `token`, if it has not gone idle.
pub async fn find(
    db: &Db,
    visitor: &VisitorId,
    token: &str,
    idle_ms: i64,
    now: i64,
) -> sqlx::Result<Option<Session>> {
    sqlx::query_as(
        "SELECT id_hash, generations, last_seen_at FROM generation_sessions \
         WHERE id_hash = $1 AND visitor_id = $2 AND last_seen_at > $3",
    )
    .bind(token_hash(token))
    .bind(&visitor.0)
    .bind(now - idle_ms)
    .fetch_optional(db.pool())
    .await
}

/// Starts a session for `visitor`; its token. Sessions long idle are dropped.
pub async fn start(db: &Db, visitor: &VisitorId, idle_ms: i64, now: i64) -> sqlx::Result<String> {
    let token = new_token();
    sqlx::query(
        "INSERT INTO generation_sessions (id_hash, visitor_id, started_at, last_seen_at, generations) \
         VALUES ($1, $2, $3, $3, 0)",
    )
    .bind(token_hash(&token))
    .bind(&visitor.0)
    .bind(now)
    .execute(db.pool())
    .await?;
    sqlx::query("DELETE FROM generation_sessions WHERE last_seen_at < $1")
        .bind(now - idle_ms)
        .execute(db.pool())
        .await?;
    Ok(token)
}

/// Counts one generation the session asked for.
pub async fn count(db: &Db, id_hash: &str, now: i64) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE generation_sessions SET generations = generations + 1, last_seen_at = $2 WHERE id_hash = $1",
    )
    .bind(id_hash)
    .bind(now)
    .execute(db.pool())
    .await?;
    Ok(())
}

/// Runs a generation request inside the visitor's session (starting one if
/// theirs went idle), refusing it when the session has had its share.
pub async fn guard(state: &AppState, request: Request, next: Next) -> Response {
    let idle_ms = i64::try_from(state.config.session_idle_minutes).unwrap_or(30) * 60_000;
    let cap = i64::from(state.config.generations_per_session);
    let now = now_ms();
    let Some(visitor) = request.extensions().get::<Visitor>().cloned() else {
        return next.run(request).await;
    };
    let visitor_id = visitor.id();
    let token = cookie(request.headers(), COOKIE_NAME);
    let session = match &token {
        Some(token) => find(&state.db, &visitor_id, token, idle_ms, now).await,
        None => Ok(None),
    };
    let (token, session) = match session {
        Ok(Some(session)) => (token.unwrap_or_default(), session),
        Ok(None) => match start(&state.db, &visitor_id, idle_ms, now).await {
            Ok(token) => {
                let session = Session { id_hash: token_hash(&token), generations: 0, last_seen_at: now };
                (token, session)
            }
            Err(error) => return unguarded(error, request, next).await,
        },
        Err(error) => return unguarded(error, request, next).await,
    };
    if session.generations >= cap {
        let retry_after_ms = session.last_seen_at + idle_ms - now;
        let (parts, _) = request.into_parts();
        tracing::info!(generations = session.generations, "generation session at its cap");
        return crate::http::middleware::refusals::too_many_requests(&parts, (retry_after_ms + 999) / 1000);
    }
    let mut response = next.run(request).await;
    // Only work that was taken on counts: a refused story costs nothing.
    if response.status().is_success() || response.status().is_redirection() {
        if let Err(error) = count(&state.db, &session.id_hash, now).await {
            tracing::warn!(%error, "could not count a generation");
        }
        let secure = if state.config.public_url.starts_with("https:") { "; Secure" } else { "" };
        let cookie = format!(
            "{COOKIE_NAME}={token}; Path=/; Max-Age={}; HttpOnly; SameSite=Lax{secure}",
            idle_ms / 1000
        );
        if let Ok(value) = HeaderValue::from_str(&cookie) {
            response.headers_mut().append(SET_COOKIE, value);
        }
    }
    response
}

/// The sessions' table could not be read: without a database the request is
/// answered 503 at once; otherwise it goes on without a session cap (the
/// address's budget still holds).
async fn unguarded(error: sqlx::Error, request: Request, next: Next) -> Response {
    if crate::platform::app_error::is_outage(&error) {
        crate::http::error::ApiError::from(error).into_response()
    } else {
        tracing::warn!(%error, "generation session could not be checked");
        next.run(request).await
    }
}
