//! Our faults and outages in the app's error type (`app::error::AppError`),
//! for the one conversion each domain error has into it: the cause is
//! logged here, and the caller is told only what is theirs to know.

use app::error::AppError;

/// Our fault: logged with its cause; the caller sees that it was ours.
pub fn internal(cause: impl std::fmt::Display) -> AppError {
    tracing::error!(%cause, "request failed");
    AppError::Internal
}

/// A database error: an outage (no connection to be had) is a 503 the same
/// request can be repeated after; anything else is our fault.
pub fn database(error: sqlx::Error) -> AppError {
    if !is_outage(&error) {
        return internal(error);
    }
    tracing::warn!(cause = %error, "database unavailable");
    AppError::Unavailable {
        field: String::new(),
        message: "Memoreez is briefly unavailable. Please try again in a moment.".into(),
    }
}

/// No connection to be had: an outage, not a fault of the request.
pub fn is_outage(error: &sqlx::Error) -> bool {
    matches!(
        error,
        sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed | sqlx::Error::Io(_) | sqlx::Error::Tls(_)
    )
}
