//! The one error type pages and server functions share.
//!
//! It crosses the network as JSON, so the browser can tell "your input is
//! wrong" (show it next to the field) from "not found" (show the 404 page)
//! from "our fault" (apologise; details stay in the server log).

use leptos::server_fn::codec::JsonEncoding;
use leptos::server_fn::error::{FromServerFnError, ServerFnErrorErr};
use serde::{Deserialize, Serialize};

use crate::story::StoryError;

#[derive(thiserror::Error, Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum AppError {
    #[error("{0}")]
    InvalidStory(StoryError),
    /// A form field's value cannot be used; `field` is the form's name for it.
    #[error("{message}")]
    Invalid { field: String, message: String },
    /// The request is sound but cannot be done now (409): what it acts on
    /// changed since the page was drawn, or is not ready yet.
    #[error("{message}")]
    Conflict { field: String, message: String },
    /// A file or body over its size limit (413).
    #[error("{message}")]
    TooLarge { field: String, message: String },
    /// A body that is not the form it claims to be (400).
    #[error("{message}")]
    Malformed { field: String, message: String },
    /// Something we need is out or full (503); the same request can be made
    /// again in a moment.
    #[error("{message}")]
    Unavailable { field: String, message: String },
    #[error("We couldn't find that page.")]
    NotFound,
    /// A staff page without a staff session (or after it went idle).
    #[error("Please sign in as staff.")]
    SignInNeeded,
    /// Something failed on the server; the cause is logged there, never shown.
    #[error("Something went wrong on our side. Please try again in a moment.")]
    Internal,
    /// Too much asked of us from one address or one session in a short time.
    #[error("{message}")]
    TooManyRequests { retry_after_s: u64, message: String },
    /// The request never reached the server, or its answer was unreadable.
    #[error("We couldn't reach Memoreez. Check your connection and try again.")]
    Unreachable(String),
}

impl FromServerFnError for AppError {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        match value {
            // The caller's arguments could not be read (a field left out, a
            // number that is not one): their mistake, said plainly (400).
            ServerFnErrorErr::Args(why) | ServerFnErrorErr::MissingArg(why) => AppError::Malformed {
                field: String::new(),
                message: format!(
                    "This request is missing something or has something we cannot read: {}.",
                    why.chars()
                        .filter(|c| !c.is_control())
                        .take(200)
                        .collect::<String>()
                        .trim_end_matches('.')
                ),
            },
            // A server function that failed on the server side without one of
            // our own variants is our fault.
            ServerFnErrorErr::ServerError(_) | ServerFnErrorErr::MiddlewareError(_) => AppError::Internal,
            other => AppError::Unreachable(other.to_string()),
        }
    }
}

impl AppError {
    /// The HTTP status a server function answers this error with.
    pub fn status(&self) -> u16 {
        match self {
            AppError::InvalidStory(_) | AppError::Invalid { .. } => 422,
            AppError::Conflict { .. } => 409,
            AppError::TooLarge { .. } => 413,
            AppError::Malformed { .. } => 400,
            AppError::Unavailable { .. } => 503,
            AppError::NotFound => 404,
            AppError::SignInNeeded => 401,
            AppError::TooManyRequests { .. } => 429,
            AppError::Internal => 500,
            AppError::Unreachable(_) => 502,
        }
    }
}

/// Sets the response's status from a server function's error (leptos would
/// answer every error with 500, telling a script its own mistake was ours).
/// A plain browser form is left alone: it is redirected back to its page.
#[cfg(feature = "ssr")]
pub fn with_status<T>(result: Result<T, AppError>) -> Result<T, AppError> {
    use leptos::prelude::use_context;
    let from_a_form = use_context::<http::request::Parts>().is_some_and(|request| {
        request
            .headers
            .get(http::header::ACCEPT)
            .and_then(|a| a.to_str().ok())
            .is_some_and(|a| a.contains("text/html"))
    });
    if from_a_form {
        return result;
    }
    if let (Err(error), Some(response)) = (&result, use_context::<leptos_axum::ResponseOptions>())
        && let Ok(status) = http::StatusCode::from_u16(error.status())
    {
        response.set_status(status);
        if let AppError::TooManyRequests { retry_after_s, .. } = error
            && let Ok(value) = http::HeaderValue::from_str(&retry_after_s.to_string())
        {
            response.insert_header(http::header::RETRY_AFTER, value);
        }
    }
    result
}

impl AppError {
    /// The form field this error concerns, if it concerns one: a page shows
    /// the message next to that field.
    pub fn field(&self) -> Option<&str> {
        match self {
            AppError::Invalid { field, .. }
            | AppError::Conflict { field, .. }
            | AppError::TooLarge { field, .. }
            | AppError::Malformed { field, .. }
            | AppError::Unavailable { field, .. } => Some(field.as_str()).filter(|field| !field.is_empty()),
            AppError::InvalidStory(_)
            | AppError::NotFound
            | AppError::SignInNeeded
            | AppError::Internal
            | AppError::TooManyRequests { .. }
            | AppError::Unreachable(_) => None,
        }
    }

    /// The message to show next to the form field `name`, if this error is about it.
    pub fn message_for(&self, name: &str) -> Option<String> {
        (self.field() == Some(name)).then(|| self.to_string())
    }

    /// Over a rate limit: try again after `retry_after_s` seconds.
    pub fn too_many_requests(retry_after_s: u64) -> AppError {
        AppError::TooManyRequests { retry_after_s, message: too_many_requests(retry_after_s) }
    }
}

/// "… Please try again in 4 minutes." for a wait of `seconds`.
fn too_many_requests(seconds: u64) -> String {
    let wait = match seconds {
        0..=59 => format!("{} second{}", seconds.max(1), if seconds == 1 { "" } else { "s" }),
        60..=5399 => {
            let minutes = seconds.div_ceil(60);
            format!("{minutes} minute{}", if minutes == 1 { "" } else { "s" })
        }
        _ => format!("{} hours", seconds.div_ceil(3600)),
    };
    format!("That is a lot of requests in a short time. Please try again in {wait}.")
}
