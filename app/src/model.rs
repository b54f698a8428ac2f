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
    /// Every model made for the creation, oldest first; the chosen one is
    /// this view's job.
    pub versions: Vec<ModelVersion>,
    /// What "Make another version" can make now, if anything.
    pub another: Another,
}

/// One model made for a creation: "Make another version" keeps the earlier
/// ones to choose from.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ModelVersion {
    pub job_id: String,
    /// 1 for the first model made, and so on.
    pub number: u32,
    /// What it is, in the customer's words ("Standing plaque", "Preview").
    pub what: String,
    pub status: JobStatus,
    /// Once made: a picture of it.
    pub thumbnail_url: Option<String>,
    /// Whether it is the one the studio and the order use.
    pub chosen: bool,
    /// A text → 3D service's untextured preview, which can still be refined.
    pub refinable: bool,
}

/// What "Make another version" offers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Another {
    /// Another model of the same design; `forms`: whether the customer
    /// picks its form (the embedded maker makes each form; a 3D service
    /// makes a whole model, another take with a new seed).
    Design { forms: bool },
    /// Another preview of the same description, with a new seed.
    Preview,
    /// Nothing: an upload is printed as it is, the last version is still
    /// being made, or the creation has as many versions as it may keep.
    Nothing,
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
/// (the relief upright, its picture facing the front, set on its pedestal),
/// a **flat medallion** (the relief lying flat, as a coin) or a **rounded
/// figure** (the outline inflated, round on both sides, standing).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum KeepsakeForm {
    #[default]
    Plaque,
    Medallion,
    /// The picture's outline inflated into a smooth solid, round on both sides.
    Figure,
}

impl KeepsakeForm {
    pub const ALL: [KeepsakeForm; 3] = [KeepsakeForm::Plaque, KeepsakeForm::Medallion, KeepsakeForm::Figure];

    pub fn as_str(self) -> &'static str {
        match self {
            KeepsakeForm::Plaque => "plaque",
            KeepsakeForm::Medallion => "medallion",
            KeepsakeForm::Figure => "figure",
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
            KeepsakeForm::Figure => "Rounded figure",
        }
    }
}
