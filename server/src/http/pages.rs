//! The server's side of `app::backend::Backend`: what pages and server
//! functions call, backed by the database and the visitor's session.

use app::backend::Backend;
use app::creation::Creation;
use app::error::AppError;
use app::job::JobStatus;
use app::quote::QuoteProgress;
use app::story::Story;
use http::request::Parts;
use leptos::server_fn::codec::MultipartData;

use app::concept::Gallery;
use app::model::ModelView;

use crate::generation::concepts::store::{self as concepts};
use crate::generation::creations;
use crate::generation::model3d::{self};
use crate::http::model_form::{self};
use crate::http::session::Visitor;
use crate::jobs::queue::{self, JobView};
use crate::platform::app_error::{database, internal};
use crate::shop::quotes::{self};
use crate::shop::studio::{self};
use crate::state::AppState;

#[async_trait::async_trait]
impl Backend for AppState {
    async fn create_creation(
        &self,
        request: &Parts,
        story: Story,
        kind: app::creation::CreationKind,
    ) -> Result<app::creation::Started, AppError> {
        let visitor = visitor(request)?.id();
        creations::create_and_start(self, &visitor, &story, kind).await.map_err(database)
    }

    async fn upload_model(
        &self,
        request: &Parts,
        form: MultipartData,
    ) -> Result<app::creation::Started, AppError> {
        let visitor = visitor(request)?.id();
        let form = form.into_inner().ok_or_else(|| internal("the browser's form data reached the server"))?;
        let file = model_form::read_model_fields(form, &self.config).await.map_err(AppError::from)?;
        crate::generation::uploads::start(self, &visitor, file).await.map_err(AppError::from)
    }

    async fn creation(&self, request: &Parts, id: &str) -> Result<Creation, AppError> {
        let Some(visitor) = visitor(request)?.existing_id() else {
            return Err(AppError::NotFound);
        };
        creations::find(&self.db, &visitor, id).await.map_err(database)?.ok_or(AppError::NotFound)
    }

    async fn my_creations(&self, request: &Parts) -> Result<Vec<app::creation::MyCreation>, AppError> {
        let Some(visitor) = visitor(request)?.existing_id() else { return Ok(Vec::new()) };
        creations::list_for(&self.db, &visitor).await.map_err(database)
    }

    async fn gallery(&self, request: &Parts, id: &str) -> Result<Gallery, AppError> {
        let creation = self.designed_creation(request, id).await?;
        let mut concepts = concepts::list(&self.db, id).await?;
        if concepts.is_empty() {
            // Queued when the story was stored; this heals a creation whose first batch failed to queue.
            concepts::add_batch(
                (&self.db, &self.config),
                self.writer.as_ref(),
                id,
                &creation.story,
                creation.kind,
            )
            .await?;
            concepts = concepts::list(&self.db, id).await?;
        }
        let selected = model3d::selected(&self.db, id).await.map_err(database)?;
        if concepts.iter().any(|concept| concept.status == app::concept::ConceptStatus::Ready) {
            crate::reports::funnel::seen(&self.db, id, app::report::FunnelStep::ConceptsShown).await;
        }
        Ok(Gallery { creation, concepts, selected })
    }

    async fn explore_more(&self, request: &Parts, id: &str) -> Result<Vec<u32>, AppError> {
        let creation = self.designed_creation(request, id).await?;
        concepts::add_batch(
            (&self.db, &self.config),
            self.writer.as_ref(),
            id,
            &creation.story,
            creation.kind,
        )
        .await
        .map_err(AppError::from)
    }

    async fn retry_concept(&self, request: &Parts, id: &str, index: u32) -> Result<(), AppError> {
        self.creation(request, id).await?;
        concepts::retry(&self.db, id, index).await.map_err(AppError::from)
    }

    async fn select_concept(&self, request: &Parts, id: &str, index: u32) -> Result<String, AppError> {
        self.creation(request, id).await?;
        model3d::select(&self.db, id, index).await.map_err(AppError::from)
    }

    async fn model(&self, request: &Parts, id: &str) -> Result<ModelView, AppError> {
        self.creation(request, id).await?;
        model3d::view(&self.db, id).await.map_err(AppError::from)
    }

    async fn start_quote(&self, _request: &Parts, form: MultipartData) -> Result<String, AppError> {
        let form = form.into_inner().ok_or_else(|| internal("the browser's form data reached the server"))?;
        let form = model_form::read_fields(form, &self.config).await.map_err(AppError::from)?;
        Ok(quotes::start(self, form.request).await?.job_id)
    }

    async fn studio(&self, request: &Parts, id: &str) -> Result<app::studio::StudioView, AppError> {
        self.creation(request, id).await?;
        studio::view(self, id, quote_progress).await.map_err(AppError::from)
    }

    async fn price_keepsake(
        &self,
        request: &Parts,
        id: &str,
        spec: geometry::keepsake::KeepsakeSpec,
    ) -> Result<app::studio::PricedKeepsake, AppError> {
        self.creation(request, id).await?;
        studio::price(self, id, spec).await.map_err(AppError::from)
    }

    async fn place_order(&self, request: &Parts, form: app::order::OrderForm) -> Result<String, AppError> {
        // As `POST /api/orders`: a keepsake only in its own session, a priced model by its quote.
        let visitor = visitor(request)?.id();
        let placed = crate::shop::orders::place(self, &visitor, &form).await.map_err(AppError::from)?;
        Ok(placed.next_url())
    }

    async fn order(
        &self,
        _request: &Parts,
        id: &str,
        token: &str,
    ) -> Result<app::order::OrderView, AppError> {
        // The token in the link is the key: whoever has the link sees the order.
        crate::shop::orders::view(self, id, token).await.map_err(AppError::from)
    }

    async fn quote_progress(&self, _request: &Parts, job_id: &str) -> Result<QuoteProgress, AppError> {
        // The job's id is the link to it: long and random, like an order's token.
        let job = queue::view(&self.db, job_id).await.map_err(database)?;
        let job = job
            .filter(|job| job.kind == crate::jobs::kinds::JobKind::Quote.name())
            .ok_or(AppError::NotFound)?;
        Ok(QuoteProgress { card_payments: self.card_payments.is_some(), ..quote_progress(job) })
    }

    async fn staff_status(&self, request: &Parts) -> Result<app::staff::StaffAccess, AppError> {
        let signed_in =
            crate::staff::sign_in::signed_in(&self.db, &request.headers, self.config.staff_idle_minutes)
                .await
                .map_err(database)?;
        let password_set = crate::staff::sign_in::password_is_set(&self.db).await.map_err(database)?;
        Ok(app::staff::StaffAccess { signed_in, password_set })
    }

    async fn staff_sign_in(&self, request: &Parts, password: &str) -> Result<(), AppError> {
        let ip = crate::platform::client_address::of(request);
        let token = crate::staff::sign_in::sign_in(&self.db, &ip, password).await.map_err(AppError::from)?;
        set_cookie(&crate::staff::sign_in::set_cookie(
            Some(&token),
            self.config.public_url.starts_with("https:"),
        ));
        Ok(())
    }

    async fn staff_setup(
        &self,
        _request: &Parts,
        code: &str,
        password: &str,
        repeat: &str,
    ) -> Result<(), AppError> {
        if !crate::staff::setup::code_opens(self, code) {
            return Err(AppError::Invalid {
                field: "code".into(),
                message: "That setup link is not this server's. Use the one in the server's log, or `memoreez admin set-password`.".into(),
            });
        }
        crate::staff::sign_in::set_first_password(&self.db, password, repeat).await.map_err(AppError::from)
    }

    async fn staff_sign_out(&self, request: &Parts) -> Result<(), AppError> {
        crate::staff::sign_in::sign_out(&self.db, &request.headers).await.map_err(database)?;
        set_cookie(&crate::staff::sign_in::set_cookie(None, self.config.public_url.starts_with("https:")));
        Ok(())
    }

    async fn staff_queue(&self, request: &Parts, status: &str) -> Result<app::staff::Queue, AppError> {
        self.staff_only(request).await?;
        let status = match status {
            "" => None,
            name => Some(app::print_job::PrintJobStatus::parse(name).ok_or(AppError::NotFound)?),
        };
        crate::lab::print_jobs::queue(self, status).await.map_err(database)
    }

    async fn staff_job(&self, request: &Parts, id: &str) -> Result<app::staff::JobPage, AppError> {
        self.staff_only(request).await?;
        crate::lab::print_jobs::job_page(self, id).await.map_err(database)?.ok_or(AppError::NotFound)
    }

    async fn staff_job_action(
        &self,
        request: &Parts,
        id: &str,
        action: app::print_job::JobAction,
    ) -> Result<(), AppError> {
        use crate::lab::actions::ActionError;
        self.staff_only(request).await?;
        match crate::lab::actions::act(self, id, &action).await {
            Ok(_) => Ok(()),
            Err(ActionError::NotFound) => Err(AppError::NotFound),
            Err(error @ ActionError::NotNow { .. }) => {
                Err(AppError::Invalid { field: "action".into(), message: error.to_string() })
            }
            Err(ActionError::Invalid { field, message }) => {
                Err(AppError::Invalid { field: field.into(), message })
            }
            Err(ActionError::Database(error)) => Err(internal(error)),
        }
    }

    fn lab_options(&self) -> app::lab::LabOptions {
        self.config.lab_options()
    }

    async fn submit_lab_job(&self, _request: &Parts, form: MultipartData) -> Result<String, AppError> {
        let form = form.into_inner().ok_or_else(|| internal("the browser's form data reached the server"))?;
        let (file, submission) =
            model_form::read_lab_fields(form, &self.config).await.map_err(AppError::from)?;
        let submitted =
            crate::lab::submissions::submit(self, file, &submission).await.map_err(AppError::from)?;
        Ok(submitted.page_path())
    }

    async fn lab_job(&self, id: &str, token: &str) -> Result<app::lab::StudentJob, AppError> {
        crate::lab::submissions::student_view(self, id, token).await.map_err(AppError::from)
    }

    async fn confirm_lab_job(&self, id: &str, token: &str) -> Result<(), AppError> {
        crate::lab::submissions::confirm(self, id, token).await.map_err(AppError::from)
    }

    async fn staff_upload_sliced(&self, request: &Parts, form: MultipartData) -> Result<String, AppError> {
        self.staff_only(request).await?;
        let form = form.into_inner().ok_or_else(|| internal("the browser's form data reached the server"))?;
        let (id, file) = model_form::read_sliced_fields(form, &self.config).await.map_err(AppError::from)?;
        crate::lab::sliced::upload(self, &id, file).await.map_err(AppError::from)?;
        Ok(id)
    }

    async fn staff_slice(&self, request: &Parts, id: &str) -> Result<(), AppError> {
        self.staff_only(request).await?;
        crate::lab::sliced::slice(self, id).await.map(drop).map_err(AppError::from)
    }

    async fn staff_outbox(&self, request: &Parts) -> Result<Vec<app::staff::OutboxLine>, AppError> {
        self.staff_only(request).await?;
        let zone = self.config.lab_zone();
        let mut lines = crate::mail::outbox::outbox(&self.db, 200).await.map_err(database)?;
        for line in &mut lines {
            line.written = crate::platform::time::lab_time(line.created_at_ms, zone);
            line.sent = line.sent_at_ms.map(|at| crate::platform::time::lab_time(at, zone));
        }
        Ok(lines)
    }

    async fn staff_funnel(
        &self,
        request: &Parts,
        from: &str,
        to: &str,
    ) -> Result<app::report::FunnelReport, AppError> {
        self.staff_only(request).await?;
        let days = crate::reports::period::Days::parse(
            from,
            to,
            crate::platform::time::now_ms(),
            self.config.lab_zone(),
        )
        .map_err(AppError::from)?;
        crate::reports::funnel::report(self, &days).await.map_err(database)
    }

    async fn staff_overview(
        &self,
        request: &Parts,
        grain: &str,
        periods: &str,
    ) -> Result<app::report::LabOverview, AppError> {
        self.staff_only(request).await?;
        let (grain, count) =
            crate::reports::period::grain_and_count(grain, periods).map_err(AppError::from)?;
        crate::reports::lab_overview::overview(self, grain, count).await.map_err(database)
    }
}

impl AppState {
    /// The visitor's creation if designs are drawn for it; an uploaded
    /// model has none, so its designs page does not exist.
    async fn designed_creation(&self, request: &Parts, id: &str) -> Result<Creation, AppError> {
        Some(self.creation(request, id).await?).filter(Creation::has_designs).ok_or(AppError::NotFound)
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

impl AppState {
    /// [`AppError::SignInNeeded`] unless the request comes from signed-in staff.
    async fn staff_only(&self, request: &Parts) -> Result<(), AppError> {
        let signed_in =
            crate::staff::sign_in::signed_in(&self.db, &request.headers, self.config.staff_idle_minutes)
                .await
                .map_err(database)?;
        signed_in.then_some(()).ok_or(AppError::SignInNeeded)
    }
}

/// Adds a `Set-Cookie` header to the server function's response.
fn set_cookie(value: &str) {
    if let (Some(response), Ok(value)) =
        (leptos::prelude::use_context::<leptos_axum::ResponseOptions>(), http::HeaderValue::from_str(value))
    {
        response.append_header(http::header::SET_COOKIE, value);
    }
}

fn visitor(request: &Parts) -> Result<&Visitor, AppError> {
    request.extensions.get::<Visitor>().ok_or_else(|| internal("request without the session middleware"))
}
