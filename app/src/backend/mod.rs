//! What the pages need from the server, as traits (one per area) the
//! `memoreez` server implements. Keeping the database, storage and sessions behind this port
//! lets `app` compile for the browser without any of them, and lets the REST
//! API and the server functions share one implementation.

use std::sync::Arc;

use http::request::Parts;
use leptos::prelude::*;

use crate::error::AppError;

mod creations;
mod lab;
mod reports;
mod shop;
mod staff;

pub use creations::Creations;
pub use lab::Lab;
pub use reports::Reports;
pub use shop::Shop;
pub use staff::Staff;

/// Everything the pages need from the server: the union of the areas'
/// ports, each implemented by the server in the room it belongs to.
pub trait Backend: Creations + Shop + Lab + Staff + Reports + 'static {}

impl<T: Creations + Shop + Lab + Staff + Reports + 'static> Backend for T {}

/// The backend as the server provides it to every render and server function.
pub type SharedBackend = Arc<dyn Backend>;

/// The backend and the current request, both from the reactive context.
pub fn from_context() -> Result<(SharedBackend, Parts), AppError> {
    match (use_context::<SharedBackend>(), use_context::<Parts>()) {
        (Some(backend), Some(parts)) => Ok((backend, parts)),
        _ => {
            leptos::logging::error!("server function called without the backend in context");
            Err(AppError::Internal)
        }
    }
}
