//! Image → 3D: a picture becomes a model. The embedded maker raises a relief
//! of the picture's foreground (offline, instant); Hunyuan3D-2's API server
//! (`POST {base}/generate`, base64 image in, GLB out) makes a full 3D shape
//! on a GPU; Meshy's image-to-3D API (create a task, follow it, download
//! its GLB) does it as a paid service. Whatever comes back is checked by the caller
//! ([`crate::models::make`]): repaired, watertight, scaled.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use geometry::Mesh;
use serde_json::json;

use crate::concepts::service::{CallError, Service};
use crate::jobs::Report;

/// A failed request to a 3D service, worded after `who`: the service's
/// refusal (a 4xx answer) stands; anything else is worth another attempt.
fn service_failure(who: &str, error: CallError) -> MakeError {
    let said = format!("{who} {error}");
    let refused = matches!(error, CallError::Status { .. }) && !error.retryable();
    if refused { MakeError::Unusable(said) } else { MakeError::Transient(said) }
}

/// Why a model could not be made, and whether trying again can help.
#[derive(Debug)]
pub enum MakeError {
    /// The picture (or the service's answer) cannot become a model; for the customer.
    Unusable(String),
    /// Storage, the database or the service failed; worth another attempt.
    Transient(String),
}

#[async_trait::async_trait]
pub trait ModelMaker: Send + Sync + std::fmt::Debug {
    /// A model from a PNG or JPEG picture, not yet checked.
    async fn make(&self, picture: Vec<u8>, report: Report) -> Result<Mesh, MakeError>;
}

/// The embedded maker: [`geometry::relief::relief`].
#[derive(Debug)]
pub struct Relief;

#[async_trait::async_trait]
impl ModelMaker for Relief {
    async fn make(&self, picture: Vec<u8>, report: Report) -> Result<Mesh, MakeError> {
        report("Removing the background and shaping the model", 20);
        tokio::task::spawn_blocking(move || {
            geometry::relief::relief(&picture, &geometry::relief::ReliefOptions::default())
                .map_err(|e| MakeError::Unusable(format!("This design cannot become a model: {e}")))
        })
        .await
        .map_err(|e| MakeError::Transient(format!("the model's making stopped: {e}")))?
    }
}

/// Hunyuan3D-2's API server (`api_server.py`), shape only (no texture).
#[derive(Debug)]
pub struct Hunyuan3d {
    /// e.g. `http://127.0.0.1:8081`
    pub base: String,
    pub calls: Service,
    pub max_triangles: usize,
}

#[async_trait::async_trait]
impl ModelMaker for Hunyuan3d {
    async fn make(&self, picture: Vec<u8>, report: Report) -> Result<Mesh, MakeError> {
        report("Shaping the model on the GPU", 20);
        let body = json!({
            "image": STANDARD.encode(&picture),
            "type": "glb",
            "texture": false,
            "octree_resolution": 256,
            "face_count": 40000,
        });
        let url = format!("{}/generate", self.base.trim_end_matches('/'));
        let glb = self.calls.post(&url, "", &body).await.map_err(|e| service_failure("the 3D service", e))?;
        report("Reading the model", 60);
        let max = self.max_triangles;
        tokio::task::spawn_blocking(move || crate::glb::read(&glb, max))
            .await
            .map_err(|e| MakeError::Transient(format!("the model's reading stopped: {e}")))?
            .map_err(|e| MakeError::Unusable(format!("The 3D service's model is unusable: {e}")))
    }
}

/// Meshy's image-to-3D API: `POST {base}/openapi/v1/image-to-3d` with the
/// picture as a data URI → a task id; `GET …/image-to-3d/{id}` until it
/// SUCCEEDED (its `progress` shown as ours) → download `model_urls.glb`.
#[derive(Debug)]
pub struct Meshy {
    /// e.g. `https://api.meshy.ai`
    pub base: String,
    pub key: String,
    pub calls: Service,
    /// How often to ask about the task.
    pub poll: std::time::Duration,
    /// Give up on a task after this long.
    pub patience: std::time::Duration,
    pub max_triangles: usize,
}

#[async_trait::async_trait]
impl ModelMaker for Meshy {
    async fn make(&self, picture: Vec<u8>, report: Report) -> Result<Mesh, MakeError> {
        // Following and downloading a task that exists: any failure is worth another attempt.
        let transient = |e: CallError| MakeError::Transient(format!("Meshy {e}"));
        let kind = if picture.starts_with(&[0xFF, 0xD8, 0xFF]) { "jpeg" } else { "png" };
        let body = json!({
            "image_url": format!("data:image/{kind};base64,{}", STANDARD.encode(&picture)),
            "should_texture": false,
            "ai_model": "latest",
        });
        let tasks = format!("{}/openapi/v1/image-to-3d", self.base.trim_end_matches('/'));
        let created =
            self.calls.post_json(&tasks, &self.key, &body).await.map_err(|e| service_failure("Meshy", e))?;
        let task =
            created["result"].as_str().ok_or_else(|| MakeError::Transient("Meshy gave no task id".into()))?;
        let started = std::time::Instant::now();
        let glb_url = loop {
            let state =
                self.calls.get_json(&format!("{tasks}/{task}"), &self.key).await.map_err(transient)?;
            let progress = state["progress"].as_u64().unwrap_or(0).min(100) as u8;
            match state["status"].as_str().unwrap_or_default() {
                "SUCCEEDED" => {
                    break state
                        .pointer("/model_urls/glb")
                        .and_then(|url| url.as_str())
                        .map(str::to_string)
                        .ok_or_else(|| MakeError::Unusable("Meshy finished without a GLB model".into()))?;
                }
                "FAILED" | "CANCELED" => {
                    let said = state
                        .pointer("/task_error/message")
                        .and_then(|m| m.as_str())
                        .unwrap_or("no reason given");
                    return Err(MakeError::Unusable(format!("Meshy could not make this model: {said}")));
                }
                _ => report("Shaping the model at Meshy", 20 + progress / 2),
            }
            if started.elapsed() > self.patience {
                return Err(MakeError::Transient(format!(
                    "Meshy took longer than {} s",
                    self.patience.as_secs()
                )));
            }
            tokio::time::sleep(self.poll).await;
        };
        report("Downloading the model", 70);
        // The model's URL is signed; no key goes with it.
        let glb = self.calls.get(&glb_url, "").await.map_err(transient)?;
        let max = self.max_triangles;
        tokio::task::spawn_blocking(move || crate::glb::read(&glb, max))
            .await
            .map_err(|e| MakeError::Transient(format!("the model's reading stopped: {e}")))?
            .map_err(|e| MakeError::Unusable(format!("Meshy's model is unusable: {e}")))
    }
}
