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
pub enum AppError {
    #[error("{0}")]
    InvalidStory(StoryError),
    #[error("We couldn't find that page.")]
    NotFound,
    /// Something failed on the server; the cause is logged there, never shown.
    #[error("Something went wrong on our side. Please try again in a moment.")]
    Internal,
    /// The request never reached the server, or its answer was unreadable.
    #[error("We couldn't reach Memoreez. Check your connection and try again.")]
    Unreachable(String),
}

impl FromServerFnError for AppError {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        match value {
            // A server function that failed on the server side without one of
            // our own variants (e.g. a body it could not decode) is our fault.
            ServerFnErrorErr::ServerError(_) | ServerFnErrorErr::MiddlewareError(_) => AppError::Internal,
            other => AppError::Unreachable(other.to_string()),
        }
    }
}
