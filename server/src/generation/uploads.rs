//! A keepsake from the customer's own model file (STL, OBJ or 3MF). The file
//! is read and checked to be a printable solid before anything is kept, so
//! a bad file gets a clear reason and leaves nothing behind; the repaired
//! solid is stored, and a `model` job stands it up and takes its picture
//! while the customer watches the model page.

use app::creation::{CreationKind, Started};
use app::error::AppError;
use app::story::{HOBBY_MAX_CHARS, Story};

use crate::generation::GenerationContext;
use crate::generation::model3d::{self, ModelFrom};
use crate::platform::model_file::{ModelFile, UnusableModel, read_model};
use crate::platform::visitors::VisitorId;

#[derive(thiserror::Error, Debug)]
pub enum UploadError {
    /// The file cannot be a keepsake as it is; the reason is for the customer.
    #[error("{0}")]
    File(String),
    #[error("the upload could not be stored: {0}")]
    Storage(String),
    #[error(transparent)]
    Database(#[from] sqlx::Error),
    #[error("reading the model stopped: {0}")]
    Crashed(String),
}

impl From<UploadError> for AppError {
    fn from(error: UploadError) -> Self {
        match error {
            UploadError::File(message) => AppError::Invalid { field: "file".into(), message },
            UploadError::Database(error) => crate::platform::app_error::database(error),
            other => crate::platform::app_error::internal(other),
        }
    }
}

/// Reads and checks the file, keeps the repaired solid and starts a
/// creation that goes straight to its model.
pub async fn start(
    cx: &GenerationContext,
    visitor: &VisitorId,
    file: ModelFile,
) -> Result<Started, UploadError> {
    let limits = cx.config.model_limits();
    let name = display_name(&file.file_name);
    let (stl, about) = cx
        .mesh_work
        .run(move || {
            read_model(&file.file_name, &file.bytes, &limits)
                .map(|mesh| (geometry::io::stl::write_binary(&mesh), about(&file.file_name, &mesh)))
        })
        .await
        .map_err(|e| UploadError::Crashed(e.to_string()))?
        .map_err(|UnusableModel(reason)| UploadError::File(reason))?;
    // The facts of an upload say what the file was; the model page shows them.
    let story = Story::new(vec![name], &about).map_err(|e| UploadError::File(e.to_string()))?;
    let id = crate::platform::tokens::new_id();
    let key = model3d::upload_key(&id);
    cx.storage.put(&key, stl).await.map_err(|e| UploadError::Storage(e.to_string()))?;
    let from = ModelFrom::Upload(key.clone());
    match model3d::create_with_model(&cx.db, &id, visitor, &story, CreationKind::Upload, from).await {
        Ok(job_id) => Ok(Started::model(id, job_id)),
        Err(error) => {
            // Nothing half-kept: the file goes with the rows that were not written.
            if let Err(cleanup) = cx.storage.delete(&key).await {
                tracing::warn!(%cleanup, key, "an unused upload was left in storage");
            }
            Err(error.into())
        }
    }
}

/// The model's name as the customer sees it: the file's name without its
/// extension, tidied and short enough to be a title.
fn display_name(file_name: &str) -> String {
    let base = base_name(file_name);
    let stem = base.rsplit_once('.').map_or(base, |(stem, _)| stem);
    let words = stem.replace(['_', '-'], " ").split_whitespace().collect::<Vec<_>>().join(" ");
    let short: String = words.chars().filter(|c| !c.is_control()).take(HOBBY_MAX_CHARS).collect();
    if short.trim().is_empty() { "Your model".into() } else { short.trim().to_string() }
}

/// The file's name without the folders a browser may send with it.
fn base_name(file_name: &str) -> &str {
    file_name.rsplit(['/', '\\']).next().unwrap_or_default()
}

/// The file's name and the model's size, e.g. "boat.stl · 40 × 22.5 × 31 mm".
fn about(file_name: &str, mesh: &geometry::Mesh) -> String {
    let base: String = base_name(file_name).chars().filter(|c| !c.is_control()).take(80).collect();
    let [min, max] = geometry::analysis::bounding_box(mesh);
    let size = (0..3).map(|i| mm(max[i] - min[i])).collect::<Vec<_>>().join(" × ");
    format!("{base} · {size} mm")
}

/// A length to a tenth of a millimetre, without a trailing ".0".
fn mm(length: f64) -> String {
    let text = format!("{length:.1}");
    text.strip_suffix(".0").map(str::to_string).unwrap_or(text)
}

#[cfg(test)]
mod tests {
    use super::{display_name, mm};

    #[test]
    fn lengths_read_as_people_write_them() {
        assert_eq!([mm(40.0), mm(22.46), mm(0.04)], ["40", "22.5", "0"]);
    }

    #[test]
    fn a_file_name_becomes_a_short_title() {
        assert_eq!(display_name("grandpa_boat-v2.STL"), "grandpa boat v2");
        assert_eq!(display_name("C:\\models\\Pip.3mf"), "Pip");
        assert_eq!(display_name(".stl"), "Your model");
        assert_eq!(display_name(&format!("{}.obj", "long".repeat(20))).chars().count(), 40);
    }
}
