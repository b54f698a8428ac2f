//! Text → 3D: a described object becomes a model without a design to pick.
//! Only a real service does this ([`crate::generation::meshy::MeshyText`]); without one
//! (the embedded default) a description takes the design route instead:
//! the prompt writer drafts four designs, the customer picks one, and the
//! image → 3D maker raises it ([`crate::generation::image_to_3d`]).

use geometry::Mesh;

use crate::generation::image_to_3d::MakeError;
use crate::jobs::queue::Report;

/// A service's untextured preview: the shape, and the service's name for
/// it, to refine it later.
pub struct Preview {
    pub mesh: Mesh,
    pub task: String,
}

/// Text → 3D in two steps, as Meshy does it: a preview shapes the
/// description; a refine step, run only when the customer asks for it,
/// paints it. A one-colour print needs only the shape: the preview is a
/// model of its own, and the customer may keep it as it is.
#[async_trait::async_trait]
pub trait TextModelMaker: Send + Sync + std::fmt::Debug {
    /// A preview of what `description` says, not yet checked; `seed` 0 for
    /// the first, another for each further preview.
    async fn preview(&self, description: &str, seed: u32, report: Report) -> Result<Preview, MakeError>;

    /// The preview named `preview` refined, painted after `texture_prompt`
    /// (the service's own choice without one), not yet checked.
    async fn refine(
        &self,
        preview: &str,
        texture_prompt: Option<&str>,
        report: Report,
    ) -> Result<Mesh, MakeError>;
}
