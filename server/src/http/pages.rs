//! What the rooms' page ports share (each room implements its part of
//! `app::backend::Backend` in its own `pages.rs`): the visitor of a
//! request, the staff-only check, and cookies set from a server function.

use app::error::AppError;
use http::request::Parts;

use crate::http::session::Visitor;
use crate::platform::app_error::{database, internal};
use crate::staff::StaffSession;
use crate::state::AppState;

impl AppState {
    /// The request's staff session: [`AppError::SignInNeeded`] unless it
    /// comes from signed-in staff.
    pub(crate) async fn staff_only(&self, request: &Parts) -> Result<StaffSession, AppError> {
        StaffSession::check(&self.db, &request.headers, self.config.staff_idle_minutes)
            .await
            .map_err(database)?
            .ok_or(AppError::SignInNeeded)
    }
}

/// Adds a `Set-Cookie` header to the server function's response.
pub(crate) fn set_cookie(value: &str) {
    if let (Some(response), Ok(value)) =
        (leptos::prelude::use_context::<leptos_axum::ResponseOptions>(), http::HeaderValue::from_str(value))
    {
        response.append_header(http::header::SET_COOKIE, value);
    }
}

pub(crate) fn visitor(request: &Parts) -> Result<&Visitor, AppError> {
    request.extensions.get::<Visitor>().ok_or_else(|| internal("request without the session middleware"))
}
