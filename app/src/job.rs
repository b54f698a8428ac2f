//! Background jobs as pages see them: a status, and the events of
//! `GET /api/jobs/{id}/events`.

use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum JobStatus {
    Queued,
    Running,
    Done,
    Failed,
}

impl JobStatus {
    /// From the `jobs.status` column.
    pub fn from_row(status: &str) -> JobStatus {
        match status {
            "done" => JobStatus::Done,
            "failed" => JobStatus::Failed,
            "running" => JobStatus::Running,
            _ => JobStatus::Queued,
        }
    }

    pub fn is_finished(self) -> bool {
        matches!(self, JobStatus::Done | JobStatus::Failed)
    }
}

/// One `progress` event.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ProgressEvent {
    pub stage: String,
    pub percent: u8,
}

/// The `failed` event's data.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct JobFailed {
    pub reason: String,
}
