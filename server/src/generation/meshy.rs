//! Meshy's API (docs.meshy.ai), for both of its uses here: image → 3D (a
//! chosen design becomes a model) and text → 3D (a described object becomes
//! a model: a preview task shapes it, a refine task paints it from a
//! texture prompt). Every Meshy task goes the same way: `POST` creates it
//! (`{"result": task id}`), `GET …/{id}` tells its `status` and `progress`
//! until it SUCCEEDED or FAILED, and the model is downloaded from the signed
//! `model_urls.glb` it gives.

use std::time::{Duration, Instant};

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use geometry::Mesh;
use serde_json::{Value, json};

use crate::generation::concepts::service::{CallError, Service};
use crate::generation::image_to_3d::{MakeError, ModelMaker, Take, service_failure, service_seed};
use crate::generation::text_to_3d::{Preview, TextModelMaker};
use crate::jobs::queue::Report;

const IMAGE_TASKS: &str = "/openapi/v1/image-to-3d";
const TEXT_TASKS: &str = "/openapi/v2/text-to-3d";

/// How to reach Meshy and how long to wait for it.
#[derive(Debug)]
pub struct MeshyApi {
    /// e.g. `https://api.meshy.ai`
    pub base: String,
    pub key: String,
    pub calls: Service,
    /// How often to ask about a task.
    pub poll: Duration,
    /// Give up on a task after this long.
    pub patience: Duration,
    pub max_triangles: usize,
}

/// A stretch of our job's progress that one Meshy task fills, in words.
struct Stretch {
    stage: &'static str,
    from: u8,
    to: u8,
}

impl MeshyApi {
    /// Creates a task at `path` with `body`, follows it to its end while
    /// reporting its progress within `stretch`, and returns the finished task.
    async fn run(
        &self,
        path: &str,
        body: &Value,
        stretch: Stretch,
        report: &Report,
    ) -> Result<Value, MakeError> {
        let tasks = format!("{}{path}", self.base.trim_end_matches('/'));
        let created =
            self.calls.post_json(&tasks, &self.key, body).await.map_err(|e| service_failure("Meshy", e))?;
        let task =
            created["result"].as_str().ok_or_else(|| MakeError::Transient("Meshy gave no task id".into()))?;
        let started = Instant::now();
        loop {
            // Following a task that exists: any failure is worth another attempt.
            let state =
                self.calls.get_json(&format!("{tasks}/{task}"), &self.key).await.map_err(transient)?;
            match state["status"].as_str().unwrap_or_default() {
                "SUCCEEDED" => return Ok(state),
                "FAILED" | "CANCELED" => {
                    let said = state
                        .pointer("/task_error/message")
                        .and_then(Value::as_str)
                        .filter(|said| !said.trim().is_empty())
                        .unwrap_or("no reason given");
                    return Err(MakeError::Unusable(format!("Meshy could not make this model: {said}")));
                }
                _ => {
                    let progress = state["progress"].as_u64().unwrap_or(0).min(100) as u8;
                    let span = u16::from(stretch.to - stretch.from);
                    report(stretch.stage, stretch.from + (u16::from(progress) * span / 100) as u8);
                }
            }
            if started.elapsed() > self.patience {
                return Err(MakeError::Transient(format!(
                    "Meshy took longer than {} s",
                    self.patience.as_secs()
                )));
            }
            tokio::time::sleep(self.poll).await;
        }
    }

    /// The finished task's GLB model, read into a mesh.
    async fn download(&self, task: &Value, report: &Report) -> Result<Mesh, MakeError> {
        let url = task
            .pointer("/model_urls/glb")
            .and_then(Value::as_str)
            .ok_or_else(|| MakeError::Unusable("Meshy finished without a GLB model".into()))?;
        report("Downloading the model", 70);
        // The model's URL is signed; no key goes with it.
        let glb = self.calls.get(url, "").await.map_err(transient)?;
        let limits = geometry::Limits { max_bytes: glb.len() as u64, max_triangles: self.max_triangles };
        tokio::task::spawn_blocking(move || geometry::io::glb::read(&glb, &limits))
            .await
            .map_err(|e| MakeError::Transient(format!("the model's reading stopped: {e}")))?
            .map_err(|e| MakeError::Unusable(format!("Meshy's model is unusable: {e}")))
    }
}

fn transient(error: CallError) -> MakeError {
    MakeError::Transient(format!("Meshy {error}"))
}

/// Meshy's image-to-3D: the picture goes as a data URI, shape only.
#[derive(Debug)]
pub struct Meshy(pub MeshyApi);

#[async_trait::async_trait]
impl ModelMaker for Meshy {
    /// Meshy's image-to-3D takes no seed: each task is another take.
    async fn make(&self, picture: Vec<u8>, _: Take, report: Report) -> Result<Mesh, MakeError> {
        let kind = if picture.starts_with(&[0xFF, 0xD8, 0xFF]) { "jpeg" } else { "png" };
        let body = json!({
            "image_url": format!("data:image/{kind};base64,{}", STANDARD.encode(&picture)),
            "should_texture": false,
            "ai_model": "latest",
        });
        let shaping = Stretch { stage: "Shaping the model at Meshy", from: 20, to: 70 };
        let task = self.0.run(IMAGE_TASKS, &body, shaping, &report).await?;
        self.0.download(&task, &report).await
    }
}

/// Meshy's text-to-3D: a preview task shapes the description (with our
/// printability rules); a refine task, when the customer asks for it,
/// paints it after a texture prompt.
#[derive(Debug)]
pub struct MeshyText(pub MeshyApi);

/// Meshy reads at most this many characters of a prompt.
const PROMPT_MAX_CHARS: usize = 600;

/// What a keepsake printer needs of any shape, said to the text → 3D service.
const PRINTABLE: &str = "one solid object standing on a broad flat base, no thin or floating parts";

#[async_trait::async_trait]
impl TextModelMaker for MeshyText {
    async fn preview(&self, description: &str, seed: u32, report: Report) -> Result<Preview, MakeError> {
        let prompt: String = format!("{description}; {PRINTABLE}").chars().take(PROMPT_MAX_CHARS).collect();
        let preview = json!({
            "mode": "preview",
            "prompt": prompt,
            "ai_model": "latest",
            "topology": "triangle",
            "target_polycount": 30000,
            "should_remesh": true,
            "seed": service_seed(Take { seed, ..Default::default() }),
        });
        let shaping = Stretch { stage: "Shaping the model at Meshy", from: 10, to: 65 };
        let shaped = self.0.run(TEXT_TASKS, &preview, shaping, &report).await?;
        let task = shaped["id"]
            .as_str()
            .ok_or_else(|| MakeError::Transient("Meshy's finished preview has no id".into()))?
            .to_string();
        Ok(Preview { mesh: self.0.download(&shaped, &report).await?, task })
    }

    async fn refine(
        &self,
        preview: &str,
        texture_prompt: Option<&str>,
        report: Report,
    ) -> Result<Mesh, MakeError> {
        let mut refine = json!({
            "mode": "refine",
            "preview_task_id": preview,
            "enable_pbr": false,
        });
        if let Some(texture) = texture_prompt.map(str::trim).filter(|t| !t.is_empty()) {
            refine["texture_prompt"] =
                Value::from(texture.chars().take(PROMPT_MAX_CHARS).collect::<String>());
        }
        let painting = Stretch { stage: "Refining it at Meshy", from: 10, to: 65 };
        let refined = self.0.run(TEXT_TASKS, &refine, painting, &report).await?;
        self.0.download(&refined, &report).await
    }
}
