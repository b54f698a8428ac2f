//! A creation's model: the chosen concept turned into a printable solid by a
//! `mesh` job (the embedded image → 3D: a relief of the picture's
//! foreground), repaired, checked watertight, and kept with a picture of it.

use app::concept::ConceptStatus;
use app::job::JobStatus;
use app::model::{MeshDone, ModelView};
use serde::{Deserialize, Serialize};
use sqlx::Row;

use crate::concepts::store as concepts;
use crate::db::Db;
use crate::image_to_3d::{MakeError, ModelMaker};
use crate::jobs;
use crate::jobs::Report;
use crate::state::AppState;
use crate::storage::Storage;

pub const MESH_JOB: &str = "mesh";

#[derive(Serialize, Deserialize, Debug, Clone)]
pub struct MeshJob {
    pub creation_id: String,
    pub index: u32,
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

pub fn mesh_key(creation_id: &str) -> String {
    format!("models/{creation_id}/model.stl")
}

pub fn thumbnail_key(creation_id: &str) -> String {
    format!("models/{creation_id}/thumbnail.png")
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
    if let Some((selected, job_id, status)) = current(db, creation_id).await?
        && selected == index
        && status != JobStatus::Failed
    {
        return Ok(job_id);
    }
    let payload =
        serde_json::to_value(MeshJob { creation_id: creation_id.into(), index }).expect("serialises");
    let mut tx = db.pool().begin().await?;
    let job_id = jobs::enqueue_with(&mut *tx, MESH_JOB, &payload, 3).await?;
    sqlx::query("UPDATE creations SET selected_idx = $1, mesh_job_id = $2 WHERE id = $3")
        .bind(i64::from(index))
        .bind(&job_id)
        .bind(creation_id)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(job_id)
}

/// The chosen concept, its mesh job and that job's status.
async fn current(db: &Db, creation_id: &str) -> Result<Option<(u32, String, JobStatus)>, sqlx::Error> {
    let row = sqlx::query(
        "SELECT c.selected_idx, c.mesh_job_id, j.status FROM creations c JOIN jobs j ON j.id = c.mesh_job_id \
         WHERE c.id = $1",
    )
    .bind(creation_id)
    .fetch_optional(db.pool())
    .await?;
    let Some(row) = row else { return Ok(None) };
    let index: i64 = row.try_get("selected_idx")?;
    let status: String = row.try_get("status")?;
    Ok(Some((index as u32, row.try_get("mesh_job_id")?, JobStatus::from_row(&status))))
}

/// The creation's chosen concept, if any.
pub async fn selected(db: &Db, creation_id: &str) -> Result<Option<u32>, sqlx::Error> {
    Ok(current(db, creation_id).await?.map(|(index, _, _)| index))
}

/// The model page's view of the creation's model.
pub async fn view(db: &Db, creation_id: &str) -> Result<ModelView, ModelError> {
    let (index, job_id, _) = current(db, creation_id).await?.ok_or(ModelError::NotFound)?;
    let job = jobs::view(db, &job_id).await?.ok_or(ModelError::NotFound)?;
    let concept = concepts::find(db, creation_id, index).await?.ok_or(ModelError::NotFound)?;
    let status = JobStatus::from_row(&job.status);
    let done = (status == JobStatus::Done).then(|| mesh_done(creation_id));
    Ok(ModelView {
        creation_id: creation_id.to_string(),
        concept_title: concept.title.clone(),
        concept_image_url: concepts::image_url(creation_id, index),
        job_id,
        status,
        stage: job.stage.unwrap_or_else(|| "Waiting for a free worker".into()),
        percent: job.percent.unwrap_or(0).clamp(0, 100) as u8,
        mesh_url: done.as_ref().map(|d| d.mesh_url.clone()),
        thumbnail_url: done.map(|d| d.thumbnail_url),
        error: job.error.filter(|_| status == JobStatus::Failed),
    })
}

/// The longest side of a finished model, mm: a keepsake that sits in a hand.
pub const MODEL_SIZE_MM: f64 = 80.0;

/// The mesh job's work: picture → the configured maker's model → repaired,
/// watertight, scaled to [`MODEL_SIZE_MM`] and standing at z = 0 → stored
/// with its thumbnail.
pub async fn make(
    storage: &Storage,
    maker: &dyn ModelMaker,
    job: &MeshJob,
    report: Report,
) -> Result<MeshDone, MakeError> {
    let (creation, index) = (job.creation_id.as_str(), job.index);
    report("Reading the design", 5);
    let png = storage
        .get(&concepts::image_key(creation, index))
        .await
        .map_err(|e| MakeError::Transient(format!("the design's picture cannot be read: {e}")))?;
    let raw = maker.make(png.to_vec(), report.clone()).await?;
    keep(storage, creation, raw, report).await
}

/// Checks a made model (repaired, one watertight solid, scaled to
/// [`MODEL_SIZE_MM`], standing on z = 0) and keeps it with its thumbnail.
/// Every maker's result passes here, local or from a remote worker.
pub async fn keep(
    storage: &Storage,
    creation: &str,
    raw: geometry::Mesh,
    report: Report,
) -> Result<MeshDone, MakeError> {
    let (stl, thumbnail) = tokio::task::spawn_blocking(move || -> Result<(Vec<u8>, Vec<u8>), MakeError> {
        report("Checking that it prints as one solid", 70);
        let (mesh, _, _) = geometry::repair_solid(&raw)
            .map_err(|e| MakeError::Unusable(format!("The model is not a printable solid: {e}")))?;
        let mesh = stand_at_size(mesh, MODEL_SIZE_MM);
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
    store(mesh_key(creation), stl).await?;
    store(thumbnail_key(creation), thumbnail).await?;
    Ok(mesh_done(creation))
}

/// `mesh` scaled so its longest side is `size_mm`, centred on x = y = 0,
/// standing on z = 0.
pub fn stand_at_size(mut mesh: geometry::Mesh, size_mm: f64) -> geometry::Mesh {
    let [min, max] = geometry::analysis::bounding_box(&mesh);
    let longest = (0..3).map(|i| max[i] - min[i]).fold(0.0, f64::max);
    let scale = if longest > 0.0 { size_mm / longest } else { 1.0 };
    let centre = [(min[0] + max[0]) / 2.0, (min[1] + max[1]) / 2.0];
    for v in &mut mesh.vertices {
        *v = [(v[0] - centre[0]) * scale, (v[1] - centre[1]) * scale, (v[2] - min[2]) * scale];
    }
    mesh
}

/// [`make`] for a claimed job's payload, with the app's model maker.
pub async fn make_for(
    state: &AppState,
    payload: &serde_json::Value,
    report: Report,
) -> Result<MeshDone, MakeError> {
    let job: MeshJob =
        serde_json::from_value(payload.clone()).map_err(|e| MakeError::Unusable(format!("bad job: {e}")))?;
    make(&state.storage, state.models.as_ref(), &job, report).await
}
