//! Prices and orders: a model file's quote, the studio's keepsake and its exact price, placing and reading an order.

use http::request::Parts;

use crate::error::AppError;
use crate::quote::QuoteProgress;

/// Prices and orders: a model file's quote, the studio's keepsake and its exact price, placing and reading an order.
#[async_trait::async_trait]
pub trait Shop: Send + Sync {
    /// Reads the quote form, estimates at once and queues the slice; returns the job's id.
    async fn start_quote(
        &self,
        request: &Parts,
        form: leptos::server_fn::codec::MultipartData,
    ) -> Result<String, AppError>;
    /// The creation's studio: its model, saved settings and latest price.
    async fn studio(&self, request: &Parts, id: &str) -> Result<crate::studio::StudioView, AppError>;
    /// Saves the keepsake's settings, builds it and queues its exact price.
    async fn price_keepsake(
        &self,
        request: &Parts,
        id: &str,
        spec: geometry::keepsake::KeepsakeSpec,
    ) -> Result<crate::studio::PricedKeepsake, AppError>;
    /// The quote job's state, or [`AppError::NotFound`].
    async fn quote_progress(&self, request: &Parts, job_id: &str) -> Result<QuoteProgress, AppError>;
    /// Places an order for the visitor's priced keepsake; returns its page's link.
    async fn place_order(&self, request: &Parts, form: crate::order::OrderForm) -> Result<String, AppError>;
    /// The order whose link carries `token`, or [`AppError::NotFound`].
    async fn order(
        &self,
        request: &Parts,
        id: &str,
        token: &str,
    ) -> Result<crate::order::OrderView, AppError>;
}
