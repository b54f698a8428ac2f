//! The `mesh` and `model` jobs, their payloads and their work: a picture, a
//! description or a file made into a model that is repaired, watertight,
//! sized and standing, then kept with its thumbnail.

use crate::generation::GenerationContext;
use crate::generation::concepts::store as concepts;
use crate::generation::image_to_3d::{MakeError, ModelMaker};
use crate::jobs::kinds::{Failure, Job, JobKind, JobRun};
use crate::jobs::queue::Report;
use crate::platform::mesh_work::MeshWork;
use crate::platform::storage::Storage;

use super::*;

/// What a `mesh` job carries: the design to make into a model.
#[derive(Serialize, Deserialize, Debug, Clone)]
pub struct MeshJob {
    pub creation_id: String,
    pub index: u32,
    /// The shape a relief takes (jobs queued before there was a choice: a plaque).
    #[serde(default)]
    pub form: app::model::KeepsakeForm,
    /// Which version of the design's model this is: 0 for the first.
    #[serde(default)]
    pub seed: u32,
}

impl Job for MeshJob {
    const KIND: JobKind = JobKind::named("mesh");
    type Context = GenerationContext;
    /// A GPU worker beside an image → 3D service may take it.
    const REMOTE: bool = true;

    async fn run(self, cx: &GenerationContext, run: JobRun) -> Result<serde_json::Value, Failure> {
        let made =
            make_for(cx, (&self, Run { job_id: &run.id, attempt: run.attempt }), run.report.clone()).await;
        outcome(made, &run)
    }
}

/// What a `model` job carries.
#[derive(Serialize, Deserialize, Debug, Clone)]
pub struct ModelJob {
    pub creation_id: String,
    pub from: ModelFrom,
    /// Which preview of a description this is: 0 for the first.
    #[serde(default)]
    pub seed: u32,
}

impl Job for ModelJob {
    const KIND: JobKind = JobKind::named("model");
    type Context = GenerationContext;

    async fn run(self, cx: &GenerationContext, run: JobRun) -> Result<serde_json::Value, Failure> {
        let made =
            make_model(cx, (&self, Run { job_id: &run.id, attempt: run.attempt }), run.report.clone()).await;
        outcome(made, &run)
    }
}

fn outcome(made: Result<Made, MakeError>, run: &JobRun) -> Result<serde_json::Value, Failure> {
    match made {
        Ok(done) => Ok(serde_json::to_value(done).expect("serialises")),
        Err(MakeError::Unusable(reason)) => Err(Failure::Reject(reason)),
        Err(MakeError::Transient(reason)) => Err(Failure::ours(&reason, run)),
    }
}

#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
#[serde(rename_all = "lowercase")]
pub enum ModelFrom {
    /// The object's description, for the text → 3D service.
    Description(String),
    /// The storage key of the customer's model, already read and repaired
    /// (a binary STL).
    Upload(String),
    /// A text → 3D service's preview (its task), refined at the customer's
    /// asking, painted after `texture_prompt` if they gave one.
    Refine { preview: String, texture_prompt: Option<String> },
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
    let take = crate::generation::image_to_3d::Take { form: job.form, seed: job.seed };
    let raw = maker.make(png.to_vec(), take, report.clone()).await?;
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
    Ok(Made { done: mesh_done(creation), files: files.folder, preview: None })
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
async fn paid(cx: &GenerationContext, paid: crate::platform::spend::Paid) -> Result<(), MakeError> {
    crate::platform::spend::charge(&cx.db, &cx.config, paid).await.map_err(|error| match error {
        crate::platform::spend::SpendError::CeilingReached(_) => MakeError::Unusable(error.to_string()),
        crate::platform::spend::SpendError::Database(error) => MakeError::Transient(error.to_string()),
    })
}

/// [`make`] for a claimed job, with the app's model maker.
pub async fn make_for(
    cx: &GenerationContext,
    (job, run): (&MeshJob, Run<'_>),
    report: Report,
) -> Result<Made, MakeError> {
    paid(cx, crate::platform::spend::Paid::Mesh).await?;
    let started = std::time::Instant::now();
    let made = make((&cx.storage, &cx.mesh_work), cx.models.as_ref(), (job, run), report).await;
    crate::platform::metrics::provider_call(crate::platform::metrics::Provider::Mesh, started, made.is_ok());
    made
}

/// A `model` job's work, for its payload: the description made at the
/// text → 3D service (scaled to [`MODEL_SIZE_MM`]), or the uploaded model
/// (kept at its own size: its millimetres are the customer's).
pub async fn make_model(
    cx: &GenerationContext,
    (job, run): (&ModelJob, Run<'_>),
    report: Report,
) -> Result<Made, MakeError> {
    let creation = job.creation_id.as_str();
    match &job.from {
        ModelFrom::Description(description) => {
            let maker = text_maker(cx)?;
            paid(cx, crate::platform::spend::Paid::TextTo3d).await?;
            let preview = maker.preview(description, job.seed, report.clone()).await?;
            let made = keep(
                (&cx.storage, &cx.mesh_work),
                (creation, run),
                preview.mesh,
                Some(MODEL_SIZE_MM),
                report,
            );
            Ok(Made { preview: Some(preview.task), ..made.await? })
        }
        ModelFrom::Refine { preview, texture_prompt } => {
            let maker = text_maker(cx)?;
            paid(cx, crate::platform::spend::Paid::TextTo3d).await?;
            let raw = maker.refine(preview, texture_prompt.as_deref(), report.clone()).await?;
            keep((&cx.storage, &cx.mesh_work), (creation, run), raw, Some(MODEL_SIZE_MM), report).await
        }
        ModelFrom::Upload(key) => {
            report("Reading your model", 10);
            let stl = cx
                .storage
                .get(key)
                .await
                .map_err(|e| MakeError::Transient(format!("the uploaded model cannot be read: {e}")))?;
            let limits = cx.config.model_limits();
            let raw = cx
                .mesh_work
                .run(move || geometry::io::read(geometry::io::Format::Stl, &stl, &limits))
                .await
                .map_err(|e| MakeError::Transient(format!("reading the model stopped: {e}")))?
                .map_err(|e| MakeError::Unusable(format!("Your model cannot be read: {e}")))?;
            keep((&cx.storage, &cx.mesh_work), (creation, run), raw, None, report).await
        }
    }
}

fn text_maker(
    cx: &GenerationContext,
) -> Result<&dyn crate::generation::text_to_3d::TextModelMaker, MakeError> {
    cx.text_models.as_deref().ok_or_else(|| {
        MakeError::Unusable("Making a model from words needs a text → 3D service, and none is set up.".into())
    })
}
