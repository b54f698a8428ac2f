//! Reading and writing model files.

#[cfg(feature = "glb")]
pub mod glb;
pub mod obj;
pub mod stl;
pub mod three_mf;

use crate::{Limits, Mesh, MeshError};

/// The file formats the kernel reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum Format {
    Stl,
    Obj,
    #[serde(rename = "3mf")]
    ThreeMf,
}

impl Format {
    /// The usual file extension, without the dot.
    pub fn extension(self) -> &'static str {
        match self {
            Format::Stl => "stl",
            Format::Obj => "obj",
            Format::ThreeMf => "3mf",
        }
    }

    /// Guesses the format from a file name's extension.
    pub fn from_name(name: &str) -> Result<Format, MeshError> {
        let extension = name.rsplit_once('.').map(|(_, e)| e.to_ascii_lowercase()).unwrap_or_default();
        match extension.as_str() {
            "stl" => Ok(Format::Stl),
            "obj" => Ok(Format::Obj),
            "3mf" => Ok(Format::ThreeMf),
            _ => Err(MeshError::UnsupportedFormat(format!("{name:?}: use an .stl, .obj or .3mf file"))),
        }
    }
}

/// Reads a model of the given format from its bytes.
pub fn read(format: Format, bytes: &[u8], limits: &Limits) -> Result<Mesh, MeshError> {
    match format {
        Format::Stl => stl::read(bytes, limits),
        Format::Obj => obj::read(bytes, limits),
        Format::ThreeMf => three_mf::read(bytes, limits),
    }
}
