//! From a story (or a description, or an uploaded file) to a model: the
//! creation, its concept designs and their providers, the chosen design
//! made into a 3D model, and a model file of the customer's own.

pub mod concepts;
pub mod creations;
pub mod image_to_3d;
pub mod meshy;
pub mod model3d;
pub mod text_to_3d;
pub mod uploads;

use std::sync::Arc;

use crate::platform::config::Config;
use crate::platform::db::Db;
use crate::platform::mesh_work::MeshWork;
use crate::platform::storage::Storage;

/// What making concepts and models uses, and nothing more: the database,
/// storage, the settings, the mesh budget, and the four makers the
/// configuration chose (the embedded ones unless configured otherwise).
/// Made from the app's state per call (`AppState::generation`).
#[derive(Clone, Debug)]
pub struct GenerationContext {
    pub db: Db,
    pub storage: Storage,
    pub config: Arc<Config>,
    pub mesh_work: MeshWork,
    /// Draws concept pictures.
    pub images: Arc<dyn concepts::ImageMaker>,
    /// Writes concept briefs.
    pub writer: Arc<dyn concepts::PromptWriter>,
    /// Turns a chosen picture into a model.
    pub models: Arc<dyn image_to_3d::ModelMaker>,
    /// Turns a described object straight into a model; `None`: descriptions go by designs.
    pub text_models: Option<Arc<dyn text_to_3d::TextModelMaker>>,
}
