//! A creation's model, from one of three sources: the chosen design turned
//! into a solid by a `mesh` job (the embedded image → 3D: a relief of the
//! picture's foreground; or a GPU worker's); a described object made by a
//! text → 3D service, or the customer's own model file, both by a `model`
//! job. Every model is repaired, checked watertight and kept with a picture
//! of it.

use app::concept::ConceptStatus;
use app::creation::CreationKind;
use app::error::AppError;
use app::job::JobStatus;
use app::model::{MeshDone, ModelSource, ModelView};
use serde::{Deserialize, Serialize};

use crate::generation::concepts::store as concepts;
use crate::jobs::kinds::Job;
use crate::jobs::queue;
use crate::platform::db::Db;

mod make;
mod versions;
pub use make::{MODEL_SIZE_MM, MeshJob, ModelFrom, ModelJob, keep, make, make_for, make_model, stand};
pub use versions::{MAX_VERSIONS, choose, files_of, make_another, refine};

#[derive(thiserror::Error, Debug)]
pub enum ModelError {
    #[error("That design is not ready to be made into a model.")]
    NotReady,
    #[error("no model yet")]
    NotFound,
    #[error("Your model is still being made: wait for it before making another version.")]
    StillMaking,
    #[error("A creation keeps at most {MAX_VERSIONS} versions: choose one of them.")]
    TooManyVersions,
    #[error("An uploaded model is printed as it is: upload another file for another model.")]
    NoOtherVersion,
    #[error("That version is not made yet.")]
    VersionNotMade,
    #[error("Only a made preview can be refined.")]
    NotRefinable,
    #[error(transparent)]
    Database(#[from] sqlx::Error),
    #[error(transparent)]
    Concepts(#[from] concepts::ConceptError),
}

impl From<ModelError> for AppError {
    fn from(error: ModelError) -> Self {
        match error {
            ModelError::NotReady => AppError::Invalid { field: "concept".into(), message: error.to_string() },
            ModelError::NotFound => AppError::NotFound,
            ModelError::StillMaking
            | ModelError::TooManyVersions
            | ModelError::NoOtherVersion
            | ModelError::VersionNotMade
            | ModelError::NotRefinable => {
                AppError::Conflict { field: "version".into(), message: error.to_string() }
            }
            ModelError::Concepts(error) => error.into(),
            ModelError::Database(error) => crate::platform::app_error::database(error),
        }
    }
}

pub fn upload_key(creation_id: &str) -> String {
    format!("models/{creation_id}/upload.stl")
}

/// One run of a model job. Each run keeps its files in a folder of its own,
/// and the job's result names that folder, written by the same statement that
/// completes the job under the run's lease. A run whose lease was lost (it
/// stalled, another worker took the job over and finished) can still write,
/// but only into its own folder, which nothing points at: it can never
/// overwrite the model of the run that won. The orphan sweep removes it.
#[derive(Debug, Clone, Copy)]
pub struct Run<'a> {
    pub job_id: &'a str,
    /// The job's attempt this run holds the lease of.
    pub attempt: i64,
}

fn run_folder(creation_id: &str, run: Run<'_>) -> String {
    format!("models/{creation_id}/{}-{}", run.job_id, run.attempt)
}

/// A model job's result: what the browser is told, and where the files are.
#[derive(Serialize, Deserialize, Debug, Clone)]
pub struct Made {
    #[serde(flatten)]
    pub done: MeshDone,
    /// The storage folder of the run that made the model.
    pub files: String,
    /// A text → 3D preview's task at its service, to refine it later.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub preview: Option<String>,
}

/// Where a creation's current model is stored.
#[derive(Debug, Clone, PartialEq)]
pub struct ModelFiles {
    folder: String,
}

impl ModelFiles {
    pub fn mesh(&self) -> String {
        format!("{}/model.stl", self.folder)
    }

    pub fn thumbnail(&self) -> String {
        format!("{}/thumbnail.png", self.folder)
    }
}

/// The files of the creation's model, once its job is done: the folder its
/// winning run wrote and the result names. A result from before runs had
/// folders names none; its files are at the creation's own folder.
pub async fn current_files(db: &Db, creation_id: &str) -> Result<Option<ModelFiles>, sqlx::Error> {
    let job: Option<Option<String>> = sqlx::query_scalar("SELECT mesh_job_id FROM creations WHERE id = $1")
        .bind(creation_id)
        .fetch_optional(db.pool())
        .await?;
    match job.flatten() {
        Some(job) => folder_of(db, creation_id, &job).await,
        None => Ok(None),
    }
}

/// The files of the creation's model job `job_id`, once done.
async fn folder_of(db: &Db, creation_id: &str, job_id: &str) -> Result<Option<ModelFiles>, sqlx::Error> {
    let Some(result) = queue::result_if_done(db, job_id).await? else { return Ok(None) };
    let own = format!("models/{creation_id}/");
    let named = result
        .and_then(|json| serde_json::from_str::<serde_json::Value>(&json).ok())
        .and_then(|result| result["files"].as_str().map(str::to_string))
        // Written by this code; a folder outside the creation's is never read.
        .filter(|folder| folder.strip_prefix(&own).is_some_and(|run| !run.is_empty() && !run.contains('/')));
    Ok(Some(ModelFiles { folder: named.unwrap_or_else(|| format!("models/{creation_id}")) }))
}

fn mesh_done(creation_id: &str) -> MeshDone {
    MeshDone {
        mesh_url: format!("/media/models/{creation_id}/model.stl"),
        thumbnail_url: format!("/media/models/{creation_id}/thumbnail.png"),
    }
}

/// Picks a ready concept and queues its model; returns the mesh job. Picking
/// the same concept again while its model is made or made returns the same job.
pub async fn select(
    db: &Db,
    creation_id: &str,
    index: u32,
    form: app::model::KeepsakeForm,
) -> Result<String, ModelError> {
    let concept = concepts::find(db, creation_id, index).await?;
    if concept.is_none_or(|c| c.status != ConceptStatus::Ready) {
        return Err(ModelError::NotReady);
    }
    if let Some(current) = current(db, creation_id).await?
        && current.index == Some(index)
        && current.status != JobStatus::Failed
        && form_of(db, &current.job_id).await? == form
    {
        return Ok(current.job_id);
    }
    let job = MeshJob { creation_id: creation_id.into(), index, form, seed: 0 };
    let mut tx = db.begin_write().await?;
    let job_id = queue_model_job(&mut tx, creation_id, Some(index), &job).await?;
    versions::forget_price(&mut tx, creation_id).await?;
    crate::reports::funnel::reached(
        &mut *tx,
        creation_id,
        app::report::FunnelStep::ConceptPicked,
        crate::platform::time::now_ms(),
    )
    .await?;
    tx.commit().await?;
    queue::wake_workers();
    Ok(job_id)
}

/// A creation whose model is being made or made.
struct Current {
    /// The chosen design; none for a description or upload.
    index: Option<u32>,
    job_id: String,
    status: JobStatus,
    kind: CreationKind,
    /// The object's name or the file's, for creations without a design.
    name: String,
    facts: String,
}

/// A creation's row as [`current`] reads it.
#[derive(sqlx::FromRow)]
struct CurrentRow {
    selected_idx: Option<i64>,
    mesh_job_id: Option<String>,
    kind: String,
    hobbies: String,
    facts: String,
}

/// The creation's model job, if it has one, and what it is made from.
async fn current(db: &Db, creation_id: &str) -> Result<Option<Current>, sqlx::Error> {
    let row: Option<CurrentRow> =
        sqlx::query_as("SELECT selected_idx, mesh_job_id, kind, hobbies, facts FROM creations WHERE id = $1")
            .bind(creation_id)
            .fetch_optional(db.pool())
            .await?;
    let Some(row) = row else { return Ok(None) };
    let Some(job_id) = row.mesh_job_id else { return Ok(None) };
    let Some(status) = queue::status_of(db, &job_id).await? else { return Ok(None) };
    let name = serde_json::from_str::<Vec<String>>(&row.hobbies).ok().and_then(|h| h.into_iter().next());
    Ok(Some(Current {
        index: row.selected_idx.map(|i| i as u32),
        job_id,
        status: JobStatus::from_row(&status),
        kind: CreationKind::from_name(&row.kind),
        name: name.unwrap_or_default(),
        facts: row.facts,
    }))
}

/// The form a mesh job makes (a job from before the choice: a plaque).
async fn form_of(db: &Db, job_id: &str) -> Result<app::model::KeepsakeForm, sqlx::Error> {
    Ok(queue::view(db, job_id).await?.and_then(|job| versions::form_of(&job)).unwrap_or_default())
}

/// The creation's chosen concept, if any.
pub async fn selected(db: &Db, creation_id: &str) -> Result<Option<u32>, sqlx::Error> {
    Ok(current(db, creation_id).await?.and_then(|current| current.index))
}

/// The model page's view of the creation's model with every version made;
/// `makes_forms`: whether the image → 3D maker makes the form a customer picks.
pub async fn view_with_versions(
    db: &Db,
    creation_id: &str,
    makes_forms: bool,
) -> Result<ModelView, ModelError> {
    let mut view = view(db, creation_id).await?;
    let versions = versions::list(db, creation_id, &view.job_id, makes_forms).await?;
    if let Some(job) = queue::view(db, &view.job_id).await? {
        view.another = versions::another(&versions, &job, makes_forms);
    }
    view.versions = versions;
    Ok(view)
}

/// The creation's model as the studio and an order read it: its title,
/// where its making is and its files, without the versions (no
/// `versions`, nothing `another` offers), which only the model page shows.
pub async fn view(db: &Db, creation_id: &str) -> Result<ModelView, ModelError> {
    let current = current(db, creation_id).await?.ok_or(ModelError::NotFound)?;
    let job = queue::view(db, &current.job_id).await?.ok_or(ModelError::NotFound)?;
    let (title, source) = match (current.index, current.kind) {
        (Some(index), _) => {
            let concept = concepts::find(db, creation_id, index).await?.ok_or(ModelError::NotFound)?;
            (concept.title, ModelSource::Design { image_url: concepts::image_url(creation_id, index) })
        }
        (None, CreationKind::Upload) => (current.name, ModelSource::Upload { about: current.facts }),
        (None, _) => (current.name, ModelSource::Description { text: current.facts }),
    };
    let status = current.status;
    let done = (status == JobStatus::Done).then(|| mesh_done(creation_id));
    Ok(ModelView {
        creation_id: creation_id.to_string(),
        title,
        source,
        job_id: current.job_id,
        status,
        stage: job.stage.unwrap_or_else(|| "Waiting for a free worker".into()),
        percent: job.percent.unwrap_or(0).clamp(0, 100) as u8,
        mesh_url: done.as_ref().map(|d| d.mesh_url.clone()),
        thumbnail_url: done.map(|d| d.thumbnail_url),
        error: job.error.filter(|_| status == JobStatus::Failed),
        versions: Vec::new(),
        another: app::model::Another::Nothing,
    })
}

/// Stores a creation that goes straight to its model (a description for
/// the text → 3D service, or an uploaded model) with its `model` job, in
/// one transaction; returns the job's id. The creation's `id` is chosen by
/// the caller so that an upload can be stored under it first.
pub async fn create_with_model(
    db: &Db,
    id: &str,
    visitor: &crate::platform::visitors::VisitorId,
    story: &app::story::Story,
    kind: CreationKind,
    from: ModelFrom,
) -> Result<String, sqlx::Error> {
    let job = ModelJob { creation_id: id.into(), from, seed: 0 };
    let mut tx = db.begin_write().await?;
    crate::generation::creations::insert(&mut tx, id, visitor, story, kind).await?;
    let job_id = queue_model_job(&mut tx, id, None, &job).await?;
    tx.commit().await?;
    queue::wake_workers();
    Ok(job_id)
}

/// Queues the job that makes the creation's model (from the design at
/// `index`, if any) and makes it the creation's current one; the caller
/// commits `tx` and wakes the workers.
async fn queue_model_job(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    creation_id: &str,
    index: Option<u32>,
    job: &impl Job,
) -> Result<String, sqlx::Error> {
    let job_id = queue::push(&mut **tx, job).await?;
    versions::record(tx, creation_id, &job_id).await?;
    sqlx::query("UPDATE creations SET selected_idx = $1, mesh_job_id = $2 WHERE id = $3")
        .bind(index.map(i64::from))
        .bind(&job_id)
        .bind(creation_id)
        .execute(&mut **tx)
        .await?;
    Ok(job_id)
}
