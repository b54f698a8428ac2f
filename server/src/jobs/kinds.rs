//! Every kind of background work, typed. Each kind's payload is a type
//! that implements [`Job`], so queueing a job says what it is by its type;
//! the `jobs.kind` column holds its [`JobKind`]'s name.
//!
//! Each job kind lives in one file of the room it belongs to, with its
//! name, its payload and its work ([`Job::run`]); the list of kinds the
//! workers run is `crate::workers::JOBS`. Adding a kind: its file and a
//! line in that list.

use std::future::Future;

use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::jobs::queue::Report;

/// A kind of job, by the name stored in `jobs.kind` (`concept`, `mesh`,
/// `model`, `quote`). Each job's file names its own ([`Job::KIND`]); the
/// workers' list (`crate::workers::JOBS`) checks no two share one.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct JobKind(&'static str);

impl JobKind {
    pub const fn named(name: &'static str) -> JobKind {
        JobKind(name)
    }

    /// The name stored in `jobs.kind`.
    pub const fn name(self) -> &'static str {
        self.0
    }
}

/// A job's payload: what it carries, what kind of job it is, and its work.
pub trait Job: Serialize + DeserializeOwned + Send + 'static {
    const KIND: JobKind;
    /// Tries before the job fails for good.
    const MAX_ATTEMPTS: i64 = 3;
    /// Whether a remote worker may take it (`MEMOREEZ_REMOTE_MESH_WORKERS`
    /// leaves such jobs to them).
    const REMOTE: bool = false;
    /// What the work reaches: its room's context (the database, storage,
    /// the makers it calls), made for each run by the workers.
    type Context: Send + Sync;

    fn payload(&self) -> serde_json::Value {
        serde_json::to_value(self).expect("a job's payload serialises")
    }

    /// The job's work: what it made (kept as the job's result, which
    /// watchers read), or why it failed.
    fn run(
        self,
        context: &Self::Context,
        run: JobRun,
    ) -> impl Future<Output = Result<serde_json::Value, Failure>> + Send;
}

/// The claimed run a job's work happens in.
#[derive(Clone)]
pub struct JobRun {
    pub id: String,
    pub kind: JobKind,
    /// 1 on the first run; a run that lost its lease keeps to its own attempt.
    pub attempt: i64,
    /// Where the work says how far it got (the heartbeat records it).
    pub report: Report,
}

/// Why a job's work did not succeed.
#[derive(Debug, PartialEq, Eq)]
pub enum Failure {
    /// Retrying cannot help; the reason is for the user.
    Reject(String),
    /// Worth another try; the reason is for the user.
    Retry(String),
}

impl Failure {
    /// A failure that is ours: the cause goes to the log, people see only
    /// that it was our fault, and the job is tried again.
    pub fn ours(cause: &dyn std::fmt::Display, run: &JobRun) -> Failure {
        tracing::error!(%cause, job = %run.id, kind = run.kind.name(), "job failed");
        Failure::Retry("Something went wrong on our side; we have been told.".into())
    }
}
