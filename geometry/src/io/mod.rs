//! Reading and writing model files.

pub mod obj;
pub mod stl;

use crate::{Limits, Mesh, MeshError};

/// The file formats the kernel reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    Stl,
    Obj,
}

impl Format {
    /// Guesses the format from a file name's extension.
    pub fn from_name(name: &str) -> Result<Format, MeshError> {
        let extension = name.rsplit_once('.').map(|(_, e)| e.to_ascii_lowercase()).unwrap_or_default();
        match extension.as_str() {
            "stl" => Ok(Format::Stl),
            "obj" => Ok(Format::Obj),
            "3mf" => Err(MeshError::UnsupportedFormat(
                ".3mf files are not supported yet; use STL or OBJ for now".to_string(),
            )),
            _ => Err(MeshError::UnsupportedFormat(format!("{name:?}: use an .stl or .obj file"))),
        }
    }
}

/// Reads a model of the given format from its bytes.
pub fn read(format: Format, bytes: &[u8], limits: &Limits) -> Result<Mesh, MeshError> {
    match format {
        Format::Stl => stl::read(bytes, limits),
        Format::Obj => obj::read(bytes, limits),
    }
}
