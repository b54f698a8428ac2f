//! Image → 3D: a picture becomes a model. The embedded maker raises a relief
//! of the picture's foreground (offline, instant); Hunyuan3D-2's API server
//! (`POST {base}/generate`, base64 image in, GLB out) makes a full 3D shape
//! on a GPU; Meshy's image-to-3D API ([`crate::generation::meshy::Meshy`]) does it as a
//! paid service. Whatever comes back is checked by the caller
//! ([`crate::generation::model3d::make`]): repaired, watertight, scaled.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use geometry::Mesh;
use serde_json::json;

use crate::generation::concepts::service::{CallError, Service};
use crate::jobs::queue::Report;

/// A failed request to a 3D service, worded after `who`: the service's
/// refusal (a 4xx answer) and an answer past the size cap stand; anything
/// else is worth another attempt.
pub(crate) fn service_failure(who: &str, error: CallError) -> MakeError {
    let said = format!("{who} {error}");
    let refused = matches!(error, CallError::Status { .. } | CallError::TooLarge(_)) && !error.retryable();
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

    /// Whether it makes a relief of the picture (flat, picture up), which
    /// the customer's chosen form stands up or leaves flat.
    fn makes_reliefs(&self) -> bool {
        false
    }
}

/// The embedded maker: [`geometry::relief::relief`], under the mesh work budget.
#[derive(Debug)]
pub struct Relief(pub crate::platform::mesh_work::MeshWork);

#[async_trait::async_trait]
impl ModelMaker for Relief {
    async fn make(&self, picture: Vec<u8>, report: Report) -> Result<Mesh, MakeError> {
        report("Removing the background and shaping the model", 20);
        self.0
            .run(move || {
                geometry::relief::relief(&picture, &geometry::relief::ReliefOptions::default())
                    .map_err(|e| MakeError::Unusable(format!("This design cannot become a model: {e}")))
            })
            .await
            .map_err(|e| MakeError::Transient(format!("the model's making stopped: {e}")))?
    }

    fn makes_reliefs(&self) -> bool {
        true
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
        let limits = geometry::Limits { max_bytes: glb.len() as u64, max_triangles: self.max_triangles };
        tokio::task::spawn_blocking(move || geometry::io::glb::read(&glb, &limits))
            .await
            .map_err(|e| MakeError::Transient(format!("the model's reading stopped: {e}")))?
            .map_err(|e| MakeError::Unusable(format!("The 3D service's model is unusable: {e}")))
    }
}
