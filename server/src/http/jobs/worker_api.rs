//! The pull API for remote workers (`memoreez worker`, beside a GPU): claim
//! a job with a lease, fetch its input, heartbeat with progress, hand in the
//! result or fail with a reason. Authenticated by a worker token (`memoreez
//! admin worker-token`); the server never calls a worker, so a worker behind
//! a firewall or on a sleeping laptop loses nothing.

use axum::Json;
use axum::body::Bytes;
use axum::extract::{FromRequestParts, Path, Query, State};
use axum::response::{IntoResponse, Response};
use http::StatusCode;
use http::header::AUTHORIZATION;
use http::request::Parts;
use serde::Deserialize;

use crate::generation::image_to_3d::MakeError;
use crate::generation::model3d::{self, MeshJob};
use crate::http::error::ApiError;
use crate::jobs::kinds::Job;
use crate::jobs::queue;
use crate::state::AppState;

/// The kinds of job a remote worker may take: the registered kinds that
/// say so (`Job::REMOTE`), read from the one list the workers run.
fn remote_kinds() -> Vec<&'static str> {
    crate::workers::JOBS.iter().filter(|job| job.remote).map(|job| job.kind.name()).collect()
}

/// A request that carries a valid worker token: the token's name. As an
/// extractor it runs before the body is read, so a caller without a token
/// learns nothing about what the API expects.
pub struct Worker(String);

impl FromRequestParts<AppState> for Worker {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Worker, ApiError> {
        let token = parts
            .headers
            .get(AUTHORIZATION)
            .and_then(|value| value.to_str().ok())
            .and_then(|value| value.strip_prefix("Bearer "))
            .unwrap_or_default();
        let unauthorised = || ApiError::Body {
            status: StatusCode::UNAUTHORIZED,
            message: "A valid worker token is needed.".into(),
        };
        let name = crate::jobs::worker_tokens::worker_name(&state.db, token.trim())
            .await?
            .ok_or_else(unauthorised)?;
        Ok(Worker(name))
    }
}

/// The lease owner of a remote worker: its token's name and its own id.
fn owner(worker: &Worker, worker_id: &str) -> Result<String, ApiError> {
    let id: String =
        worker_id.chars().filter(|c| c.is_ascii_alphanumeric() || "-_.".contains(*c)).take(64).collect();
    if id.is_empty() {
        return Err(ApiError::Invalid {
            field: "worker_id".into(),
            message: "Name this worker (letters, digits, - _ .).".into(),
        });
    }
    Ok(format!("remote:{}:{id}", worker.0))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Claim {
    worker_id: String,
    kinds: Vec<String>,
    /// How long the lease lasts without a heartbeat, seconds (5–600).
    #[serde(default = "default_lease_s")]
    lease_s: i64,
}

fn default_lease_s() -> i64 {
    60
}

fn lease_ms(lease_s: i64) -> Result<i64, ApiError> {
    if !(5..=600).contains(&lease_s) {
        return Err(ApiError::Invalid {
            field: "lease_s".into(),
            message: "A lease lasts 5 to 600 seconds.".into(),
        });
    }
    Ok(lease_s * 1000)
}

/// `POST /api/worker/claim` `{"worker_id", "kinds": ["mesh"], "lease_s"}` →
/// `200 {"job_id", "kind", "payload", "attempt", "input_url"}`, or `204`
/// when there is nothing to do.
#[utoipa::path(post, path = "/api/worker/claim", tag = "workers",
    request_body = Claim,
    security(("worker_token" = [])),
    responses(
        (status = 200, description = "A job leased to this worker", body = ClaimedJob),
        (status = 204, description = "Nothing to do"),
        (status = 401, description = "No worker token, or not one of ours", body = crate::http::error::ErrorBody),
        (status = 422, description = "A field that cannot be used", body = crate::http::error::ErrorBody),
    ))]
pub async fn claim(
    State(state): State<AppState>,
    worker: Worker,
    Json(claim): Json<Claim>,
) -> Result<Response, ApiError> {
    let owner = owner(&worker, &claim.worker_id)?;
    let lease = lease_ms(claim.lease_s)?;
    let kinds: Vec<&str> = claim.kinds.iter().map(String::as_str).collect();
    let remote = remote_kinds();
    if kinds.is_empty() || !kinds.iter().all(|kind| remote.contains(kind)) {
        return Err(ApiError::Invalid {
            field: "kinds".into(),
            message: format!("Remote workers take {remote:?} jobs."),
        });
    }
    let Some(job) = queue::claim(&state.db, &kinds, &owner, lease).await? else {
        return Ok(StatusCode::NO_CONTENT.into_response());
    };
    let input_url = format!("/api/worker/jobs/{}/input", job.id);
    let body =
        ClaimedJob { job_id: job.id, kind: job.kind, payload: job.payload, attempt: job.attempt, input_url };
    Ok(Json(body).into_response())
}

/// A job leased to a worker: what to do, and where its input is.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct ClaimedJob {
    pub job_id: String,
    pub kind: String,
    /// The job's own description (for `mesh`: the creation and its chosen design).
    pub payload: serde_json::Value,
    pub attempt: i64,
    pub input_url: String,
}

/// Taken.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct Taken {
    pub ok: bool,
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Beat {
    worker_id: String,
    stage: String,
    percent: i64,
    #[serde(default = "default_lease_s")]
    lease_s: i64,
}

/// `POST /api/worker/jobs/{id}/heartbeat` `{"worker_id", "stage", "percent",
/// "lease_s"}` → `200`, or `409` when the lease is no longer this worker's
/// (stop working on it).
#[utoipa::path(post, path = "/api/worker/jobs/{id}/heartbeat", tag = "workers",
    params(("id" = String, Path, description = "The job's id")),
    request_body = Beat,
    security(("worker_token" = [])),
    responses(
        (status = 200, description = "The lease goes on", body = Taken),
        (status = 401, description = "No worker token, or not one of ours", body = crate::http::error::ErrorBody),
        (status = 409, description = "The lease is no longer this worker's: stop", body = crate::http::error::ErrorBody),
        (status = 422, description = "A field that cannot be used", body = crate::http::error::ErrorBody),
    ))]
pub async fn heartbeat(
    State(state): State<AppState>,
    worker: Worker,
    Path(id): Path<String>,
    Json(beat): Json<Beat>,
) -> Result<impl IntoResponse, ApiError> {
    let owner = owner(&worker, &beat.worker_id)?;
    let stage: String = beat.stage.chars().take(120).collect();
    if queue::heartbeat(&state.db, &id, &owner, lease_ms(beat.lease_s)?, &stage, beat.percent).await? {
        Ok(Json(Taken { ok: true }))
    } else {
        Err(lease_lost())
    }
}

fn lease_lost() -> ApiError {
    ApiError::Body {
        status: StatusCode::CONFLICT,
        message: "This job is no longer leased to this worker.".into(),
    }
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct Who {
    worker_id: String,
}

/// The mesh job leased to `owner`, and the attempt its lease is for.
async fn leased_mesh_job(state: &AppState, id: &str, owner: &str) -> Result<(MeshJob, i64), ApiError> {
    if !queue::is_leased_to(&state.db, id, owner).await? {
        return Err(lease_lost());
    }
    let job = queue::view(&state.db, id).await?.ok_or(ApiError::NotFound)?;
    let payload = serde_json::from_value(job.payload)
        .map_err(|e| ApiError::Internal(format!("bad mesh job {id}: {e}")))?;
    Ok((payload, job.attempts))
}

/// `GET /api/worker/jobs/{id}/input?worker_id=…`: the picture to make a model of.
#[utoipa::path(get, path = "/api/worker/jobs/{id}/input", tag = "workers",
    params(("id" = String, Path, description = "The job's id"), Who),
    security(("worker_token" = [])),
    responses(
        (status = 200, description = "The picture to make a model of", content_type = "application/octet-stream", body = crate::http::openapi::Binary),
        (status = 401, description = "No worker token, or not one of ours", body = crate::http::error::ErrorBody),
        (status = 409, description = "The lease is no longer this worker's", body = crate::http::error::ErrorBody),
    ))]
pub async fn input(
    State(state): State<AppState>,
    worker: Worker,
    Path(id): Path<String>,
    Query(who): Query<Who>,
) -> Result<impl IntoResponse, ApiError> {
    let owner = owner(&worker, &who.worker_id)?;
    let (job, _) = leased_mesh_job(&state, &id, &owner).await?;
    let key = crate::generation::concepts::store::image_key(&job.creation_id, job.index);
    let picture = state.storage.get(&key).await.map_err(|e| ApiError::Internal(e.to_string()))?;
    Ok(([(http::header::CONTENT_TYPE, "application/octet-stream")], picture))
}

/// `POST /api/worker/jobs/{id}/result?worker_id=…` with the model (GLB or
/// STL) as the body: checked like every model (repaired, one watertight
/// solid, scaled), kept, and the job done → `200 {"mesh_url", …}`; a model
/// that cannot be used fails the job with the reason → `422`.
#[utoipa::path(post, path = "/api/worker/jobs/{id}/result", tag = "workers",
    params(("id" = String, Path, description = "The job's id"), Who),
    request_body(content = crate::http::openapi::Binary, content_type = "application/octet-stream", description = "The model, GLB or binary STL"),
    security(("worker_token" = [])),
    responses(
        (status = 200, description = "Kept; the job is done", body = serde_json::Value),
        (status = 401, description = "No worker token, or not one of ours", body = crate::http::error::ErrorBody),
        (status = 409, description = "The lease is no longer this worker's", body = crate::http::error::ErrorBody),
        (status = 422, description = "A model that cannot be used; the job failed with the reason", body = crate::http::error::ErrorBody),
    ))]
pub async fn result(
    State(state): State<AppState>,
    worker: Worker,
    Path(id): Path<String>,
    Query(who): Query<Who>,
    body: Bytes,
) -> Result<impl IntoResponse, ApiError> {
    let owner = owner(&worker, &who.worker_id)?;
    let (job, attempt) = leased_mesh_job(&state, &id, &owner).await?;
    let limits = state.config.model_limits();
    // Parsing is CPU work on a file from another machine: off the runtime.
    let read = state
        .mesh_work
        .run(move || {
            if body.starts_with(b"glTF") {
                geometry::io::glb::read(&body, &limits)
            } else {
                geometry::io::read(geometry::io::Format::Stl, &body, &limits)
            }
        })
        .await
        .map_err(|e| ApiError::Internal(format!("the model's reading stopped: {e}")))?
        .map_err(|e| e.to_string());
    let outcome = match read {
        Ok(mesh) => {
            let run = model3d::Run { job_id: &id, attempt };
            model3d::keep(
                (&state.storage, &state.mesh_work),
                (&job.creation_id, run),
                mesh,
                Some(model3d::MODEL_SIZE_MM),
                queue::unheard(),
            )
            .await
        }
        Err(error) => Err(MakeError::Unusable(format!("The worker's model is unusable: {error}"))),
    };
    match outcome {
        Ok(done) => {
            let done = serde_json::to_value(done).expect("serialises");
            if !queue::complete(&state.db, &id, &owner, &done).await? {
                return Err(lease_lost());
            }
            crate::reports::funnel::job_done(&state.db, MeshJob::KIND.name(), &id).await;
            Ok(Json(done))
        }
        Err(MakeError::Unusable(reason)) => {
            queue::reject(&state.db, &id, &owner, &reason).await?;
            Err(ApiError::Invalid { field: "model".into(), message: reason })
        }
        Err(MakeError::Transient(reason)) => Err(ApiError::Internal(reason)),
    }
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Failure {
    worker_id: String,
    reason: String,
    /// Whether another attempt may succeed (the job goes back to the queue).
    retry: bool,
}

/// `POST /api/worker/jobs/{id}/fail` `{"worker_id", "reason", "retry"}`.
#[utoipa::path(post, path = "/api/worker/jobs/{id}/fail", tag = "workers",
    params(("id" = String, Path, description = "The job's id")),
    request_body = Failure,
    security(("worker_token" = [])),
    responses(
        (status = 200, description = "Recorded", body = Taken),
        (status = 401, description = "No worker token, or not one of ours", body = crate::http::error::ErrorBody),
        (status = 409, description = "The lease is no longer this worker's", body = crate::http::error::ErrorBody),
    ))]
pub async fn fail(
    State(state): State<AppState>,
    worker: Worker,
    Path(id): Path<String>,
    Json(failure): Json<Failure>,
) -> Result<impl IntoResponse, ApiError> {
    let owner = owner(&worker, &failure.worker_id)?;
    let reason: String = failure.reason.chars().take(500).collect();
    let recorded = if failure.retry {
        queue::fail(&state.db, &id, &owner, &reason).await?
    } else {
        queue::reject(&state.db, &id, &owner, &reason).await?
    };
    if !recorded {
        return Err(lease_lost());
    }
    Ok(Json(Taken { ok: true }))
}
