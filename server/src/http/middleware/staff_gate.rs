//! Staff-only requests are refused (401) before anything of theirs is read
//! when they carry no live staff session: the staff server functions (every
//! `/api/staff_…` but signing in and out) and the staff routes (`/api/staff/…`,
//! `/staff/reports/…`). The rooms' staff operations need a
//! [`StaffSession`](crate::staff::StaffSession) anyway, so this is the
//! second lock: a stranger's arguments are never even decoded, and a new
//! staff function is covered by its name.

use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use http::StatusCode;

use crate::state::AppState;

/// The staff server functions anyone may call: before there is a session.
const OPEN_STAFF_FNS: [&str; 4] =
    ["/api/staff_status", "/api/staff_sign_in", "/api/staff_setup", "/api/staff_sign_out"];

/// Whether `path` is a staff-only server function.
pub fn staff_function(path: &str) -> bool {
    path.starts_with("/api/staff_") && !OPEN_STAFF_FNS.contains(&path)
}

/// Whether `path` is a staff-only route that is not a server function.
pub fn staff_route(path: &str) -> bool {
    path.starts_with("/api/staff/") || path.starts_with("/staff/reports/")
}

pub async fn middleware(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let path = request.uri().path();
    let (function, route) = (staff_function(path), staff_route(path));
    if !function && !route {
        return next.run(request).await;
    }
    let session =
        crate::staff::StaffSession::check(&state.db, request.headers(), state.config.staff_idle_minutes)
            .await;
    match session {
        Ok(Some(_)) => next.run(request).await,
        Ok(None) if function => {
            // As a server function answers its error, so the page shows "Please sign in".
            let body = serde_json::to_string(&app::error::AppError::SignInNeeded).expect("serialises");
            let path = path.to_string();
            (
                StatusCode::UNAUTHORIZED,
                [
                    (http::header::CONTENT_TYPE, "application/json".to_string()),
                    (http::HeaderName::from_static(leptos::server_fn::error::SERVER_FN_ERROR_HEADER), path),
                ],
                body,
            )
                .into_response()
        }
        Ok(None) => crate::http::error::ApiError::Body {
            status: StatusCode::UNAUTHORIZED,
            message: "Please sign in as staff.".into(),
        }
        .into_response(),
        Err(error) => crate::http::error::ApiError::from(error).into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn staff_paths_are_told_by_their_names() {
        assert!(staff_function("/api/staff_job_action"));
        assert!(staff_function("/api/staff_outbox"));
        for open in OPEN_STAFF_FNS {
            assert!(!staff_function(open), "{open}");
        }
        assert!(!staff_function("/api/submit_lab_job"));
        assert!(staff_route("/api/staff/events"));
        assert!(staff_route("/staff/reports/funnel.csv"));
        assert!(!staff_route("/staff"));
        assert!(!staff_route("/api/lab/jobs/x"));
    }
}
