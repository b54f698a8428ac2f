//! A creation's versions: every model made for it, oldest first. "Make
//! another version" makes a new one from the same design (another form, or
//! a new seed for a 3D service) or the same description (a new preview),
//! and keeps the earlier ones to choose from; a text → 3D preview can be
//! refined into a version of its own. The chosen version is the creation's
//! `mesh_job_id`, the one the studio and the order use.

use app::model::{Another, KeepsakeForm, ModelVersion};

use super::*;
use crate::jobs::queue::JobView;

/// The most versions a creation keeps: each one may be a paid service's call.
pub const MAX_VERSIONS: usize = 8;

/// The longest texture prompt kept (what Meshy reads of one).
const TEXTURE_PROMPT_MAX_CHARS: usize = 600;

/// Writes down a model job as one of the creation's versions, in the
/// transaction that queues it.
pub(super) async fn record(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    creation_id: &str,
    job_id: &str,
) -> sqlx::Result<()> {
    sqlx::query("INSERT INTO model_versions (job_id, creation_id, made_at) VALUES ($1, $2, $3)")
        .bind(job_id)
        .bind(creation_id)
        .bind(crate::platform::time::now_ms())
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// The creation's versions' jobs, oldest first.
async fn job_ids(db: &Db, creation_id: &str) -> sqlx::Result<Vec<String>> {
    sqlx::query_scalar("SELECT job_id FROM model_versions WHERE creation_id = $1 ORDER BY made_at, job_id")
        .bind(creation_id)
        .fetch_all(db.pool())
        .await
}

/// The job of one of the creation's versions; `None` if it is not one.
async fn version_job(db: &Db, creation_id: &str, job_id: &str) -> sqlx::Result<Option<JobView>> {
    let known: Option<String> =
        sqlx::query_scalar("SELECT job_id FROM model_versions WHERE creation_id = $1 AND job_id = $2")
            .bind(creation_id)
            .bind(job_id)
            .fetch_optional(db.pool())
            .await?;
    match known {
        Some(job_id) => queue::view(db, &job_id).await,
        None => Ok(None),
    }
}

/// What the version's job was asked to make.
enum Made {
    Design(MeshJob),
    Model(ModelJob),
    Unknown,
}

fn made(job: &JobView) -> Made {
    let payload = job.payload.clone();
    if job.kind == MeshJob::KIND.name() {
        serde_json::from_value(payload).map_or(Made::Unknown, Made::Design)
    } else {
        serde_json::from_value(payload).map_or(Made::Unknown, Made::Model)
    }
}

/// The form a design's model job was asked for; `None` for another kind of job.
pub(super) fn form_of(job: &JobView) -> Option<KeepsakeForm> {
    match made(job) {
        Made::Design(mesh) => Some(mesh.form),
        _ => None,
    }
}

/// A text → 3D preview's task at its service, once it is made.
fn preview_task(job: &JobView) -> Option<String> {
    let result = job.result.as_ref().filter(|_| JobStatus::from_row(&job.status) == JobStatus::Done)?;
    result["preview"].as_str().map(str::to_string)
}

/// The version in the customer's words.
fn what_it_is(job: &JobView, makes_forms: bool) -> String {
    match made(job) {
        Made::Design(mesh) if makes_forms => mesh.form.label().to_string(),
        Made::Design(_) => "A model of the design".into(),
        Made::Model(model) => match model.from {
            ModelFrom::Description(_) => "Preview, untextured".into(),
            ModelFrom::Refine { texture_prompt: Some(prompt), .. } => {
                let short: String = prompt.chars().take(40).collect();
                let more = if short.len() < prompt.len() { "…" } else { "" };
                format!("Refined: “{short}{more}”")
            }
            ModelFrom::Refine { texture_prompt: None, .. } => "Refined".into(),
            ModelFrom::Upload(_) => "Your file".into(),
        },
        Made::Unknown => "A model".into(),
    }
}

/// Each of the creation's versions as the model page shows it.
pub async fn list(
    db: &Db,
    creation_id: &str,
    chosen: &str,
    makes_forms: bool,
) -> sqlx::Result<Vec<ModelVersion>> {
    let mut versions = Vec::new();
    for (number, job_id) in job_ids(db, creation_id).await?.into_iter().enumerate() {
        let Some(job) = queue::view(db, &job_id).await? else { continue };
        let status = JobStatus::from_row(&job.status);
        versions.push(ModelVersion {
            number: number as u32 + 1,
            what: what_it_is(&job, makes_forms),
            status,
            thumbnail_url: (status == JobStatus::Done)
                .then(|| format!("/media/models/{creation_id}/versions/{job_id}/thumbnail.png")),
            chosen: job_id == chosen,
            refinable: preview_task(&job).is_some(),
            job_id,
        });
    }
    Ok(versions)
}

/// What "Make another version" can make for the creation now.
pub(super) fn another(versions: &[ModelVersion], current: &JobView, makes_forms: bool) -> Another {
    let making = versions.iter().any(|v| !v.status.is_finished());
    if making || versions.len() >= MAX_VERSIONS {
        return Another::Nothing;
    }
    match made(current) {
        Made::Design(_) => Another::Design { forms: makes_forms },
        Made::Model(ModelJob { from: ModelFrom::Description(_) | ModelFrom::Refine { .. }, .. }) => {
            Another::Preview
        }
        Made::Model(_) | Made::Unknown => Another::Nothing,
    }
}

/// Makes another version of the creation's model and chooses it: the same
/// design in `form` (or the chosen version's), or another preview of the
/// same description, each with a seed of its own. Returns the new job.
pub async fn make_another(
    db: &Db,
    creation_id: &str,
    form: Option<KeepsakeForm>,
) -> Result<String, ModelError> {
    let current = current(db, creation_id).await?.ok_or(ModelError::NotFound)?;
    let ids = job_ids(db, creation_id).await?;
    let states = queue::states_of(db, &ids.iter().map(String::as_str).collect::<Vec<_>>()).await?;
    if states.iter().any(|state| !JobStatus::from_row(&state.status).is_finished()) {
        return Err(ModelError::StillMaking);
    }
    if ids.len() >= MAX_VERSIONS {
        return Err(ModelError::TooManyVersions);
    }
    let seed = ids.len() as u32;
    let job = queue::view(db, &current.job_id).await?.ok_or(ModelError::NotFound)?;
    let mut tx = db.begin_write().await?;
    let job_id = match made(&job) {
        Made::Design(mesh) => {
            let next = MeshJob { form: form.unwrap_or(mesh.form), seed, ..mesh };
            queue_model_job(&mut tx, creation_id, Some(next.index), &next).await?
        }
        Made::Model(ModelJob { from: ModelFrom::Description(_) | ModelFrom::Refine { .. }, .. }) => {
            let description = description_of(db, &ids).await?.ok_or(ModelError::NoOtherVersion)?;
            let next =
                ModelJob { creation_id: creation_id.into(), from: ModelFrom::Description(description), seed };
            queue_model_job(&mut tx, creation_id, None, &next).await?
        }
        Made::Model(_) | Made::Unknown => return Err(ModelError::NoOtherVersion),
    };
    forget_price(&mut tx, creation_id).await?;
    tx.commit().await?;
    queue::wake_workers();
    Ok(job_id)
}

/// The description the creation's first preview was made from.
async fn description_of(db: &Db, ids: &[String]) -> sqlx::Result<Option<String>> {
    for id in ids {
        if let Some(job) = queue::view(db, id).await?
            && let Made::Model(ModelJob { from: ModelFrom::Description(text), .. }) = made(&job)
        {
            return Ok(Some(text));
        }
    }
    Ok(None)
}

/// Makes a made version the chosen one.
pub async fn choose(db: &Db, creation_id: &str, job_id: &str) -> Result<(), ModelError> {
    let job = version_job(db, creation_id, job_id).await?.ok_or(ModelError::NotFound)?;
    if JobStatus::from_row(&job.status) != JobStatus::Done {
        return Err(ModelError::VersionNotMade);
    }
    let index = match made(&job) {
        Made::Design(mesh) => Some(mesh.index),
        _ => None,
    };
    let mut tx = db.begin_write().await?;
    sqlx::query("UPDATE creations SET selected_idx = $1, mesh_job_id = $2 WHERE id = $3")
        .bind(index.map(i64::from))
        .bind(job_id)
        .bind(creation_id)
        .execute(&mut *tx)
        .await?;
    forget_price(&mut tx, creation_id).await?;
    tx.commit().await?;
    Ok(())
}

/// Refines a made text → 3D preview at its service, painted after
/// `texture_prompt` if given, as a new version, and chooses it. The paid
/// call runs in the job, within the service's daily ceiling.
pub async fn refine(
    db: &Db,
    creation_id: &str,
    job_id: &str,
    texture_prompt: Option<&str>,
) -> Result<String, ModelError> {
    let job = version_job(db, creation_id, job_id).await?.ok_or(ModelError::NotFound)?;
    let preview = preview_task(&job).ok_or(ModelError::NotRefinable)?;
    if job_ids(db, creation_id).await?.len() >= MAX_VERSIONS {
        return Err(ModelError::TooManyVersions);
    }
    let texture_prompt = texture_prompt
        .map(str::trim)
        .filter(|prompt| !prompt.is_empty())
        .map(|prompt| prompt.chars().take(TEXTURE_PROMPT_MAX_CHARS).collect());
    let next = ModelJob {
        creation_id: creation_id.into(),
        from: ModelFrom::Refine { preview, texture_prompt },
        seed: 0,
    };
    let mut tx = db.begin_write().await?;
    let job_id = queue_model_job(&mut tx, creation_id, None, &next).await?;
    forget_price(&mut tx, creation_id).await?;
    tx.commit().await?;
    queue::wake_workers();
    Ok(job_id)
}

/// The files of one of the creation's versions, once made.
pub async fn files_of(db: &Db, creation_id: &str, job_id: &str) -> sqlx::Result<Option<ModelFiles>> {
    match version_job(db, creation_id, job_id).await? {
        Some(job) => folder_of(db, creation_id, &job.id).await,
        None => Ok(None),
    }
}

/// A price is for one model: another version has none yet.
pub(super) async fn forget_price(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    creation_id: &str,
) -> sqlx::Result<()> {
    sqlx::query("UPDATE creations SET keepsake_quote_job_id = NULL WHERE id = $1")
        .bind(creation_id)
        .execute(&mut **tx)
        .await?;
    Ok(())
}
