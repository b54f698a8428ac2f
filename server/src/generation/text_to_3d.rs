//! Text → 3D: a described object becomes a model without a design to pick.
//! Only a real service does this ([`crate::generation::meshy::MeshyText`]); without one
//! (the embedded default) a description takes the design route instead:
//! the prompt writer drafts four designs, the customer picks one, and the
//! image → 3D maker raises it ([`crate::generation::image_to_3d`]).

use geometry::Mesh;

use crate::generation::image_to_3d::MakeError;
use crate::jobs::queue::Report;

#[async_trait::async_trait]
pub trait TextModelMaker: Send + Sync + std::fmt::Debug {
    /// A model of what `description` says, not yet checked.
    async fn make(&self, description: &str, report: Report) -> Result<Mesh, MakeError>;
}
