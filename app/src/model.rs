//! A creation's model: made from the chosen design, the object's
//! description or the customer's own file, by a job.

use serde::{Deserialize, Serialize};

use crate::job::JobStatus;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ModelView {
    pub creation_id: String,
    /// The design's title, the object's name or the file's name.
    pub title: String,
    pub source: ModelSource,
    pub job_id: String,
    pub status: JobStatus,
    pub stage: String,
    pub percent: u8,
    /// Once made: the printable model (STL) and a picture of it.
    pub mesh_url: Option<String>,
    pub thumbnail_url: Option<String>,
    pub error: Option<String>,
}

/// What the model is made from.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase", tag = "from")]
pub enum ModelSource {
    /// A design the customer picked, with its picture.
    Design { image_url: String },
    /// A described object, made by a text → 3D service.
    Description { text: String },
    /// A model file the customer uploaded; `about`: its file name and size.
    Upload { about: String },
}

/// The `done` event's data of a mesh job.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MeshDone {
    pub mesh_url: String,
    pub thumbnail_url: String,
}

/// What shape a design becomes, when the embedded image → 3D makes it (a
/// real 3D service makes a whole model of its own): a **standing plaque**
/// (the relief upright, its picture facing the front, set on its pedestal)
/// or a **flat medallion** (the relief lying flat, as a coin).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum KeepsakeForm {
    #[default]
    Plaque,
    Medallion,
}

impl KeepsakeForm {
    pub const ALL: [KeepsakeForm; 2] = [KeepsakeForm::Plaque, KeepsakeForm::Medallion];

    pub fn as_str(self) -> &'static str {
        match self {
            KeepsakeForm::Plaque => "plaque",
            KeepsakeForm::Medallion => "medallion",
        }
    }

    pub fn parse(text: &str) -> Option<KeepsakeForm> {
        KeepsakeForm::ALL.into_iter().find(|form| form.as_str() == text)
    }

    /// In the customer's words.
    pub fn label(self) -> &'static str {
        match self {
            KeepsakeForm::Plaque => "Standing plaque",
            KeepsakeForm::Medallion => "Flat medallion",
        }
    }
}
