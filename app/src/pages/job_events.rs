//! Following a background job from the browser: `GET /api/jobs/{id}/events`
//! until it ends or the page goes away (dropping the stream closes it).

use leptos::prelude::*;
use serde::de::DeserializeOwned;

use crate::job::JobStatus;

/// A job as a page shows it, updated live by [`JobSignals::follow`].
#[derive(Clone, Copy)]
pub struct JobSignals {
    pub status: RwSignal<JobStatus>,
    /// What it is doing, in words.
    pub stage: RwSignal<String>,
    pub percent: RwSignal<u8>,
    /// Why it failed, for people.
    pub error: RwSignal<Option<String>>,
}

impl JobSignals {
    pub fn new(status: JobStatus, stage: String, percent: u8, error: Option<String>) -> JobSignals {
        JobSignals {
            status: RwSignal::new(status),
            stage: RwSignal::new(stage),
            percent: RwSignal::new(percent),
            error: RwSignal::new(error),
        }
    }

    pub fn running(self) -> bool {
        !self.status.get().is_finished()
    }

    /// While the job runs, follows its events: progress into the signals,
    /// the `done` data (read as `T`) into `result`, a failure's reason into
    /// `error`. Without the browser bundle the page refreshes itself instead
    /// (see [`RefreshWhile`]).
    pub fn follow<T>(self, job_id: String, result: RwSignal<Option<T>>)
    where
        T: DeserializeOwned + Send + Sync + 'static,
    {
        if self.status.get_untracked().is_finished() {
            return;
        }
        #[cfg(feature = "hydrate")]
        listen(job_id, self, result);
        #[cfg(not(feature = "hydrate"))]
        let _ = (job_id, result);
    }

    #[cfg(feature = "hydrate")]
    fn fail(self, reason: String) {
        self.error.set(Some(reason));
        self.status.set(JobStatus::Failed);
    }
}

/// Reloads the page every `seconds` while `when` holds, for browsers without
/// JavaScript.
///
/// The `<meta>` goes in as the noscript's inner HTML, not as a child element:
/// with scripting on, a browser parses that text as raw text, so it never
/// refreshes anything. A `<meta http-equiv="refresh">` *element* that a
/// client-side render inserts (here when `when` turns true after hydration) is
/// live even inside `<noscript>`, and reloaded the page seconds later — even
/// after the visitor had navigated elsewhere in the app.
#[component]
pub fn RefreshWhile(when: impl Fn() -> bool + Send + Sync + 'static, seconds: u32) -> impl IntoView {
    let refresh = format!(r#"<meta http-equiv="refresh" content="{seconds}">"#);
    view! {
        <Show when=when>
            <noscript inner_html=refresh.clone()></noscript>
        </Show>
    }
}

#[cfg(feature = "hydrate")]
fn listen<T>(job_id: String, job: JobSignals, result: RwSignal<Option<T>>)
where
    T: DeserializeOwned + Send + Sync + 'static,
{
    use futures::StreamExt;
    use gloo_net::eventsource::futures::EventSource;

    use crate::job::{JobFailed, ProgressEvent};

    leptos::task::spawn_local_scoped_with_cancellation(async move {
        let lost = || job.fail("Lost touch with the server; reload the page to see where it is.".into());
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
                        job.status.set(JobStatus::Running);
                        job.stage.set(event.stage);
                        job.percent.set(event.percent);
                    }
                }
                "done" => {
                    match serde_json::from_str::<T>(&data) {
                        Ok(done) => {
                            result.set(Some(done));
                            job.status.set(JobStatus::Done);
                        }
                        Err(_) => lost(),
                    }
                    break;
                }
                _ => {
                    let reason = serde_json::from_str::<JobFailed>(&data).map(|f| f.reason);
                    job.fail(reason.unwrap_or_else(|_| "It failed.".into()));
                    break;
                }
            }
        }
        source.close();
    });
}
