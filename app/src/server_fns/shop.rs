//! Server functions for quotes, the studio and orders.
//!
//! Each asks the server's side of [`crate::backend`] and sets the answer's
//! status from its error ([`crate::error::with_status`]).

use leptos::prelude::*;
use leptos::server_fn::codec::{MultipartData, MultipartFormData};

use crate::error::AppError;
#[allow(unused_imports)]
use crate::order::*;
#[allow(unused_imports)]
use crate::quote::*;
#[allow(unused_imports)]
use crate::studio::*;

/// Takes the quote form (`file`, `profile`, `material`), answers with the
/// job that slices it and sends the browser to its page.
///
/// Without JavaScript the form posts here directly and the redirect is a
/// plain 302; with the app hydrated the router follows it client-side.
#[server(endpoint = "start_quote", input = MultipartFormData)]
pub async fn start_quote(form: MultipartData) -> Result<String, AppError> {
    let (backend, request) = crate::backend::from_context()?;
    let job_id = crate::error::with_status(backend.start_quote(&request, form).await)?;
    leptos_axum::redirect(&format!("/quote/{job_id}"));
    Ok(job_id)
}

/// The quote job's state, for its page.
#[server(endpoint = "quote_progress")]
pub async fn get_quote_progress(job_id: String) -> Result<QuoteProgress, AppError> {
    let (backend, request) = crate::backend::from_context()?;
    backend.quote_progress(&request, &job_id).await
}

/// The creation's studio.
#[server(endpoint = "studio")]
pub async fn get_studio(id: String) -> Result<StudioView, AppError> {
    let (backend, request) = crate::backend::from_context()?;
    backend.studio(&request, &id).await
}

/// Saves the settings, builds the keepsake on the server from them and
/// queues its slice; without JavaScript the browser returns to the studio,
/// which then shows the price coming.
#[server(endpoint = "price_keepsake")]
pub async fn price_keepsake(id: String, settings: StudioSettings) -> Result<PricedKeepsake, AppError> {
    let spec = crate::error::with_status(settings.to_spec())?;
    let (backend, request) = crate::backend::from_context()?;
    let priced = crate::error::with_status(backend.price_keepsake(&request, &id, spec).await)?;
    leptos_axum::redirect(&format!("/create/{id}/studio"));
    Ok(priced)
}

/// Places the order and sends the browser to its page (the page's link,
/// token included, is the answer).
#[leptos::server(endpoint = "place_order")]
pub async fn place_order(fields: CheckoutFields) -> Result<String, AppError> {
    let form = crate::error::with_status(fields.to_form())?;
    let (backend, request) = crate::backend::from_context()?;
    let url = crate::error::with_status(backend.place_order(&request, form).await)?;
    leptos_axum::redirect(&url);
    Ok(url)
}

/// The order its link opens.
#[leptos::server(endpoint = "order")]
pub async fn get_order(id: String, token: String) -> Result<OrderView, AppError> {
    let (backend, request) = crate::backend::from_context()?;
    crate::error::with_status(backend.order(&request, &id, &token).await)
}
