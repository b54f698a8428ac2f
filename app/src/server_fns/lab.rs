//! Server functions for the lab's submission form and a student's job.
//!
//! Each asks the server's side of [`crate::backend`] and sets the answer's
//! status from its error ([`crate::error::with_status`]).

use crate::error::AppError;
#[allow(unused_imports)]
use crate::lab::*;

/// The lab's form options.
#[leptos::server(endpoint = "lab_form_options")]
pub async fn lab_form_options() -> Result<LabOptions, AppError> {
    let (backend, _) = crate::backend::from_context()?;
    Ok(backend.lab_options())
}

/// Takes a submission (multipart: the fields of [`Submission`] and `file`);
/// on to the student's job page.
#[leptos::server(endpoint = "submit_lab_job", input = leptos::server_fn::codec::MultipartFormData)]
pub async fn submit_lab_job(form: leptos::server_fn::codec::MultipartData) -> Result<String, AppError> {
    let (backend, request) = crate::backend::from_context()?;
    let link = crate::error::with_status(backend.submit_lab_job(&request, form).await)?;
    leptos_axum::redirect(&link);
    Ok(link)
}

/// The job `token` opens, as its student sees it.
#[leptos::server(endpoint = "lab_job")]
pub async fn lab_job(id: String, t: String) -> Result<StudentPrintJob, AppError> {
    let (backend, _) = crate::backend::from_context()?;
    crate::error::with_status(backend.lab_job(&id, &t).await)
}

/// The student accepts the price: the job joins the print queue.
#[leptos::server(endpoint = "confirm_lab_job")]
pub async fn confirm_lab_job(id: String, t: String) -> Result<(), AppError> {
    let (backend, _) = crate::backend::from_context()?;
    crate::error::with_status(backend.confirm_lab_job(&id, &t).await)?;
    leptos_axum::redirect(&format!("/lab/jobs/{id}?t={t}"));
    Ok(())
}

/// Emails the student a fresh link to accept the price; back to the job's page.
#[leptos::server(endpoint = "fresh_lab_link")]
pub async fn fresh_lab_link(id: String, t: String) -> Result<(), AppError> {
    let (backend, _) = crate::backend::from_context()?;
    crate::error::with_status(backend.fresh_lab_link(&id, &t).await)?;
    leptos_axum::redirect(&format!("/lab/jobs/{id}?t={t}&fresh=sent"));
    Ok(())
}
