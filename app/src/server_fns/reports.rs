//! Server functions for the staff reports.
//!
//! Each asks the server's side of [`crate::backend`] and sets the answer's
//! status from its error ([`crate::error::with_status`]).

use crate::error::AppError;
#[allow(unused_imports)]
use crate::report::*;

/// The funnel for stories submitted from `from` to `to` (days `YYYY-MM-DD`
/// in the lab's time zone, both included; empty: the last 30 days).
#[leptos::server(endpoint = "staff_funnel")]
pub async fn staff_funnel(from: String, to: String) -> Result<FunnelReport, AppError> {
    let (backend, request) = crate::backend::from_context()?;
    crate::error::with_status(backend.staff_funnel(&request, &from, &to).await)
}

/// The lab's overview by `grain` (`week` or `month`; empty: week) for the
/// last `periods` of them (empty: 12).
#[leptos::server(endpoint = "staff_overview")]
pub async fn staff_overview(grain: String, periods: String) -> Result<LabOverview, AppError> {
    let (backend, request) = crate::backend::from_context()?;
    crate::error::with_status(backend.staff_overview(&request, &grain, &periods).await)
}
