//! Following a background job from the browser: `GET /api/jobs/{id}/events`
//! until it ends or the page goes away (dropping the stream closes it).

use crate::job::ProgressEvent;

/// What to do with each of a job's events.
pub struct JobWatch {
    pub progress: Box<dyn Fn(ProgressEvent)>,
    /// The `done` event's data (JSON).
    pub done: Box<dyn Fn(String)>,
    /// Why it failed, in words for people.
    pub failed: Box<dyn Fn(String)>,
}

#[cfg(feature = "hydrate")]
pub fn follow_job(job_id: String, watch: JobWatch) {
    use futures::StreamExt;
    use gloo_net::eventsource::futures::EventSource;

    use crate::job::JobFailed;

    leptos::task::spawn_local_scoped_with_cancellation(async move {
        let lost =
            || (watch.failed)("Lost touch with the server; reload the page to see where it is.".into());
        let Ok(mut source) = EventSource::new(&format!("/api/jobs/{job_id}/events")) else { return lost() };
        let (Ok(progress), Ok(done), Ok(failed)) =
            (source.subscribe("progress"), source.subscribe("done"), source.subscribe("failed"))
        else {
            return lost();
        };
        let mut events = futures::stream::select_all([progress, done, failed]);
        while let Some(Ok((name, message))) = events.next().await {
            let data = message.data().as_string().unwrap_or_default();
            match name.as_str() {
                "progress" => {
                    if let Ok(event) = serde_json::from_str::<ProgressEvent>(&data) {
                        (watch.progress)(event);
                    }
                }
                "done" => {
                    (watch.done)(data);
                    break;
                }
                _ => {
                    let reason = serde_json::from_str::<JobFailed>(&data).map(|f| f.reason);
                    (watch.failed)(reason.unwrap_or_else(|_| "It failed.".into()));
                    break;
                }
            }
        }
        source.close();
    });
}

/// Without the browser bundle there is nothing to follow; the server-rendered
/// page refreshes itself instead.
#[cfg(not(feature = "hydrate"))]
pub fn follow_job(_job_id: String, _watch: JobWatch) {}
