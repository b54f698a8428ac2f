//! Errors of the JSON API, each with its HTTP status and a JSON body
//! `{"error": "…", "field": "…"}` that a script can act on and a person can read.

use std::borrow::Cow;

use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::response::{IntoResponse, Response};
use http::StatusCode;
use serde_json::json;

#[derive(thiserror::Error, Debug)]
pub enum ApiError {
    /// The request was understood but its content is not acceptable (422).
    #[error("{message}")]
    Invalid { field: Cow<'static, str>, message: String },
    /// The body could not be read as the JSON we expect (400, 413 or 415).
    #[error("{message}")]
    Body { status: StatusCode, message: String },
    #[error("not found")]
    NotFound,
    /// Over a rate limit: 429 with `Retry-After`.
    #[error("{message}")]
    TooManyRequests { retry_after_s: u64, message: String },
    /// The database cannot be reached right now (503 with `Retry-After`):
    /// the request can be repeated as it is once it comes back.
    #[error("unavailable")]
    Unavailable(String),
    /// We are at capacity for this kind of request (503 with `Retry-After`);
    /// the message says so in the caller's words.
    #[error("{0}")]
    Busy(String),
    /// Our fault; the cause is logged, never sent.
    #[error("internal error")]
    Internal(String),
}

impl From<sqlx::Error> for ApiError {
    fn from(error: sqlx::Error) -> Self {
        match error {
            // No connection to be had: an outage, not a fault of this request.
            sqlx::Error::PoolTimedOut
            | sqlx::Error::PoolClosed
            | sqlx::Error::Io(_)
            | sqlx::Error::Tls(_) => ApiError::Unavailable(error.to_string()),
            other => ApiError::Internal(other.to_string()),
        }
    }
}

/// A page's error, for the API: the same words and field, the same status.
impl From<app::error::AppError> for ApiError {
    fn from(error: app::error::AppError) -> Self {
        use app::error::AppError;
        match error {
            AppError::Invalid { field, message } => ApiError::Invalid { field: field.into(), message },
            AppError::InvalidStory(error) => {
                let field = match error.field() {
                    app::story::StoryField::Hobbies => "hobbies",
                    app::story::StoryField::Facts => "facts",
                };
                ApiError::Invalid { field: field.into(), message: error.to_string() }
            }
            AppError::NotFound => ApiError::NotFound,
            AppError::SignInNeeded => {
                ApiError::Body { status: StatusCode::UNAUTHORIZED, message: error.to_string() }
            }
            AppError::TooManyRequests { retry_after_s, message } => {
                ApiError::TooManyRequests { retry_after_s, message }
            }
            AppError::Internal | AppError::Unreachable(_) => ApiError::Internal(error.to_string()),
        }
    }
}

impl From<JsonRejection> for ApiError {
    fn from(rejection: JsonRejection) -> Self {
        ApiError::Body { status: rejection.status(), message: rejection.body_text() }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, body) = match &self {
            ApiError::Invalid { field, message } => {
                (StatusCode::UNPROCESSABLE_ENTITY, json!({ "error": message, "field": field }))
            }
            ApiError::Body { status, message } => (*status, json!({ "error": message })),
            ApiError::NotFound => (StatusCode::NOT_FOUND, json!({ "error": "not found" })),
            ApiError::TooManyRequests { retry_after_s, .. } => {
                let body = Json(json!({ "error": self.to_string() }));
                let retry_after = [(http::header::RETRY_AFTER, retry_after_s.to_string())];
                return (StatusCode::TOO_MANY_REQUESTS, retry_after, body).into_response();
            }
            ApiError::Unavailable(cause) => {
                tracing::warn!(%cause, "database unavailable");
                let body = Json(
                    json!({ "error": "Memoreez is briefly unavailable. Please try again in a moment." }),
                );
                let retry_after = [(http::header::RETRY_AFTER, "5")];
                return (StatusCode::SERVICE_UNAVAILABLE, retry_after, body).into_response();
            }
            ApiError::Busy(message) => {
                let body = Json(json!({ "error": message }));
                let retry_after = [(http::header::RETRY_AFTER, "5")];
                return (StatusCode::SERVICE_UNAVAILABLE, retry_after, body).into_response();
            }
            ApiError::Internal(cause) => {
                tracing::error!(%cause, "API request failed");
                (
                    StatusCode::INTERNAL_SERVER_ERROR,
                    json!({ "error": "Something went wrong on our side. Please try again in a moment." }),
                )
            }
        };
        (status, Json(body)).into_response()
    }
}
