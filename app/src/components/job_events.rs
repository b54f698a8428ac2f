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
    use super::live_stream::{LinkState, Next};
    use crate::job::{JobFailed, ProgressEvent};

    // While the stream is away the stage says so; the next event puts it back.
    let link = RwSignal::new(LinkState::Connecting);
    Effect::new(move || {
        if matches!(link.get(), LinkState::Reconnecting | LinkState::Polling) {
            job.stage.set("Reconnecting…".into());
        }
    });
    leptos::task::spawn_local_scoped_with_cancellation(super::live_stream::follow(
        format!("/api/jobs/{job_id}/events"),
        &["progress", "done", "failed"],
        link,
        move |name, data| match name {
            "progress" => {
                if let Ok(event) = serde_json::from_str::<ProgressEvent>(&data) {
                    job.status.set(JobStatus::Running);
                    job.stage.set(event.stage);
                    job.percent.set(event.percent);
                }
                Next::More
            }
            "done" => {
                match serde_json::from_str::<T>(&data) {
                    Ok(done) => {
                        result.set(Some(done));
                        job.status.set(JobStatus::Done);
                    }
                    Err(_) => job.fail("The server's answer could not be read; reload the page.".into()),
                }
                Next::Stop
            }
            _ => {
                let reason = serde_json::from_str::<JobFailed>(&data).map(|f| f.reason);
                job.fail(reason.unwrap_or_else(|_| "It failed.".into()));
                Next::Stop
            }
        },
        || {},
    ));
}
