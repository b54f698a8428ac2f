//! Image → 3D: a picture becomes a model. The embedded maker raises a relief
//! of the picture's foreground (offline, instant); Hunyuan3D-2's API server
//! (`POST {base}/generate`, base64 image in, GLB out) makes a full 3D shape
//! on a GPU; Meshy's image-to-3D API ([`crate::generation::meshy::Meshy`]) does it as a
//! paid service. Whatever comes back is checked by the caller
//! ([`crate::generation::model3d::make`]): repaired, watertight, scaled.

use app::model::KeepsakeForm;
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
    async fn make(&self, picture: Vec<u8>, take: Take, report: Report) -> Result<Mesh, MakeError>;

    /// Whether it makes the customer's chosen form; a 3D service makes a
    /// whole model of what the picture shows, and another seed is another take.
    fn makes_forms(&self) -> bool {
        false
    }
}

/// Which model of a picture is asked for.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Take {
    /// The shape the embedded maker gives the picture.
    pub form: KeepsakeForm,
    /// 0 for a design's first model, 1 for its next version, …: a service
    /// that draws from randomness is given a seed of its own for each.
    pub seed: u32,
}

/// The seed a service is sent for a take: its usual one for the first, so
/// that the first model is what it always was.
pub fn service_seed(take: Take) -> u32 {
    1234_u32.wrapping_add(take.seed.wrapping_mul(7919))
}

/// The embedded maker, under the mesh work budget: a relief of the
/// picture ([`geometry::relief::relief`]) stood up as a plaque or left flat
/// as a medallion, or its rounded figure ([`geometry::relief::figure`])
/// stood up.
#[derive(Debug)]
pub struct Relief(pub crate::platform::mesh_work::MeshWork);

#[async_trait::async_trait]
impl ModelMaker for Relief {
    async fn make(&self, picture: Vec<u8>, take: Take, report: Report) -> Result<Mesh, MakeError> {
        report("Removing the background and shaping the model", 20);
        let form = take.form;
        self.0
            .run(move || {
                use geometry::relief::{figure, relief, upright};
                match form {
                    KeepsakeForm::Plaque => relief(&picture, &Default::default()).map(upright),
                    KeepsakeForm::Medallion => relief(&picture, &Default::default()),
                    KeepsakeForm::Figure => figure(&picture, &Default::default()).map(upright),
                }
                .map_err(|e| MakeError::Unusable(format!("This design cannot become a model: {e}")))
            })
            .await
            .map_err(|e| MakeError::Transient(format!("the model's making stopped: {e}")))?
    }

    fn makes_forms(&self) -> bool {
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
    async fn make(&self, picture: Vec<u8>, take: Take, report: Report) -> Result<Mesh, MakeError> {
        report("Shaping the model on the GPU", 20);
        let body = json!({
            "image": STANDARD.encode(&picture),
            "seed": service_seed(take),
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
