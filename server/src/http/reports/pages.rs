//! The staff reports for the pages: the server's side of `app::backend::Reports`.

use app::backend::Reports;
use app::error::AppError;
use http::request::Parts;

use crate::platform::app_error::database;
use crate::state::AppState;

#[async_trait::async_trait]
impl Reports for AppState {
    async fn staff_funnel(
        &self,
        request: &Parts,
        from: &str,
        to: &str,
    ) -> Result<app::report::FunnelReport, AppError> {
        let staff = self.staff_only(request).await?;
        let days = crate::reports::period::Days::parse(
            from,
            to,
            crate::platform::time::now_ms(),
            self.config.lab_zone(),
        )
        .map_err(AppError::from)?;
        crate::reports::funnel::report((&self.db, &self.config), &staff, &days).await.map_err(database)
    }

    async fn staff_overview(
        &self,
        request: &Parts,
        grain: &str,
        periods: &str,
    ) -> Result<app::report::LabOverview, AppError> {
        let staff = self.staff_only(request).await?;
        let (grain, count) =
            crate::reports::period::grain_and_count(grain, periods).map_err(AppError::from)?;
        crate::reports::lab_overview::overview((&self.db, &self.config), &staff, grain, count)
            .await
            .map_err(database)
    }
}
