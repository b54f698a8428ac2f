//! The lab's students for the pages: the server's side of `app::backend::Lab`.

use app::backend::Lab;
use app::error::AppError;
use http::request::Parts;
use leptos::server_fn::codec::MultipartData;

use crate::http::model_form::{self};
use crate::platform::app_error::internal;
use crate::state::AppState;

#[async_trait::async_trait]
impl Lab for AppState {
    fn lab_options(&self) -> app::lab::LabOptions {
        self.config.lab_options()
    }

    async fn submit_lab_job(&self, _request: &Parts, form: MultipartData) -> Result<String, AppError> {
        let form = form.into_inner().ok_or_else(|| internal("the browser's form data reached the server"))?;
        let (file, submission) =
            model_form::read_lab_fields(form, &self.config).await.map_err(AppError::from)?;
        let submitted =
            crate::lab::submissions::submit(&self.lab(), file, &submission).await.map_err(AppError::from)?;
        Ok(submitted.page_path())
    }

    async fn lab_job(&self, id: &str, token: &str) -> Result<app::lab::StudentPrintJob, AppError> {
        crate::printers::board::student_view(&self.lab(), id, token).await.map_err(AppError::from)
    }

    async fn confirm_lab_job(&self, id: &str, token: &str) -> Result<(), AppError> {
        crate::lab::student_links::confirm(&self.lab(), id, token).await.map_err(AppError::from)
    }

    async fn fresh_lab_link(&self, id: &str, token: &str) -> Result<(), AppError> {
        crate::lab::student_links::send_fresh_confirm_link(&self.lab(), id, token)
            .await
            .map_err(AppError::from)
    }
}
