//! A `Creation`: one customer's story on its way to becoming a keepsake.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::error::AppError;
use crate::story::Story;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Creation {
    pub id: String,
    pub story: Story,
    /// UTC, milliseconds since the Unix epoch.
    pub created_at_ms: i64,
}

/// Creates a creation from the story form and sends the browser to it.
///
/// Without JavaScript the form posts here directly and the redirect is a
/// plain 302; with the app hydrated the router follows it client-side.
#[server(endpoint = "create_creation")]
pub async fn create_creation(hobbies: String, facts: String) -> Result<String, AppError> {
    let story =
        crate::error::with_status(Story::from_form(&hobbies, &facts).map_err(AppError::InvalidStory))?;
    let (backend, request) = crate::backend::from_context()?;
    let id = backend.create_creation(&request, story).await?;
    leptos_axum::redirect(&format!("/create/{id}/concepts"));
    Ok(id)
}

/// The creation with this id, if it belongs to the visitor asking.
#[server(endpoint = "creation")]
pub async fn get_creation(id: String) -> Result<Creation, AppError> {
    let (backend, request) = crate::backend::from_context()?;
    backend.creation(&request, &id).await
}

/// One of the visitor's creations, for "My models".
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MyCreation {
    pub id: String,
    pub hobbies: Vec<String>,
    /// The model's picture once made, else the first ready design's.
    pub picture_url: Option<String>,
    /// Where to go on: the model page once a design is picked, else the designs.
    pub link: String,
    /// Where it stands, in words: "Model ready", "Model being made", "Choosing a design".
    pub stage: String,
}

/// The visitor's creations, newest first (this browser's, across visits).
#[server(endpoint = "my_creations")]
pub async fn my_creations() -> Result<Vec<MyCreation>, AppError> {
    let (backend, request) = crate::backend::from_context()?;
    backend.my_creations(&request).await
}
