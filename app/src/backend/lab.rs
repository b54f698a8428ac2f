//! The print lab's students: the submission form, their job by its link, accepting the price.

use http::request::Parts;

use crate::error::AppError;

/// The print lab's students: the submission form, their job by its link, accepting the price.
#[async_trait::async_trait]
pub trait Lab: Send + Sync {
    /// What the lab's submission form offers (colours per method, file size).
    fn lab_options(&self) -> crate::lab::LabOptions;
    /// Reads and keeps a student's submission; returns the student's page (with its token).
    async fn submit_lab_job(
        &self,
        request: &Parts,
        form: leptos::server_fn::codec::MultipartData,
    ) -> Result<String, AppError>;
    /// The student's job opened by the token in their link, or [`AppError::NotFound`].
    async fn lab_job(&self, id: &str, token: &str) -> Result<crate::lab::StudentPrintJob, AppError>;
    /// The student accepts the approved price.
    async fn confirm_lab_job(&self, id: &str, token: &str) -> Result<(), AppError>;
    /// Emails the student a fresh link to accept the price (their link ran out or only views).
    async fn fresh_lab_link(&self, id: &str, token: &str) -> Result<(), AppError>;
}
