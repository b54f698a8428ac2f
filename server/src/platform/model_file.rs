//! A model file as a customer or student sent it, and reading it within the
//! configured limits into a repaired solid: what the HTTP forms hand to the
//! rooms that read models (uploads, quotes, the lab's submissions, sliced
//! files), so none of them depends on the forms or on another room.

use geometry::io::Format;
use geometry::{Limits, Mesh};

/// A model file as sent, not yet read: its name says its format.
pub struct ModelFile {
    pub file_name: String,
    pub bytes: bytes::Bytes,
}

/// Why a model file cannot be used, in words for the person who sent it.
#[derive(thiserror::Error, Debug, PartialEq, Eq)]
#[error("{0}")]
pub struct UnusableModel(pub String);

/// Reads a model file (its format from its name) within `limits` and
/// repairs it into a closed solid. Blocking work: run it on the mesh-work
/// budget (`platform::mesh_work`).
pub fn read_model(file_name: &str, bytes: &[u8], limits: &Limits) -> Result<Mesh, UnusableModel> {
    let unusable = |error: geometry::MeshError| UnusableModel(error.to_string());
    let format = Format::from_name(file_name).map_err(unusable)?;
    let mesh = geometry::io::read(format, bytes, limits).map_err(unusable)?;
    let (mesh, _, _) = geometry::repair_solid(&mesh).map_err(|e| UnusableModel(e.to_string()))?;
    Ok(mesh)
}
