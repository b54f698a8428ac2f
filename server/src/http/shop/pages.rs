//! Quotes, the studio and orders for the pages: the server's side of `app::backend::Shop`.

use app::backend::{Creations, Shop};
use app::error::AppError;
use app::job::JobStatus;
use app::quote::QuoteProgress;
use http::request::Parts;
use leptos::server_fn::codec::MultipartData;

use crate::http::model_form::{self};
use crate::jobs::queue::{self, JobView};
use crate::platform::app_error::{database, internal};
use crate::shop::quotes::{self};
use crate::shop::studio::{self};
use crate::state::AppState;

use crate::http::pages::visitor;

#[async_trait::async_trait]
impl Shop for AppState {
    async fn start_quote(&self, _request: &Parts, form: MultipartData) -> Result<String, AppError> {
        let form = form.into_inner().ok_or_else(|| internal("the browser's form data reached the server"))?;
        let form = model_form::read_fields(form, &self.config).await.map_err(AppError::from)?;
        Ok(quotes::start(&self.shop(), form.request).await?.job_id)
    }

    async fn studio(&self, request: &Parts, id: &str) -> Result<app::studio::StudioView, AppError> {
        self.creation(request, id).await?;
        studio::view(&self.shop(), id, quote_progress).await.map_err(AppError::from)
    }

    async fn price_keepsake(
        &self,
        request: &Parts,
        id: &str,
        spec: geometry::keepsake::KeepsakeSpec,
    ) -> Result<app::studio::PricedKeepsake, AppError> {
        self.creation(request, id).await?;
        studio::price(&self.shop(), id, spec).await.map_err(AppError::from)
    }

    async fn quote_progress(&self, _request: &Parts, job_id: &str) -> Result<QuoteProgress, AppError> {
        // The job's id is the link to it: long and random, like an order's token.
        let job = queue::view(&self.db, job_id).await.map_err(database)?;
        let job = job
            .filter(|job| job.kind == <crate::shop::quotes::QuoteJob as crate::jobs::kinds::Job>::KIND.name())
            .ok_or(AppError::NotFound)?;
        Ok(QuoteProgress { card_payments: self.card_payments.is_some(), ..quote_progress(job) })
    }

    async fn place_order(&self, request: &Parts, form: app::order::OrderForm) -> Result<String, AppError> {
        // As `POST /api/orders`: a keepsake only in its own session, a priced model by its quote.
        let visitor = visitor(request)?.id();
        let placed =
            crate::shop::orders::place(&self.shop(), &visitor, &form).await.map_err(AppError::from)?;
        Ok(placed.next_url())
    }

    async fn order(
        &self,
        _request: &Parts,
        id: &str,
        token: &str,
    ) -> Result<app::order::OrderView, AppError> {
        // The token in the link is the key: whoever has the link sees the order.
        crate::shop::orders::view(&self.shop(), id, token).await.map_err(AppError::from)
    }
}

/// A quote job as its page shows it.
pub(crate) fn quote_progress(job: JobView) -> QuoteProgress {
    let status = JobStatus::from_row(&job.status);
    let summary =
        |value: Option<&serde_json::Value>| value.and_then(|v| serde_json::from_value(v.clone()).ok());
    QuoteProgress {
        file_name: job.payload["file_name"].as_str().unwrap_or("model").to_string(),
        status,
        stage: job.stage.unwrap_or_else(|| "Waiting in the queue".into()),
        percent: job.percent.unwrap_or(0).clamp(0, 100) as u8,
        estimate: summary(job.payload.get("estimate")),
        quote: summary(job.result.as_ref().and_then(|result| result.get("quote"))),
        error: job.error.filter(|_| status == JobStatus::Failed),
        job_id: job.id,
        card_payments: false,
    }
}
