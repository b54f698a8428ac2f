//! `GET /api/jobs/{id}/events`: a job's progress as server-sent events.
//!
//! `progress` `{"stage", "percent"}` whenever either changes, then `done`
//! with the job's result or `failed` `{"reason"}`, and the stream ends. It
//! reads the job's row, so it works whichever instance runs the job.

use std::convert::Infallible;
use std::time::Duration;

use axum::Extension;
use axum::extract::{Path, State};
use axum::response::sse::{Event, KeepAlive, Sse};
use futures_util::Stream;
use serde_json::json;

use crate::http::error::ApiError;
use crate::jobs::queue::{self, JobView};
use crate::state::AppState;

const POLL: Duration = Duration::from_millis(200);

pub async fn events(
    State(state): State<AppState>,
    Extension(client): Extension<crate::platform::client_address::ClientAddress>,
    Path(id): Path<String>,
) -> Result<Sse<impl Stream<Item = Result<Event, Infallible>>>, ApiError> {
    let place = crate::http::guards::open_stream(&state, &client)?;
    queue::view(&state.db, &id).await?.ok_or(ApiError::NotFound)?;
    let db = state.db.clone();
    let job_id = id.clone();
    let followed = state.readings.jobs.follow(
        &state.changes,
        &crate::platform::changes::topic("job", &id),
        (crate::platform::readings::same_topic, POLL),
        place,
        move || {
            let (db, id) = (db.clone(), job_id.clone());
            // Unreadable for a moment: the last view stands.
            async move { queue::view(&db, &id).await.ok() }
        },
    );
    // (the last progress sent, whether the end was sent, the job's shared view)
    let start = (None::<(Option<String>, Option<i64>)>, false, followed);
    let stream = futures_util::stream::unfold(start, |(last, ended, mut followed)| async move {
        if ended {
            return None;
        }
        loop {
            // Gone, or the stream's time is up: end it; the page reconnects.
            let job = followed.next().await??;
            if let Some(event) = end_event(&job) {
                return Some((Ok(event), (last, true, followed)));
            }
            let progress = (job.stage.clone(), job.percent);
            if last.as_ref() != Some(&progress) {
                let data = json!({ "stage": job.stage.as_deref().unwrap_or("queued"), "percent": job.percent.unwrap_or(0) });
                let event = Event::default().event("progress").data(data.to_string());
                return Some((Ok(event), (Some(progress), false, followed)));
            }
        }
    });
    Ok(Sse::new(stream).keep_alive(KeepAlive::default()))
}

fn end_event(job: &JobView) -> Option<Event> {
    match job.status.as_str() {
        "done" => {
            Some(Event::default().event("done").data(job.result.clone().unwrap_or_default().to_string()))
        }
        "failed" => {
            let reason = job.error.as_deref().unwrap_or("the job failed");
            Some(Event::default().event("failed").data(json!({ "reason": reason }).to_string()))
        }
        _ => None,
    }
}
