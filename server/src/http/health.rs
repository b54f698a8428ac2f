//! `/healthz`: the process answers. `/readyz`: it can do its job (database
//! and storage both answer), so a load balancer can route to it.

use std::time::Duration;

use axum::Json;
use axum::extract::State;
use axum::response::IntoResponse;
use http::StatusCode;

use crate::platform::readiness::REUSE_GOOD_FOR;
use crate::state::AppState;

const CHECK_TIMEOUT: Duration = Duration::from_secs(3);

#[utoipa::path(get, path = "/healthz", tag = "operations",
    responses((status = 200, description = "The process answers", content_type = "text/plain", body = String)))]
pub async fn alive() -> &'static str {
    "ok"
}

#[utoipa::path(get, path = "/readyz", tag = "operations",
    responses(
        (status = 200, description = "Database and storage both answer", body = Readiness),
        (status = 503, description = "One of them does not; which, in our words", body = Readiness),
    ))]
pub async fn ready(State(state): State<AppState>) -> impl IntoResponse {
    let mut last = state.readiness.0.lock().await;
    if let Some((at, body)) = last.as_ref()
        && at.elapsed() < REUSE_GOOD_FOR
    {
        return (StatusCode::OK, Json(body.clone()));
    }
    let (database, storage) = tokio::join!(
        check(async { state.db.ping().await.map_err(|e| e.to_string()) }),
        check(async { state.storage.check().await.map_err(|e| e.to_string()) }),
    );
    let ready = database.is_ok() && storage.is_ok();
    let status = if ready { StatusCode::OK } else { StatusCode::SERVICE_UNAVAILABLE };
    let body = serde_json::to_value(Readiness {
        status: if ready { "ready" } else { "unavailable" }.into(),
        database: report("database", database),
        storage: report("storage", storage),
        // How open pages hear of changes: "notify" (PostgreSQL's LISTEN is
        // connected, so changes from every instance arrive at once) or
        // "polling" (SQLite, or the listener reconnecting). Not a readiness
        // condition: polling still works, a little later.
        live_updates: state.changes.mode().to_string(),
    })
    .expect("readiness serialises");
    *last = ready.then(|| (std::time::Instant::now(), body.clone()));
    (status, Json(body))
}

async fn check(probe: impl Future<Output = Result<(), String>>) -> Result<(), String> {
    tokio::time::timeout(CHECK_TIMEOUT, probe)
        .await
        .unwrap_or_else(|_| Err(format!("no answer within {} s", CHECK_TIMEOUT.as_secs())))
}

/// A check's result for the answer: whether it is ok, and if not, our
/// words only. `/readyz` is public; the cause (a host, a path, a driver's
/// message) goes to the log.
fn report(part: &str, result: Result<(), String>) -> PartReadiness {
    match result {
        Ok(()) => PartReadiness { ok: true, error: None },
        Err(error) => {
            tracing::warn!(part, %error, "not ready");
            let said = if error.starts_with("no answer within") {
                error
            } else {
                "it failed; see the server's log".into()
            };
            PartReadiness { ok: false, error: Some(said) }
        }
    }
}

/// What `/readyz` answers.
#[derive(serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct Readiness {
    /// `ready` or `unavailable`.
    pub status: String,
    pub database: PartReadiness,
    pub storage: PartReadiness,
    /// `notify` (PostgreSQL's LISTEN) or `polling`.
    pub live_updates: String,
}

#[derive(serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct PartReadiness {
    pub ok: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}
