//! In-process workers: they take `concept`, `mesh`, `model` and `quote` jobs from the queue
//! and run them, one per core (the slice slots bound the slicer anyway). Any number of
//! server instances can run them side by side: the queue hands each job to
//! one worker.

use std::time::Duration;

use serde::{Deserialize, Serialize};
use slicing::material::Material;
use slicing::quote::Engine;
use tokio::sync::watch;

use crate::concepts::store::{self as concepts, CONCEPT_JOB, ConceptJob};
use crate::image_to_3d::MakeError;
use crate::jobs::Report;
use crate::jobs::{self, Claimed};
use crate::models::{self, MESH_JOB, MODEL_JOB};
use crate::quotes::{self, Blame, QuoteRequest};
use crate::state::AppState;

pub const QUOTE: &str = "quote";
/// A lease outlives a few missed heartbeats.
const LEASE_MS: i64 = 30_000;
const HEARTBEAT: Duration = Duration::from_secs(5);
const IDLE: Duration = Duration::from_millis(250);
const SWEEP: Duration = Duration::from_secs(30);
const PROGRESS_EVERY: Duration = Duration::from_millis(200);

/// What a `quote` job carries: the upload (kept in storage) and the choices.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct QuoteJob {
    pub upload: String,
    pub file_name: String,
    pub profile: String,
    pub material: Material,
    pub engine: Engine,
    /// The instant estimate made when the job was queued, to show while it runs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub estimate: Option<serde_json::Value>,
    /// The SHA-256 of the file sliced: an order is placed only for the same
    /// bytes (a studio keepsake is rebuilt at ordering and compared).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mesh_sha256: Option<String>,
}

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
            if let Err(error) = jobs::give_up_abandoned(&db).await {
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
            &[CONCEPT_JOB, MODEL_JOB, QUOTE]
        } else {
            &[CONCEPT_JOB, MESH_JOB, MODEL_JOB, QUOTE]
        };
        match jobs::claim(&state.db, kinds, &owner, LEASE_MS).await {
            Ok(Some(job)) => run(&state, &owner, job).await,
            Ok(None) => jobs::wait_for_work(IDLE).await,
            Err(error) => {
                tracing::warn!(%error, "cannot claim jobs");
                tokio::time::sleep(Duration::from_secs(2)).await;
            }
        }
    }
}

async fn run(state: &AppState, owner: &str, job: Claimed) {
    let (report, heard) = jobs::progress_channel();
    let work = async {
        match job.kind.as_str() {
            QUOTE => quote(state, &job, report).await,
            CONCEPT_JOB => concept(state, &job, report).await,
            MESH_JOB => model_outcome(models::make_for(state, (&job.payload, models::Run { job_id: &job.id, attempt: job.attempt }), report).await, &job),
            MODEL_JOB => model_outcome(models::make_model(state, (&job.payload, models::Run { job_id: &job.id, attempt: job.attempt }), report).await, &job),
            other => Err(Outcome::Reject(format!("no worker here does {other:?} jobs"))),
        }
    };
    let outcome = tokio::select! {
        outcome = work => outcome,
        // Dropping the quote's future stops its slice.
        () = keep_lease(state, owner, &job.id, heard) => Err(Outcome::LeaseLost),
    };
    let db = &state.db;
    let recorded = match outcome {
        Ok(result) => jobs::complete(db, &job.id, owner, &result).await,
        Err(Outcome::Reject(reason)) => jobs::reject(db, &job.id, owner, &reason).await,
        Err(Outcome::Retry(reason)) => jobs::fail(db, &job.id, owner, &reason).await,
        Err(Outcome::LeaseLost) => Ok(false),
    };
    match recorded {
        Ok(true) => crate::funnel::job_done(db, &job.kind, &job.id).await,
        Ok(false) => {}
        Err(error) => tracing::warn!(%error, job = %job.id, "cannot record the job's end"),
    }
}

fn model_outcome(
    made: Result<models::Made, MakeError>,
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
        match jobs::heartbeat(&state.db, id, owner, LEASE_MS, &stage, percent.into()).await {
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
    let bytes = state.storage.get(&spec.upload).await.map_err(|e| Outcome::Retry(e.to_string()))?;
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
    let brief =
        concepts::brief(&state.db, creation, index).await.map_err(|e| Outcome::Retry(e.to_string()))?;
    report("Drawing", 10);
    let drawn = match crate::spend::charge(&state.db, &state.config, crate::spend::Paid::Image).await {
        Ok(()) => {
            let started = std::time::Instant::now();
            let drawn = state.images.draw(&brief).await;
            crate::metrics::provider_call(crate::metrics::Provider::Image, started, drawn.is_ok());
            drawn
        }
        Err(refused @ crate::spend::SpendError::CeilingReached(_)) => Err(refused.to_string()),
        Err(crate::spend::SpendError::Database(error)) => return Err(Outcome::Retry(error.to_string())),
    };
    let outcome = match drawn {
        Ok(png) => {
            let key = concepts::image_key(creation, index);
            state.storage.put(&key, png).await.map_err(|e| Outcome::Retry(e.to_string()))?;
            Ok(key)
        }
        Err(reason) => {
            tracing::warn!(%reason, creation, index, "a concept could not be drawn");
            Err(format!("This design could not be drawn: {reason}"))
        }
    };
    let ready = outcome.is_ok();
    concepts::finish(&state.db, creation, index, outcome).await.map_err(|e| Outcome::Retry(e.to_string()))?;
    Ok(serde_json::json!({ "creation_id": creation, "index": index, "ready": ready }))
}
