//! The staff reports: the shop's funnel and the lab's overview.

use http::request::Parts;

use crate::error::AppError;

/// The staff reports: the shop's funnel and the lab's overview.
#[async_trait::async_trait]
pub trait Reports: Send + Sync {
    /// The funnel for the days `from` to `to` (`YYYY-MM-DD`; see
    /// [`crate::server_fns::reports::staff_funnel`]), for signed-in staff.
    async fn staff_funnel(
        &self,
        request: &Parts,
        from: &str,
        to: &str,
    ) -> Result<crate::report::FunnelReport, AppError>;
    /// The lab's overview (see [`crate::server_fns::reports::staff_overview`]), for signed-in staff.
    async fn staff_overview(
        &self,
        request: &Parts,
        grain: &str,
        periods: &str,
    ) -> Result<crate::report::LabOverview, AppError>;
}
