//! A customer's creations: the story or upload that starts one, its designs, and its model.

use http::request::Parts;

use crate::creation::Creation;
use crate::error::AppError;
use crate::story::Story;

/// A customer's creations: the story or upload that starts one, its designs, and its model.
#[async_trait::async_trait]
pub trait Creations: Send + Sync {
    /// Stores a new creation for the visitor who sent `request` and starts
    /// it: its designs, or its model when a text → 3D service makes it.
    async fn create_creation(
        &self,
        request: &Parts,
        story: Story,
        kind: crate::creation::CreationKind,
    ) -> Result<crate::creation::Started, AppError>;
    /// Reads the upload form (`file`: STL, OBJ or 3MF), checks the model is
    /// a printable solid and starts a creation that goes straight to it.
    async fn upload_model(
        &self,
        request: &Parts,
        form: leptos::server_fn::codec::MultipartData,
    ) -> Result<crate::creation::Started, AppError>;
    /// The creation, or [`AppError::NotFound`] when it does not exist or is not the visitor's.
    async fn creation(&self, request: &Parts, id: &str) -> Result<Creation, AppError>;
    /// The visitor's creations, newest first (none for a first visit).
    async fn my_creations(&self, request: &Parts) -> Result<Vec<crate::creation::MyCreation>, AppError>;
    /// The creation and its concepts (queuing the first four if missing).
    async fn gallery(&self, request: &Parts, id: &str) -> Result<crate::concept::Gallery, AppError>;
    async fn explore_more(&self, request: &Parts, id: &str) -> Result<Vec<u32>, AppError>;
    async fn retry_concept(&self, request: &Parts, id: &str, index: u32) -> Result<(), AppError>;
    /// Queues the model of a ready concept; returns the mesh job's id.
    async fn select_concept(
        &self,
        request: &Parts,
        id: &str,
        index: u32,
        form: crate::model::KeepsakeForm,
    ) -> Result<String, AppError>;
    /// The creation's model: where its making is, and the result.
    async fn model(&self, request: &Parts, id: &str) -> Result<crate::model::ModelView, AppError>;
    /// Makes another version of the creation's model (in `form`, for a
    /// design the embedded maker makes) and chooses it; returns its job.
    async fn make_another_version(
        &self,
        request: &Parts,
        id: &str,
        form: Option<crate::model::KeepsakeForm>,
    ) -> Result<String, AppError>;
    /// Makes a made version the chosen one.
    async fn choose_version(&self, request: &Parts, id: &str, job_id: &str) -> Result<(), AppError>;
    /// Refines a made text → 3D preview into a new version; returns its job.
    async fn refine_version(
        &self,
        request: &Parts,
        id: &str,
        job_id: &str,
        texture_prompt: Option<String>,
    ) -> Result<String, AppError>;
}
