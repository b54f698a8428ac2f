//! The server's side of `app::backend::Backend`: what pages and server
//! functions call, backed by the database and the visitor's session.

use app::backend::Backend;
use app::creation::Creation;
use app::error::AppError;
use app::story::Story;
use http::request::Parts;

use crate::creations;
use crate::session::Visitor;
use crate::state::AppState;

#[async_trait::async_trait]
impl Backend for AppState {
    async fn create_creation(&self, request: &Parts, story: Story) -> Result<String, AppError> {
        let visitor = visitor(request)?.id();
        creations::create(&self.db, &visitor, &story).await.map_err(internal)
    }

    async fn creation(&self, request: &Parts, id: &str) -> Result<Creation, AppError> {
        let Some(visitor) = visitor(request)?.existing_id() else {
            return Err(AppError::NotFound);
        };
        creations::find(&self.db, &visitor, id).await.map_err(internal)?.ok_or(AppError::NotFound)
    }
}

fn visitor(request: &Parts) -> Result<&Visitor, AppError> {
    request.extensions.get::<Visitor>().ok_or_else(|| internal("request without the session middleware"))
}

/// Logs the real cause; the visitor sees only that it was our fault.
fn internal(error: impl std::fmt::Display) -> AppError {
    tracing::error!(%error, "request failed");
    AppError::Internal
}
