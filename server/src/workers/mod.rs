//! In-process workers: they take the jobs of every kind in [`JOBS`]
//! from the queue and run each kind's own work ([`Job::run`](crate::jobs::kinds::Job::run)),
//! one per core (the slice slots bound the slicer anyway). Any number of
//! server instances can run them side by side: the queue hands each job to
//! one worker.

use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

use tokio::sync::watch;

use crate::generation::concepts::drawing::ConceptJob;
use crate::generation::model3d::{MeshJob, ModelJob};
use crate::jobs::kinds::{Failure, Job, JobKind, JobRun};
use crate::jobs::queue::{self, Claimed, Report};
use crate::shop::quotes::QuoteJob;
use crate::state::AppState;

pub mod orphans;
pub mod remote;

/// Every kind of background job the workers run, each with its work
/// (`Job::run`, in the job's own file): adding a kind adds a line here.
pub static JOBS: [RegisteredJob; 4] = [
    RegisteredJob::of::<ConceptJob>(),
    RegisteredJob::of::<MeshJob>(),
    RegisteredJob::of::<ModelJob>(),
    RegisteredJob::of::<QuoteJob>(),
];

type Work = for<'a> fn(
    &'a AppState,
    &'a Claimed,
    Report,
) -> Pin<Box<dyn Future<Output = Result<serde_json::Value, Failure>> + Send + 'a>>;

/// A job kind the workers run: its name and, type-erased, its work (read
/// from the claimed job's payload as its type).
#[derive(Clone, Copy)]
pub struct RegisteredJob {
    pub kind: JobKind,
    pub remote: bool,
    work: Work,
}

impl RegisteredJob {
    pub const fn of<J: Job>() -> RegisteredJob
    where
        for<'a> J::Context: From<&'a AppState>,
    {
        RegisteredJob { kind: J::KIND, remote: J::REMOTE, work: work_of::<J> }
    }

    /// Reads the claimed job's payload as its type and runs its work.
    pub fn run<'a>(
        &self,
        state: &'a AppState,
        claimed: &'a Claimed,
        report: Report,
    ) -> Pin<Box<dyn Future<Output = Result<serde_json::Value, Failure>> + Send + 'a>> {
        (self.work)(state, claimed, report)
    }
}

fn work_of<'a, J: Job>(
    state: &'a AppState,
    claimed: &'a Claimed,
    report: Report,
) -> Pin<Box<dyn Future<Output = Result<serde_json::Value, Failure>> + Send + 'a>>
where
    for<'b> J::Context: From<&'b AppState>,
{
    Box::pin(async move {
        let context = J::Context::from(state);
        let job: J = serde_json::from_value(claimed.payload.clone())
            .map_err(|e| Failure::Reject(format!("bad job: {e}")))?;
        job.run(&context, JobRun { id: claimed.id.clone(), kind: J::KIND, attempt: claimed.attempt, report })
            .await
    })
}

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

/// The kinds this process's workers take: every registered kind, but the
/// ones remote workers may run when the configuration leaves them to them.
fn taken_here(state: &AppState) -> Vec<&'static str> {
    JOBS.iter()
        .filter(|job| !(job.remote && state.config.remote_mesh_workers))
        .map(|job| job.kind.name())
        .collect()
}

async fn work(state: AppState, owner: String) {
    let kinds = taken_here(&state);
    loop {
        match queue::claim(&state.db, &kinds, &owner, LEASE_MS).await {
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
    let registered: Option<&RegisteredJob> = JOBS.iter().find(|known| known.kind.name() == job.kind);
    let work = async {
        match registered {
            Some(registered) => registered.run(state, &job, report).await.map_err(Outcome::Failed),
            None => Err(Outcome::Failed(Failure::Reject(format!("no worker here does {:?} jobs", job.kind)))),
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
        Err(Outcome::Failed(Failure::Reject(reason))) => queue::reject(db, &job.id, owner, &reason).await,
        Err(Outcome::Failed(Failure::Retry(reason))) => queue::fail(db, &job.id, owner, &reason).await,
        Err(Outcome::LeaseLost) => Ok(false),
    };
    match recorded {
        Ok(true) => crate::reports::funnel::job_done(db, &job.kind, &job.id).await,
        Ok(false) => {}
        Err(error) => tracing::warn!(%error, job = %job.id, "cannot record the job's end"),
    }
}

enum Outcome {
    Failed(Failure),
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

#[cfg(test)]
mod tests {
    use super::*;

    /// A kind's name is how a claimed job finds its work: no two alike.
    #[test]
    fn every_registered_kind_has_its_own_name() {
        let mut names: Vec<&str> = JOBS.iter().map(|job| job.kind.name()).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), JOBS.len(), "{names:?}");
        assert!(names.iter().all(|name| !name.is_empty() && name.bytes().all(|b| b.is_ascii_lowercase())));
    }
}
