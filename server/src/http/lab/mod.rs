//! The print lab over HTTP: submissions for scripts, the student's job by
//! the token in their link, a job's files by signed link, and the live feed
//! that keeps every open staff dashboard current.

pub mod pages;

use std::convert::Infallible;
use std::time::Duration;

use axum::Extension;
use axum::Json;
use axum::body::Body;
use axum::extract::{Path, Query, State};
use axum::response::IntoResponse;
use axum::response::sse::{Event, KeepAlive, Sse};
use futures_util::Stream;
use http::{HeaderMap, StatusCode};
use serde::Deserialize;
use serde_json::json;

use crate::http::error::ApiError;
use crate::http::shop::orders::Token;
use crate::lab::folders;
use crate::lab::student_links;
use crate::lab::submissions;
use crate::state::AppState;

/// Students' submissions and job pages, the lab's files, and the staff's live feed.
pub fn router() -> axum::Router<AppState> {
    use axum::routing::{get, post};
    axum::Router::new()
        .route("/api/lab/submissions", post(submit))
        .route("/api/lab/estimate", post(estimate))
        .route("/api/lab/jobs/{id}", get(show))
        .route("/api/lab/jobs/{id}/confirm", post(confirm))
        .route("/api/lab/jobs/{id}/files/{file}", get(file))
        // README and printed posters name the short address.
        .route("/lab", get(|| async { axum::response::Redirect::to("/lab/submit") }))
        .route("/api/lab/slicer-openings", post(slicer_opening))
        .route("/api/lab/slicer-links/check", post(slicer_link_check))
        .route("/api/staff/events", get(staff_events))
}

/// `POST /api/lab/submissions`, multipart: the submission form's fields
/// (`name`, `email`, `discipline`, `class_number`, `method`, `color`,
/// optional `printer` and `notes`, `acknowledged=true`) and `file` →
/// `201 {"id", "status", "url"}` (`url`: the student's page, with its token).
/// `422 {"error", "field"}` for a wrong field or a model that cannot be
/// printed; `413` past the size limit. Nothing is kept from a refused one.
#[utoipa::path(post, path = "/api/lab/submissions", tag = "lab",
    request_body(content = crate::http::openapi::LabSubmission, content_type = "multipart/form-data"),
    responses(
        (status = 201, description = "Submitted; `url` is the student's page with its token", body = Submitted),
        (status = 400, description = "Not a multipart form", body = crate::http::error::ErrorBody),
        (status = 413, description = "Over the size limit", body = crate::http::error::ErrorBody),
        (status = 415, description = "Not multipart/form-data", body = crate::http::error::ErrorBody),
        (status = 422, description = "A field that cannot be used, or a model that cannot be printed", body = crate::http::error::ErrorBody),
        (status = 429, description = "Over a limit; see Retry-After", body = crate::http::error::ErrorBody),
    ))]
pub async fn submit(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Body,
) -> Result<impl IntoResponse, ApiError> {
    let boundary = crate::http::model_form::boundary(&headers)?;
    let (file, submission) =
        crate::http::model_form::read_lab(body.into_data_stream(), boundary, &state.config).await?;
    let submitted = submissions::submit(&state.lab(), file, &submission).await?;
    let url = submitted.page_path();
    Ok((
        StatusCode::CREATED,
        [(http::header::LOCATION, url.clone())],
        Json(Submitted { id: submitted.id, status: "Uploaded".into(), url }),
    ))
}

/// `POST /api/lab/estimate`, multipart: `file` (STL, OBJ or 3MF), `method`
/// (`filament` or `resin`) and optional `copies` (1–20, default 1) → `200`
/// the instant estimate by the lab's price book, with plain warnings;
/// `422 {"error", "field"}` for a file that is not a printable model or a
/// wrong field. Nothing is kept.
#[utoipa::path(post, path = "/api/lab/estimate", tag = "lab",
    request_body(content = crate::http::openapi::LabEstimateForm, content_type = "multipart/form-data"),
    responses(
        (status = 200, description = "The estimate: grams, hours, price, whether a printer takes it, warnings", body = app::lab::LabEstimate),
        (status = 400, description = "Not a multipart form", body = crate::http::error::ErrorBody),
        (status = 413, description = "Over the size limit", body = crate::http::error::ErrorBody),
        (status = 415, description = "Not multipart/form-data", body = crate::http::error::ErrorBody),
        (status = 422, description = "A field that cannot be used, or a file that is not a printable model", body = crate::http::error::ErrorBody),
        (status = 429, description = "Over a limit; see Retry-After", body = crate::http::error::ErrorBody),
    ))]
pub async fn estimate(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Body,
) -> Result<Json<app::lab::LabEstimate>, ApiError> {
    let boundary = crate::http::model_form::boundary(&headers)?;
    let form = multer::Multipart::new(body.into_data_stream(), boundary);
    let (file, method, copies) = crate::http::model_form::read_estimate_fields(form, &state.config).await?;
    let volumes = crate::printers::store::list(&state.db)
        .await?
        .into_iter()
        .filter(|printer| printer.spec.method == method)
        .map(|printer| printer.spec.build_mm)
        .collect();
    Ok(Json(crate::lab::estimate::estimate(&state.lab(), file, method, copies, volumes).await?))
}

/// A submission taken: the job, its first status, and the student's page.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct Submitted {
    pub id: String,
    pub status: String,
    pub url: String,
}

/// `GET /api/lab/jobs/{id}?t=TOKEN`: the job as its student sees it.
#[utoipa::path(get, path = "/api/lab/jobs/{id}", tag = "lab",
    params(("id" = String, Path, description = "The print job's id"), crate::http::shop::orders::Token),
    responses(
        (status = 200, description = "The job as its student sees it", body = app::lab::StudentPrintJob),
        (status = 400, description = "No token", body = crate::http::error::ErrorBody),
        (status = 404, description = "No such job, or a wrong token", body = crate::http::error::ErrorBody),
    ))]
pub async fn show(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Query(token): Query<Token>,
) -> Result<impl IntoResponse, ApiError> {
    Ok(Json(crate::printers::board::student_view(&state.lab(), &id, &token.t).await?))
}

/// `POST /api/lab/jobs/{id}/confirm?t=TOKEN`: the student accepts the price
/// (`409` when the job is not waiting for that, or the link only views it).
#[utoipa::path(post, path = "/api/lab/jobs/{id}/confirm", tag = "lab",
    params(("id" = String, Path, description = "The print job's id"), crate::http::shop::orders::Token),
    responses(
        (status = 200, description = "Accepted: the job as its student sees it now", body = app::lab::StudentPrintJob),
        (status = 400, description = "No token", body = crate::http::error::ErrorBody),
        (status = 404, description = "No such job, a wrong token, or an expired link", body = crate::http::error::ErrorBody),
        (status = 409, description = "Nothing waits to be accepted, or the link only views the job", body = crate::http::error::ErrorBody),
    ))]
pub async fn confirm(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Query(token): Query<Token>,
) -> Result<impl IntoResponse, ApiError> {
    student_links::confirm(&state.lab(), &id, &token.t).await?;
    Ok(Json(crate::printers::board::student_view(&state.lab(), &id, &token.t).await?))
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct Signed {
    /// When the link stops working, Unix seconds.
    exp: i64,
    /// The site's signature of the path and `exp`.
    sig: String,
}

/// `GET /api/lab/jobs/{id}/files/{thumbnail.png|model|sliced|snapshot}?exp=…&sig=…`:
/// a student job's file by a signed, expiring link (cards, the student's
/// page, staff downloads), from whichever status folder it is in now; or
/// any job's camera snapshot.
#[utoipa::path(get, path = "/api/lab/jobs/{id}/files/{file}", tag = "lab",
    params(("id" = String, Path, description = "The print job's id"), ("file" = String, Path, description = "`thumbnail.png`, `model`, `sliced` or `snapshot`"), Signed),
    responses(
        (status = 200, description = "The file", content_type = "application/octet-stream", body = crate::http::openapi::Binary),
        (status = 400, description = "No signature", body = crate::http::error::ErrorBody),
        (status = 404, description = "Not signed by this site, expired, or no such file", body = crate::http::error::ErrorBody),
    ))]
pub async fn file(
    State(state): State<AppState>,
    Path((id, file)): Path<(String, String)>,
    Query(signed): Query<Signed>,
) -> Result<impl IntoResponse, ApiError> {
    let path = format!("/api/lab/jobs/{id}/files/{file}");
    if !state.links.verify(&path, signed.exp, &signed.sig, crate::platform::time::now_ms() / 1000) {
        return Err(ApiError::NotFound);
    }
    if file == "snapshot" {
        // A shop order's print has one too: it is kept by the job, not in a folder.
        let key =
            crate::lab::snapshots::snapshot_of(state.db.pool(), &id).await?.ok_or(ApiError::NotFound)?;
        let bytes = state.storage.get(&key).await.map_err(|_| ApiError::NotFound)?;
        let content_type = if key.ends_with(".png") { "image/png" } else { "image/jpeg" };
        return Ok((
            [
                (http::header::CONTENT_TYPE, content_type.to_string()),
                (http::header::CONTENT_DISPOSITION, "inline".to_string()),
                (http::header::CACHE_CONTROL, "private, max-age=300".to_string()),
            ],
            bytes,
        ));
    }
    let job = folders::job_folder(&state.db, &id).await?.ok_or(ApiError::NotFound)?;
    let folder = &job.folder;
    let (name, content_type) = match file.as_str() {
        "thumbnail.png" => (folders::THUMBNAIL.to_string(), "image/png"),
        "model" => (folders::model_file(folder, &job.file_name), "application/octet-stream"),
        "sliced" => {
            let ext = job.sliced_ext.as_deref().ok_or(ApiError::NotFound)?;
            (folders::sliced_file(folder, ext), "application/octet-stream")
        }
        _ => return Err(ApiError::NotFound),
    };
    // Where the folder is, or — mid-move — where it is going.
    let mut bytes = None;
    for status in [job.filed_status.as_deref(), Some(job.status.as_str())].into_iter().flatten() {
        if let Ok(found) = state.storage.get(&folders::key(status, folder, &name)).await {
            bytes = Some(found);
            break;
        }
    }
    let bytes = bytes.ok_or(ApiError::NotFound)?;
    let disposition = match file.as_str() {
        "thumbnail.png" => "inline".to_string(),
        _ => format!("attachment; filename=\"{name}\""),
    };
    Ok((
        [
            (http::header::CONTENT_TYPE, content_type.to_string()),
            (http::header::CONTENT_DISPOSITION, disposition),
            (http::header::CACHE_CONTROL, "private, max-age=300".to_string()),
        ],
        bytes,
    ))
}

/// How often the live feed looks for a change (without news from PostgreSQL).
const LAB_POLL: Duration = Duration::from_millis(400);

/// `GET /api/staff/events` (signed-in staff): server-sent `lab` events, one
/// at once and one whenever any print job or printer changes — from this
/// instance or another, since it watches the shared event log and printer
/// rows — with `version` (the newest event's id), `printers` (a figure that
/// moves when a printer is added, changed, removed or read differently), `new_submissions` (students' submissions since the
/// last one, for the chime) and `at` (the lab's time of the change).
pub async fn staff_events(
    State(state): State<AppState>,
    Extension(client): Extension<crate::platform::client_address::ClientAddress>,
    headers: HeaderMap,
) -> Result<Sse<impl Stream<Item = Result<Event, Infallible>>>, ApiError> {
    let _staff = crate::http::guards::staff_only(&state, &headers).await?;
    let place = crate::http::guards::open_stream(&state, &client)?;
    let db = state.db.clone();
    let followed = state.readings.lab.follow(
        &state.changes,
        "lab",
        (crate::platform::readings::any_lab_job, LAB_POLL),
        place,
        move || {
            let db = db.clone();
            // An unreadable database: the pages keep their last view until the next read.
            async move {
                // A step logged, or a printer's reading (or its job's
                // progress) changed.
                let (version, at) = crate::lab::events::newest(&db).await.ok()?;
                let printers = crate::printers::store::changes(&db).await.ok()?;
                Some((version.unwrap_or(0), printers, at))
            }
        },
    );
    let start = (state, None::<i64>, followed);
    let stream = futures_util::stream::unfold(start, |(state, last, mut followed)| async move {
        // The stream's time is up: end it; the page reconnects.
        let (version, printers, at) = followed.next().await?;
        let new_submissions: i64 = match last {
            None => 0,
            Some(last) => crate::lab::events::submitted_since(&state.db, last).await.unwrap_or(0),
        };
        let at = at.unwrap_or_else(crate::platform::time::now_ms);
        let data = json!({
            "version": version,
            "printers": printers,
            "new_submissions": new_submissions,
            "at": crate::platform::time::lab_time(at, state.config.lab_zone()),
        });
        let event = Event::default().event("lab").data(data.to_string());
        Some((Ok(event), (state, Some(version), followed)))
    });
    Ok(Sse::new(stream).keep_alive(KeepAlive::default()))
}

/// `POST /api/lab/slicer-openings` with `{"link", "opened", "reason",
/// "computer"}` → 204: what `memoreez open-in-slicer` on a staff computer
/// did with a staff page's link, written into the job's event log. 404 for
/// a link the site did not sign (or one that expired).
#[utoipa::path(post, path = "/api/lab/slicer-openings", tag = "lab",
    request_body = crate::lab::open_in_slicer::Opening,
    responses(
        (status = 204, description = "Written into the job's event log"),
        (status = 400, description = "Not JSON", body = crate::http::error::ErrorBody),
        (status = 404, description = "A link this site did not sign, an expired one, or its job is gone", body = crate::http::error::ErrorBody),
        (status = 422, description = "JSON that is not a report", body = crate::http::error::ErrorBody),
        (status = 429, description = "Over a limit; see Retry-After", body = crate::http::error::ErrorBody),
    ))]
pub async fn slicer_opening(
    State(state): State<AppState>,
    body: Result<Json<crate::lab::open_in_slicer::Opening>, axum::extract::rejection::JsonRejection>,
) -> Result<StatusCode, ApiError> {
    let Json(opening) = body?;
    match crate::lab::open_in_slicer::record(&state.lab(), &opening).await? {
        true => Ok(StatusCode::NO_CONTENT),
        false => Err(ApiError::NotFound),
    }
}

/// `POST /api/lab/slicer-links/check` with `{"link"}` → 204 when this site
/// signed the link, it has not expired and it names a file staff open;
/// 404 otherwise. `memoreez open-in-slicer` asks before it opens anything:
/// only the site holds the secret the link is signed with.
#[utoipa::path(post, path = "/api/lab/slicer-links/check", tag = "lab",
    request_body = LinkToCheck,
    responses(
        (status = 204, description = "This site signed it, it has not expired, and it names a file staff open"),
        (status = 400, description = "Not JSON", body = crate::http::error::ErrorBody),
        (status = 404, description = "Not such a link", body = crate::http::error::ErrorBody),
        (status = 422, description = "JSON that is not `{\"link\"}`", body = crate::http::error::ErrorBody),
    ))]
pub async fn slicer_link_check(
    State(state): State<AppState>,
    body: Result<Json<LinkToCheck>, axum::extract::rejection::JsonRejection>,
) -> Result<StatusCode, ApiError> {
    let Json(asked) = body?;
    match crate::lab::open_in_slicer::verify(&state.lab(), &asked.link) {
        Some(_) => Ok(StatusCode::NO_CONTENT),
        None => Err(ApiError::NotFound),
    }
}

#[derive(serde::Deserialize, utoipa::ToSchema)]
pub struct LinkToCheck {
    link: String,
}
