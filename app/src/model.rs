//! A creation's model: made from the chosen concept by a mesh job.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::error::AppError;
use crate::job::JobStatus;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ModelView {
    pub creation_id: String,
    pub concept_title: String,
    pub concept_image_url: String,
    pub job_id: String,
    pub status: JobStatus,
    pub stage: String,
    pub percent: u8,
    /// Once made: the printable model (STL) and a picture of it.
    pub mesh_url: Option<String>,
    pub thumbnail_url: Option<String>,
    pub error: Option<String>,
}

/// The `done` event's data of a mesh job.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MeshDone {
    pub mesh_url: String,
    pub thumbnail_url: String,
}

/// The creation's model, or [`AppError::NotFound`] before a concept is picked.
#[server(endpoint = "model")]
pub async fn get_model(id: String) -> Result<ModelView, AppError> {
    let (backend, request) = crate::backend::from_context()?;
    backend.model(&request, &id).await
}
