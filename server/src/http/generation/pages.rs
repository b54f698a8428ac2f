//! A customer's creations for the pages: the server's side of `app::backend::Creations`.

use app::backend::Creations;
use app::creation::Creation;
use app::error::AppError;
use app::story::Story;
use http::request::Parts;
use leptos::server_fn::codec::MultipartData;

use app::concept::Gallery;
use app::model::ModelView;

use crate::generation::concepts::store::{self as concepts};
use crate::generation::creations;
use crate::generation::model3d::{self};
use crate::http::model_form::{self};
use crate::platform::app_error::{database, internal};
use crate::state::AppState;

use crate::http::pages::visitor;

#[async_trait::async_trait]
impl Creations for AppState {
    async fn create_creation(
        &self,
        request: &Parts,
        story: Story,
        kind: app::creation::CreationKind,
    ) -> Result<app::creation::Started, AppError> {
        let visitor = visitor(request)?.id();
        creations::create_and_start(&self.generation(), &visitor, &story, kind).await.map_err(database)
    }

    async fn upload_model(
        &self,
        request: &Parts,
        form: MultipartData,
    ) -> Result<app::creation::Started, AppError> {
        let visitor = visitor(request)?.id();
        let form = form.into_inner().ok_or_else(|| internal("the browser's form data reached the server"))?;
        let file = model_form::read_model_fields(form, &self.config).await.map_err(AppError::from)?;
        crate::generation::uploads::start(&self.generation(), &visitor, file).await.map_err(AppError::from)
    }

    async fn creation(&self, request: &Parts, id: &str) -> Result<Creation, AppError> {
        let Some(visitor) = visitor(request)?.existing_id() else {
            return Err(AppError::NotFound);
        };
        creations::find(&self.db, &visitor, id).await.map_err(database)?.ok_or(AppError::NotFound)
    }

    async fn my_creations(&self, request: &Parts) -> Result<Vec<app::creation::MyCreation>, AppError> {
        let Some(visitor) = visitor(request)?.existing_id() else { return Ok(Vec::new()) };
        creations::list_for(&self.db, &visitor).await.map_err(database)
    }

    async fn gallery(&self, request: &Parts, id: &str) -> Result<Gallery, AppError> {
        let creation = self.designed_creation(request, id).await?;
        let mut concepts = concepts::list(&self.db, id).await?;
        if concepts.is_empty() {
            // Queued when the story was stored; this heals a creation whose first batch failed to queue.
            self.add_designs(&creation).await?;
            concepts = concepts::list(&self.db, id).await?;
        }
        let selected = model3d::selected(&self.db, id).await.map_err(database)?;
        if concepts.iter().any(|concept| concept.status == app::concept::ConceptStatus::Ready) {
            crate::reports::funnel::seen(&self.db, id, app::report::FunnelStep::ConceptsShown).await;
        }
        Ok(Gallery { creation, concepts, selected })
    }

    async fn explore_more(&self, request: &Parts, id: &str) -> Result<Vec<u32>, AppError> {
        let creation = self.designed_creation(request, id).await?;
        Ok(self.add_designs(&creation).await?)
    }

    async fn retry_concept(&self, request: &Parts, id: &str, index: u32) -> Result<(), AppError> {
        self.creation(request, id).await?;
        concepts::retry(&self.db, id, index).await.map_err(AppError::from)
    }

    async fn select_concept(
        &self,
        request: &Parts,
        id: &str,
        index: u32,
        form: app::model::KeepsakeForm,
    ) -> Result<String, AppError> {
        self.creation(request, id).await?;
        model3d::select(&self.db, id, index, form).await.map_err(AppError::from)
    }

    async fn model(&self, request: &Parts, id: &str) -> Result<ModelView, AppError> {
        self.creation(request, id).await?;
        model3d::view_with_versions(&self.db, id, self.models.makes_forms()).await.map_err(AppError::from)
    }

    async fn make_another_version(
        &self,
        request: &Parts,
        id: &str,
        form: Option<app::model::KeepsakeForm>,
    ) -> Result<String, AppError> {
        self.creation(request, id).await?;
        model3d::make_another(&self.db, id, form).await.map_err(AppError::from)
    }

    async fn choose_version(&self, request: &Parts, id: &str, job_id: &str) -> Result<(), AppError> {
        self.creation(request, id).await?;
        model3d::choose(&self.db, id, job_id).await.map_err(AppError::from)
    }

    async fn refine_version(
        &self,
        request: &Parts,
        id: &str,
        job_id: &str,
        texture_prompt: Option<String>,
    ) -> Result<String, AppError> {
        self.creation(request, id).await?;
        model3d::refine(&self.db, id, job_id, texture_prompt.as_deref()).await.map_err(AppError::from)
    }
}

impl AppState {
    /// The visitor's creation if designs are drawn for it; an uploaded
    /// model has none, so its designs page does not exist.
    /// Queues the creation's next four designs; their indices.
    async fn add_designs(&self, creation: &Creation) -> Result<Vec<u32>, concepts::ConceptError> {
        let store = (&self.db, self.config.as_ref());
        concepts::add_batch(store, self.writer.as_ref(), &creation.id, &creation.story, creation.kind).await
    }

    async fn designed_creation(&self, request: &Parts, id: &str) -> Result<Creation, AppError> {
        Some(self.creation(request, id).await?).filter(Creation::has_designs).ok_or(AppError::NotFound)
    }
}
