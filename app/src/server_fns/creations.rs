//! Server functions for creations, their designs and their models.
//!
//! Each asks the server's side of [`crate::backend`] and sets the answer's
//! status from its error ([`crate::error::with_status`]).

use leptos::prelude::*;

#[allow(unused_imports)]
use crate::concept::*;
#[allow(unused_imports)]
use crate::creation::*;
use crate::error::AppError;
#[allow(unused_imports)]
use crate::model::*;

/// Creates a creation from an object's description and sends the browser
/// on: to its designs, or to its model when a text → 3D service makes it.
#[server(endpoint = "describe_object")]
pub async fn describe_object(object: String) -> Result<String, AppError> {
    let story = crate::error::with_status(story_for_object(&object))?;
    let (backend, request) = crate::backend::from_context()?;
    let started = backend.create_creation(&request, story, CreationKind::Object).await?;
    leptos_axum::redirect(&started.next_url);
    Ok(started.id)
}

/// Takes the upload form (`file`: the customer's own STL, OBJ or 3MF) and
/// sends the browser to the model's page; a file that is not a printable
/// solid comes back with the reason, and nothing is kept.
#[server(endpoint = "upload_model", input = leptos::server_fn::codec::MultipartFormData)]
pub async fn upload_model(form: leptos::server_fn::codec::MultipartData) -> Result<String, AppError> {
    let (backend, request) = crate::backend::from_context()?;
    let started = crate::error::with_status(backend.upload_model(&request, form).await)?;
    leptos_axum::redirect(&started.next_url);
    Ok(started.id)
}

/// Creates a creation from the story form and sends the browser to it.
///
/// Without JavaScript the form posts here directly and the redirect is a
/// plain 302; with the app hydrated the router follows it client-side.
#[server(endpoint = "create_creation")]
pub async fn create_creation(hobbies: String, facts: String) -> Result<String, AppError> {
    let story = crate::error::with_status(
        crate::story::Story::from_form(&hobbies, &facts).map_err(AppError::InvalidStory),
    )?;
    let (backend, request) = crate::backend::from_context()?;
    let started = backend.create_creation(&request, story, CreationKind::Story).await?;
    leptos_axum::redirect(&started.next_url);
    Ok(started.id)
}

/// The creation with this id, if it belongs to the visitor asking.
#[server(endpoint = "creation")]
pub async fn get_creation(id: String) -> Result<Creation, AppError> {
    let (backend, request) = crate::backend::from_context()?;
    backend.creation(&request, &id).await
}

/// The visitor's creations, newest first (this browser's, across visits).
#[server(endpoint = "my_creations")]
pub async fn my_creations() -> Result<Vec<MyCreation>, AppError> {
    let (backend, request) = crate::backend::from_context()?;
    backend.my_creations(&request).await
}

/// The creation's concepts (queuing the first four if they are missing).
#[server(endpoint = "gallery")]
pub async fn get_gallery(id: String) -> Result<Gallery, AppError> {
    let (backend, request) = crate::backend::from_context()?;
    backend.gallery(&request, &id).await
}

/// Four more designs; returns their indices.
#[server(endpoint = "explore_more")]
pub async fn explore_more(id: String) -> Result<Vec<u32>, AppError> {
    let (backend, request) = crate::backend::from_context()?;
    crate::error::with_status(backend.explore_more(&request, &id).await)
}

/// Draws a failed concept again.
#[server(endpoint = "retry_concept")]
pub async fn retry_concept(id: String, index: u32) -> Result<(), AppError> {
    let (backend, request) = crate::backend::from_context()?;
    crate::error::with_status(backend.retry_concept(&request, &id, index).await)
}

/// Picks a concept: its model is made by a mesh job; the browser goes to
/// the model page. Returns the job's id.
#[server(endpoint = "select_concept")]
pub async fn select_concept(
    id: String,
    index: u32,
    #[server(default)] form: crate::model::KeepsakeForm,
) -> Result<String, AppError> {
    let (backend, request) = crate::backend::from_context()?;
    let job_id = crate::error::with_status(backend.select_concept(&request, &id, index, form).await)?;
    leptos_axum::redirect(&format!("/create/{id}/model"));
    Ok(job_id)
}

/// The creation's model, or [`AppError::NotFound`] before a design is picked.
#[server(endpoint = "model")]
pub async fn get_model(id: String) -> Result<ModelView, AppError> {
    let (backend, request) = crate::backend::from_context()?;
    backend.model(&request, &id).await
}

/// "Make another version": a new model of the same design (in `form`) or
/// another preview of the same description, chosen; the page follows it.
#[server(endpoint = "make_another_version")]
pub async fn make_another_version(
    id: String,
    #[server(default)] form: Option<crate::model::KeepsakeForm>,
) -> Result<String, AppError> {
    let (backend, request) = crate::backend::from_context()?;
    crate::error::with_status(backend.make_another_version(&request, &id, form).await)
}

/// "Use this one": an earlier version becomes the chosen model.
#[server(endpoint = "choose_version")]
pub async fn choose_version(id: String, job_id: String) -> Result<(), AppError> {
    let (backend, request) = crate::backend::from_context()?;
    crate::error::with_status(backend.choose_version(&request, &id, &job_id).await)
}

/// "Refine it": a text → 3D preview painted at the service, as a new version.
#[server(endpoint = "refine_version")]
pub async fn refine_version(
    id: String,
    job_id: String,
    #[server(default)] texture_prompt: Option<String>,
) -> Result<String, AppError> {
    let (backend, request) = crate::backend::from_context()?;
    crate::error::with_status(backend.refine_version(&request, &id, &job_id, texture_prompt).await)
}
