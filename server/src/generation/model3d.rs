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
use sqlx::Row;

use crate::generation::concepts::store as concepts;
use crate::generation::image_to_3d::{MakeError, ModelMaker};
use crate::jobs::kinds::{Job, JobKind};
use crate::jobs::queue;
use crate::jobs::queue::Report;
use crate::platform::db::Db;
use crate::platform::mesh_work::MeshWork;
use crate::platform::storage::Storage;
use crate::state::AppState;

#[derive(Serialize, Deserialize, Debug, Clone)]
pub struct MeshJob {
    pub creation_id: String,
    pub index: u32,
}

impl Job for MeshJob {
    const KIND: JobKind = JobKind::Mesh;
}

/// What a `model` job carries.
#[derive(Serialize, Deserialize, Debug, Clone)]
pub struct ModelJob {
    pub creation_id: String,
    pub from: ModelFrom,
}

impl Job for ModelJob {
    const KIND: JobKind = JobKind::Model;
}

#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
#[serde(rename_all = "lowercase")]
pub enum ModelFrom {
    /// The object's description, for the text → 3D service.
    Description(String),
    /// The storage key of the customer's model, already read and repaired
    /// (a binary STL).
    Upload(String),
}

#[derive(thiserror::Error, Debug)]
pub enum ModelError {
    #[error("That design is not ready to be made into a model.")]
    NotReady,
    #[error("no model yet")]
    NotFound,
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
    let result: Option<Option<String>> = sqlx::query_scalar(
        "SELECT j.result FROM creations c JOIN jobs j ON j.id = c.mesh_job_id \
         WHERE c.id = $1 AND j.status = 'done'",
    )
    .bind(creation_id)
    .fetch_optional(db.pool())
    .await?;
    let Some(result) = result else { return Ok(None) };
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
pub async fn select(db: &Db, creation_id: &str, index: u32) -> Result<String, ModelError> {
    let concept = concepts::find(db, creation_id, index).await?;
    if concept.is_none_or(|c| c.status != ConceptStatus::Ready) {
        return Err(ModelError::NotReady);
    }
    if let Some(current) = current(db, creation_id).await?
        && current.index == Some(index)
        && current.status != JobStatus::Failed
    {
        return Ok(current.job_id);
    }
    let job = MeshJob { creation_id: creation_id.into(), index };
    let mut tx = db.begin_write().await?;
    let job_id = queue_model_job(&mut tx, creation_id, Some(index), &job).await?;
    // A price is for one mesh: another design's model has none yet.
    sqlx::query("UPDATE creations SET keepsake_quote_job_id = NULL WHERE id = $1")
        .bind(creation_id)
        .execute(&mut *tx)
        .await?;
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

/// The creation's model job, if it has one, and what it is made from.
async fn current(db: &Db, creation_id: &str) -> Result<Option<Current>, sqlx::Error> {
    let row = sqlx::query(
        "SELECT c.selected_idx, c.mesh_job_id, c.kind, c.hobbies, c.facts, j.status \
         FROM creations c JOIN jobs j ON j.id = c.mesh_job_id WHERE c.id = $1",
    )
    .bind(creation_id)
    .fetch_optional(db.pool())
    .await?;
    let Some(row) = row else { return Ok(None) };
    let index: Option<i64> = row.try_get("selected_idx")?;
    let status: String = row.try_get("status")?;
    let hobbies: String = row.try_get("hobbies")?;
    let name = serde_json::from_str::<Vec<String>>(&hobbies).ok().and_then(|h| h.into_iter().next());
    Ok(Some(Current {
        index: index.map(|i| i as u32),
        job_id: row.try_get("mesh_job_id")?,
        status: JobStatus::from_row(&status),
        kind: CreationKind::from_name(&row.try_get::<String, _>("kind")?),
        name: name.unwrap_or_default(),
        facts: row.try_get("facts")?,
    }))
}

/// The creation's chosen concept, if any.
pub async fn selected(db: &Db, creation_id: &str) -> Result<Option<u32>, sqlx::Error> {
    Ok(current(db, creation_id).await?.and_then(|current| current.index))
}

/// The model page's view of the creation's model.
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
    })
}

/// Stores a creation that goes straight to its model (a description for
/// the text → 3D service, or an uploaded model) with its `model` job, in
/// one transaction; returns the job's id. The creation's `id` is chosen by
/// the caller so that an upload can be stored under it first.
pub async fn create_with_model(
    db: &Db,
    id: &str,
    visitor: &crate::http::session::VisitorId,
    story: &app::story::Story,
    kind: CreationKind,
    from: ModelFrom,
) -> Result<String, sqlx::Error> {
    let job = ModelJob { creation_id: id.into(), from };
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
    sqlx::query("UPDATE creations SET selected_idx = $1, mesh_job_id = $2 WHERE id = $3")
        .bind(index.map(i64::from))
        .bind(&job_id)
        .bind(creation_id)
        .execute(&mut **tx)
        .await?;
    Ok(job_id)
}

/// The longest side of a finished model, mm: a keepsake that sits in a hand.
pub const MODEL_SIZE_MM: f64 = 80.0;

/// The mesh job's work: picture → the configured maker's model → repaired,
/// watertight, scaled to [`MODEL_SIZE_MM`] and standing at z = 0 → stored
/// with its thumbnail.
pub async fn make(
    (storage, work): (&Storage, &MeshWork),
    maker: &dyn ModelMaker,
    (job, run): (&MeshJob, Run<'_>),
    report: Report,
) -> Result<Made, MakeError> {
    let (creation, index) = (job.creation_id.as_str(), job.index);
    report("Reading the design", 5);
    let png = storage
        .get(&concepts::image_key(creation, index))
        .await
        .map_err(|e| MakeError::Transient(format!("the design's picture cannot be read: {e}")))?;
    let raw = maker.make(png.to_vec(), report.clone()).await?;
    keep((storage, work), (creation, run), raw, Some(MODEL_SIZE_MM), report).await
}

/// Checks a made model (repaired, one watertight solid, scaled so its
/// longest side is `fit_mm` if given, standing centred on z = 0) and keeps
/// it with its thumbnail in the run's folder. Every model passes here, made
/// here, by a remote worker or uploaded.
pub async fn keep(
    (storage, work): (&Storage, &MeshWork),
    (creation, run): (&str, Run<'_>),
    raw: geometry::Mesh,
    fit_mm: Option<f64>,
    report: Report,
) -> Result<Made, MakeError> {
    let (stl, thumbnail) = work
        .run(move || -> Result<(Vec<u8>, Vec<u8>), MakeError> {
            report("Checking that it prints as one solid", 70);
            let (mesh, _, _) = geometry::repair_solid(&raw)
                .map_err(|e| MakeError::Unusable(format!("The model is not a printable solid: {e}")))?;
            let mesh = stand(mesh, fit_mm);
            report("Taking its picture", 85);
            let thumbnail = geometry::thumbnail::render_png(&mesh, 512)
                .map_err(|e| MakeError::Transient(format!("the model's picture failed: {e}")))?;
            Ok((geometry::io::stl::write_binary(&mesh), thumbnail))
        })
        .await
        .map_err(|e| MakeError::Transient(format!("the model's making stopped: {e}")))??;
    let store = |key: String, bytes: Vec<u8>| async move {
        storage.put(&key, bytes).await.map_err(|e| MakeError::Transient(e.to_string()))
    };
    let files = ModelFiles { folder: run_folder(creation, run) };
    store(files.mesh(), stl).await?;
    store(files.thumbnail(), thumbnail).await?;
    Ok(Made { done: mesh_done(creation), files: files.folder })
}

/// `mesh` scaled so its longest side is `fit_mm` (if given), centred on
/// x = y = 0, standing on z = 0.
pub fn stand(mut mesh: geometry::Mesh, fit_mm: Option<f64>) -> geometry::Mesh {
    let [min, max] = geometry::analysis::bounding_box(&mesh);
    let longest = (0..3).map(|i| max[i] - min[i]).fold(0.0, f64::max);
    let scale = match fit_mm {
        Some(size_mm) if longest > 0.0 => size_mm / longest,
        _ => 1.0,
    };
    let centre = [(min[0] + max[0]) / 2.0, (min[1] + max[1]) / 2.0];
    for v in &mut mesh.vertices {
        *v = [(v[0] - centre[0]) * scale, (v[1] - centre[1]) * scale, (v[2] - min[2]) * scale];
    }
    mesh
}

/// Counts a call to a paid 3D service against its daily ceiling: past it,
/// the job fails with the reason (retrying today cannot help).
async fn paid(state: &AppState, paid: crate::platform::spend::Paid) -> Result<(), MakeError> {
    crate::platform::spend::charge(&state.db, &state.config, paid).await.map_err(|error| match error {
        crate::platform::spend::SpendError::CeilingReached(_) => MakeError::Unusable(error.to_string()),
        crate::platform::spend::SpendError::Database(error) => MakeError::Transient(error.to_string()),
    })
}

/// [`make`] for a claimed job's payload, with the app's model maker.
pub async fn make_for(
    state: &AppState,
    (payload, run): (&serde_json::Value, Run<'_>),
    report: Report,
) -> Result<Made, MakeError> {
    let job: MeshJob =
        serde_json::from_value(payload.clone()).map_err(|e| MakeError::Unusable(format!("bad job: {e}")))?;
    paid(state, crate::platform::spend::Paid::Mesh).await?;
    let started = std::time::Instant::now();
    let made = make((&state.storage, &state.mesh_work), state.models.as_ref(), (&job, run), report).await;
    crate::platform::metrics::provider_call(crate::platform::metrics::Provider::Mesh, started, made.is_ok());
    made
}

/// A `model` job's work, for its payload: the description made at the
/// text → 3D service (scaled to [`MODEL_SIZE_MM`]), or the uploaded model
/// (kept at its own size: its millimetres are the customer's).
pub async fn make_model(
    state: &AppState,
    (payload, run): (&serde_json::Value, Run<'_>),
    report: Report,
) -> Result<Made, MakeError> {
    let job: ModelJob =
        serde_json::from_value(payload.clone()).map_err(|e| MakeError::Unusable(format!("bad job: {e}")))?;
    let creation = job.creation_id.as_str();
    match job.from {
        ModelFrom::Description(description) => {
            let maker = state.text_models.as_ref().ok_or_else(|| {
                MakeError::Unusable(
                    "Making a model from words needs a text → 3D service, and none is set up.".into(),
                )
            })?;
            paid(state, crate::platform::spend::Paid::TextTo3d).await?;
            let raw = maker.make(&description, report.clone()).await?;
            keep((&state.storage, &state.mesh_work), (creation, run), raw, Some(MODEL_SIZE_MM), report).await
        }
        ModelFrom::Upload(key) => {
            report("Reading your model", 10);
            let stl = state
                .storage
                .get(&key)
                .await
                .map_err(|e| MakeError::Transient(format!("the uploaded model cannot be read: {e}")))?;
            let limits = state.config.model_limits();
            let raw = state
                .mesh_work
                .run(move || geometry::io::read(geometry::io::Format::Stl, &stl, &limits))
                .await
                .map_err(|e| MakeError::Transient(format!("reading the model stopped: {e}")))?
                .map_err(|e| MakeError::Unusable(format!("Your model cannot be read: {e}")))?;
            keep((&state.storage, &state.mesh_work), (creation, run), raw, None, report).await
        }
    }
}
