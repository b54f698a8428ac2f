//! Errors of the JSON API, each with its HTTP status and a JSON body
//! `{"error": "…", "field": "…"}` that a script can act on and a person can read.

use std::borrow::Cow;

use app::error::AppError;
use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::response::{IntoResponse, Response};
use http::StatusCode;

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
    /// We are at capacity, or something we need is out (503 with
    /// `Retry-After`): the same request can be repeated in a moment; the
    /// message says so in the caller's words.
    #[error("{0}")]
    Busy(String),
    /// Our fault; the cause is logged, never sent.
    #[error("internal error")]
    Internal(String),
}

impl From<sqlx::Error> for ApiError {
    fn from(error: sqlx::Error) -> Self {
        crate::platform::app_error::database(error).into()
    }
}

/// The app's error, for the API: the same words, field and status as the
/// pages get. Every domain error reaches the API this way, through its one
/// conversion into `AppError` (beside the error, in its room).
impl From<AppError> for ApiError {
    fn from(error: AppError) -> Self {
        let message = error.to_string();
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
            AppError::SignInNeeded
            | AppError::Conflict { .. }
            | AppError::TooLarge { .. }
            | AppError::Malformed { .. } => {
                let status = StatusCode::from_u16(error.status()).unwrap_or(StatusCode::BAD_REQUEST);
                ApiError::Body { status, message }
            }
            AppError::TooManyRequests { retry_after_s, message } => {
                ApiError::TooManyRequests { retry_after_s, message }
            }
            AppError::Unavailable { message, .. } => ApiError::Busy(message),
            // The cause was logged where it was turned into an AppError.
            AppError::Internal | AppError::Unreachable(_) => ApiError::Internal(String::new()),
        }
    }
}

/// Domain errors, for the API handlers' `?`: each through its `AppError`.
macro_rules! through_app_error {
    ($($error:ty),* $(,)?) => {
        $(impl From<$error> for ApiError {
            fn from(error: $error) -> Self {
                AppError::from(error).into()
            }
        })*
    };
}

through_app_error!(
    crate::generation::concepts::store::ConceptError,
    crate::generation::model3d::ModelError,
    crate::generation::uploads::UploadError,
    crate::http::model_form::FormError,
    crate::lab::submissions::LabError,
    crate::shop::orders::OrderError,
    crate::shop::quotes::QuoteFailure,
    crate::shop::studio::StudioError,
    crate::reports::period::PeriodError,
);

impl From<JsonRejection> for ApiError {
    fn from(rejection: JsonRejection) -> Self {
        ApiError::Body { status: rejection.status(), message: rejection.body_text() }
    }
}

/// What every refused or failed API request answers: the message for a
/// person, and the form field it concerns when it concerns one.
#[derive(serde::Serialize, serde::Deserialize, utoipa::ToSchema, Debug, PartialEq)]
pub struct ErrorBody {
    pub error: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
}

impl ErrorBody {
    fn new(error: impl Into<String>) -> ErrorBody {
        ErrorBody { error: error.into(), field: None }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, body) = match &self {
            ApiError::Invalid { field, message } => (
                StatusCode::UNPROCESSABLE_ENTITY,
                ErrorBody { error: message.clone(), field: Some(field.to_string()) },
            ),
            ApiError::Body { status, message } => (*status, ErrorBody::new(message.clone())),
            ApiError::NotFound => (StatusCode::NOT_FOUND, ErrorBody::new("not found")),
            ApiError::TooManyRequests { retry_after_s, .. } => {
                let body = Json(ErrorBody::new(self.to_string()));
                let retry_after = [(http::header::RETRY_AFTER, retry_after_s.to_string())];
                return (StatusCode::TOO_MANY_REQUESTS, retry_after, body).into_response();
            }
            ApiError::Busy(message) => {
                let body = Json(ErrorBody::new(message.clone()));
                let retry_after = [(http::header::RETRY_AFTER, "5")];
                return (StatusCode::SERVICE_UNAVAILABLE, retry_after, body).into_response();
            }
            ApiError::Internal(cause) => {
                if !cause.is_empty() {
                    tracing::error!(%cause, "API request failed");
                }
                (
                    StatusCode::INTERNAL_SERVER_ERROR,
                    ErrorBody::new("Something went wrong on our side. Please try again in a moment."),
                )
            }
        };
        (status, Json(body)).into_response()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::generation::concepts::store::ConceptError;
    use crate::http::model_form::FormError;
    use crate::lab::submissions::LabError;
    use crate::shop::orders::OrderError;
    use crate::shop::studio::StudioError;

    /// Each domain error is mapped once, into `AppError`; the API's answer
    /// comes from that, so a page's server function and the JSON API say
    /// the same status for the same fault (a payment outage was 503 in one
    /// and 422 in the other while each had its own mapping).
    #[test]
    fn the_api_and_the_pages_answer_a_domain_error_alike() {
        let cases: Vec<(AppError, u16)> = vec![
            (OrderError::PaymentUnavailable.into(), 503),
            (OrderError::Changed.into(), 409),
            (OrderError::NotPriced.into(), 409),
            (OrderError::NotFound.into(), 404),
            (LabError::NotNow("Already accepted.".into()).into(), 409),
            (LabError::File("no triangles".into()).into(), 422),
            (StudioError::NotReady.into(), 409),
            (ConceptError::NoMore.into(), 409),
            (FormError::TooLarge(5).into(), 413),
            (FormError::Malformed("no boundary".into()).into(), 400),
            (crate::platform::app_error::database(sqlx::Error::PoolTimedOut), 503),
            (crate::platform::app_error::database(sqlx::Error::RowNotFound), 500),
        ];
        for (error, status) in cases {
            assert_eq!(error.status(), status, "{error:?}");
            let answered = ApiError::from(error.clone()).into_response();
            assert_eq!(answered.status().as_u16(), status, "{error:?}");
        }
    }

    #[test]
    fn a_form_error_keeps_its_field_for_the_page() {
        let error = AppError::from(OrderError::PaymentUnavailable);
        assert_eq!(error.field(), Some("payment"));
        assert!(error.message_for("payment").unwrap().contains("card payment"));
        assert_eq!(crate::platform::app_error::database(sqlx::Error::PoolTimedOut).field(), None);
    }
}
