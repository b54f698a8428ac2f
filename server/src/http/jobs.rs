//! `GET /api/jobs/{id}/events`: a job's progress as server-sent events.
//!
//! `progress` `{"stage", "percent"}` whenever either changes, then `done`
//! with the job's result or `failed` `{"reason"}`, and the stream ends. It
//! reads the job's row, so it works whichever instance runs the job.

use std::convert::Infallible;
use std::time::Duration;

use axum::extract::{Path, State};
use axum::response::sse::{Event, KeepAlive, Sse};
use futures_util::Stream;
use serde_json::json;

use crate::error::ApiError;
use crate::jobs::{self, JobView};
use crate::state::AppState;

const POLL: Duration = Duration::from_millis(200);

pub async fn events(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Sse<impl Stream<Item = Result<Event, Infallible>>>, ApiError> {
    let first = jobs::view(&state.db, &id).await?.ok_or(ApiError::NotFound)?;
    // (state, id, the last progress sent, whether the end was sent, the next view to report, news)
    let following = state.changes.follow();
    let start = (state, id, None::<(Option<String>, Option<i64>)>, false, Some(first), following);
    let stream = futures_util::stream::unfold(
        start,
        |(state, id, last, ended, next, mut following)| async move {
            if ended {
                return None;
            }
            let mut view = next;
            loop {
                let job = match view.take() {
                    Some(job) => job,
                    None => {
                        let topic = crate::changes::topic("job", &id);
                        following.next(|news| news == topic, POLL).await;
                        match jobs::view(&state.db, &id).await {
                            Ok(Some(job)) => job,
                            // Gone or unreadable: end the stream; the client may reconnect.
                            _ => return None,
                        }
                    }
                };
                if let Some(event) = end_event(&job) {
                    return Some((Ok(event), (state, id, last, true, None, following)));
                }
                let progress = (job.stage.clone(), job.percent);
                if last.as_ref() != Some(&progress) {
                    let data = json!({ "stage": job.stage.as_deref().unwrap_or("queued"), "percent": job.percent.unwrap_or(0) });
                    let event = Event::default().event("progress").data(data.to_string());
                    return Some((Ok(event), (state, id, Some(progress), false, None, following)));
                }
            }
        },
    );
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
