//! In-process workers: they take `concept`, `mesh`, `model` and `quote` jobs from the queue
//! and run them, one per core (the slice slots bound the slicer anyway). Any number of
//! server instances can run them side by side: the queue hands each job to
//! one worker.

use std::time::Duration;

use tokio::sync::watch;

use crate::generation::concepts::store::{self as concepts, ConceptJob};
use crate::generation::image_to_3d::MakeError;
use crate::generation::model3d;
use crate::jobs::kinds::JobKind;
use crate::jobs::queue::Report;
use crate::jobs::queue::{self, Claimed};
use crate::shop::quotes::{self, Blame, QuoteJob, QuoteRequest};
use crate::state::AppState;

/// A lease outlives a few missed heartbeats.
const LEASE_MS: i64 = 30_000;
const HEARTBEAT: Duration = Duration::from_secs(5);
const IDLE: Duration = Duration::from_millis(250);
const SWEEP: Duration = Duration::from_secs(30);
const PROGRESS_EVERY: Duration = Duration::from_millis(200);

/// Starts one worker per core; they run until the process ends (a job cut
/// off mid-way goes back to the queue when its lease runs out).
pub fn spawn(state: &AppState) {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    for n in 0..cores {
        let state = state.clone();
        let owner = format!("{}:{}:{n}", hostname(), std::process::id());
        tokio::spawn(async move { work(state, owner).await });
    }
    // One sweep per process, not per idle poll: giving up on abandoned jobs
    // is a write, and SQLite has one writer.
    let db = state.db.clone();
    tokio::spawn(async move {
        loop {
            tokio::time::sleep(SWEEP).await;
            if let Err(error) = queue::give_up_abandoned(&db).await {
                tracing::warn!(%error, "cannot sweep abandoned jobs");
            }
        }
    });
}

pub(crate) fn hostname() -> String {
    std::fs::read_to_string("/etc/hostname").map(|h| h.trim().to_string()).unwrap_or_else(|_| "local".into())
}

async fn work(state: AppState, owner: String) {
    loop {
        // Concepts first: a customer is watching them appear. Meshes are left
        // to remote workers when the configuration says so.
        let kinds: &[&str] = if state.config.remote_mesh_workers {
            &[JobKind::Concept.name(), JobKind::Model.name(), JobKind::Quote.name()]
        } else {
            &[JobKind::Concept.name(), JobKind::Mesh.name(), JobKind::Model.name(), JobKind::Quote.name()]
        };
        match queue::claim(&state.db, kinds, &owner, LEASE_MS).await {
            Ok(Some(job)) => run(&state, &owner, job).await,
            Ok(None) => queue::wait_for_work(IDLE).await,
            Err(error) => {
                tracing::warn!(%error, "cannot claim jobs");
                tokio::time::sleep(Duration::from_secs(2)).await;
            }
        }
    }
}

async fn run(state: &AppState, owner: &str, job: Claimed) {
    let (report, heard) = queue::progress_channel();
    let work = async {
        match JobKind::from_name(&job.kind) {
            Some(JobKind::Quote) => quote(state, &job, report).await,
            Some(JobKind::Concept) => concept(state, &job, report).await,
            Some(JobKind::Mesh) => model_outcome(
                model3d::make_for(
                    state,
                    (&job.payload, model3d::Run { job_id: &job.id, attempt: job.attempt }),
                    report,
                )
                .await,
                &job,
            ),
            Some(JobKind::Model) => model_outcome(
                model3d::make_model(
                    state,
                    (&job.payload, model3d::Run { job_id: &job.id, attempt: job.attempt }),
                    report,
                )
                .await,
                &job,
            ),
            None => Err(Outcome::Reject(format!("no worker here does {:?} jobs", job.kind))),
        }
    };
    let outcome = tokio::select! {
        outcome = work => outcome,
        // Dropping the quote's future stops its slice.
        () = keep_lease(state, owner, &job.id, heard) => Err(Outcome::LeaseLost),
    };
    let db = &state.db;
    let recorded = match outcome {
        Ok(result) => queue::complete(db, &job.id, owner, &result).await,
        Err(Outcome::Reject(reason)) => queue::reject(db, &job.id, owner, &reason).await,
        Err(Outcome::Retry(reason)) => queue::fail(db, &job.id, owner, &reason).await,
        Err(Outcome::LeaseLost) => Ok(false),
    };
    match recorded {
        Ok(true) => crate::reports::funnel::job_done(db, &job.kind, &job.id).await,
        Ok(false) => {}
        Err(error) => tracing::warn!(%error, job = %job.id, "cannot record the job's end"),
    }
}

fn model_outcome(
    made: Result<model3d::Made, MakeError>,
    job: &Claimed,
) -> Result<serde_json::Value, Outcome> {
    match made {
        Ok(done) => Ok(serde_json::to_value(done).expect("serialises")),
        Err(MakeError::Unusable(reason)) => Err(Outcome::Reject(reason)),
        Err(MakeError::Transient(reason)) => Err(our_fault(&reason, job)),
    }
}

/// A failure that is ours: the cause goes to the log, people see only that
/// it was our fault, and the job is tried again.
fn our_fault(cause: &dyn std::fmt::Display, job: &Claimed) -> Outcome {
    tracing::error!(%cause, job = %job.id, kind = %job.kind, "job failed");
    Outcome::Retry("Something went wrong on our side; we have been told.".into())
}

enum Outcome {
    /// Retrying cannot help; the reason is for the user.
    Reject(String),
    Retry(String),
    LeaseLost,
}

/// Heartbeats until the lease is lost (then returns), recording the job's
/// progress with each beat: at once when it changes, at least every
/// [`HEARTBEAT`] otherwise.
async fn keep_lease(state: &AppState, owner: &str, id: &str, mut heard: watch::Receiver<(String, u8)>) {
    loop {
        let (stage, percent) = heard.borrow_and_update().clone();
        match queue::heartbeat(&state.db, id, owner, LEASE_MS, &stage, percent.into()).await {
            Ok(true) => {}
            Ok(false) => return,
            Err(error) => tracing::warn!(%error, job = %id, "heartbeat failed"),
        }
        tokio::select! {
            // A closed channel means the job is ending; the lease is released there.
            changed = heard.changed() => if changed.is_err() { std::future::pending::<()>().await },
            () = tokio::time::sleep(HEARTBEAT) => {},
        }
        // Several quick changes become one write: the row is read by watchers every 200 ms anyway.
        tokio::time::sleep(PROGRESS_EVERY).await;
    }
}

async fn quote(state: &AppState, job: &Claimed, report: Report) -> Result<serde_json::Value, Outcome> {
    let spec: QuoteJob =
        serde_json::from_value(job.payload.clone()).map_err(|e| Outcome::Reject(format!("bad job: {e}")))?;
    let bytes = state.storage.get(&spec.upload).await.map_err(|e| our_fault(&e, job))?;
    let book =
        state.config.price_book(&spec.profile).ok_or_else(|| Outcome::Reject("unknown price book".into()))?;
    let request =
        QuoteRequest { file_name: spec.file_name, bytes, book, material: spec.material, engine: spec.engine };
    let outcome = quotes::quote_with(state, request, report).await;
    match outcome {
        Ok((id, quote)) => Ok(serde_json::json!({ "quote_id": id, "quote": quote })),
        Err(failure) => match failure.blame() {
            Blame::File | Blame::Engine => Err(Outcome::Reject(failure.to_string())),
            Blame::Service => Err(Outcome::Retry(failure.to_string())),
            // The reason is shown to people: the cause goes to the log only.
            Blame::Internal => Err(our_fault(&failure, job)),
        },
    }
}

/// Draws one concept and records it, ready or failed: a concept that cannot
/// be drawn fails alone (its card says why and offers a retry), never the
/// whole gallery.
async fn concept(state: &AppState, job: &Claimed, report: Report) -> Result<serde_json::Value, Outcome> {
    let spec: ConceptJob =
        serde_json::from_value(job.payload.clone()).map_err(|e| Outcome::Reject(format!("bad job: {e}")))?;
    let (creation, index) = (spec.creation_id.as_str(), spec.index);
    let brief = concepts::brief(&state.db, creation, index).await.map_err(|e| our_fault(&e, job))?;
    report("Drawing", 10);
    let mut ceiling = false;
    let drawn =
        match crate::platform::spend::charge(&state.db, &state.config, crate::platform::spend::Paid::Image)
            .await
        {
            Ok(()) => {
                let started = std::time::Instant::now();
                let drawn = state.images.draw(&brief).await;
                crate::platform::metrics::provider_call(
                    crate::platform::metrics::Provider::Image,
                    started,
                    drawn.is_ok(),
                );
                drawn
            }
            Err(refused @ crate::platform::spend::SpendError::CeilingReached(_)) => {
                ceiling = true;
                Err(refused.to_string())
            }
            Err(crate::platform::spend::SpendError::Database(error)) => return Err(our_fault(&error, job)),
        };
    let outcome = match drawn {
        Ok(png) => {
            let key = concepts::image_key(creation, index);
            state.storage.put(&key, png).await.map_err(|e| our_fault(&e, job))?;
            Ok(key)
        }
        // The ceiling is ours to explain; a service's own words (its
        // answer, its address) go to the log only.
        Err(reason) if ceiling => Err(format!("This design could not be drawn: {reason}")),
        Err(reason) => {
            tracing::warn!(%reason, creation, index, "a concept could not be drawn");
            Err("This design could not be drawn: the picture service did not answer in time or refused it. \
                 Try this design again."
                .to_string())
        }
    };
    let ready = outcome.is_ok();
    concepts::finish(&state.db, creation, index, outcome).await.map_err(|e| our_fault(&e, job))?;
    Ok(serde_json::json!({ "creation_id": creation, "index": index, "ready": ready }))
}
