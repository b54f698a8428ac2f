//! What the pages need from the server, as a trait the `memoreez` server
//! implements. Keeping the database, storage and sessions behind this port
//! lets `app` compile for the browser without any of them, and lets the REST
//! API and the server functions share one implementation.

use std::sync::Arc;

use http::request::Parts;
use leptos::prelude::*;

use crate::creation::Creation;
use crate::error::AppError;
use crate::quote::QuoteProgress;
use crate::story::Story;

#[async_trait::async_trait]
pub trait Backend: Send + Sync + 'static {
    /// Stores a new creation for the visitor who sent `request` and starts
    /// it: its designs, or its model when a text → 3D service makes it.
    async fn create_creation(
        &self,
        request: &Parts,
        story: Story,
        kind: crate::creation::CreationKind,
    ) -> Result<crate::creation::Started, AppError>;
    /// Reads the upload form (`file`: STL, OBJ or 3MF), checks the model is
    /// a printable solid and starts a creation that goes straight to it.
    async fn upload_model(
        &self,
        request: &Parts,
        form: leptos::server_fn::codec::MultipartData,
    ) -> Result<crate::creation::Started, AppError>;
    /// The creation, or [`AppError::NotFound`] when it does not exist or is not the visitor's.
    async fn creation(&self, request: &Parts, id: &str) -> Result<Creation, AppError>;
    /// The visitor's creations, newest first (none for a first visit).
    async fn my_creations(&self, request: &Parts) -> Result<Vec<crate::creation::MyCreation>, AppError>;
    /// The creation and its concepts (queuing the first four if missing).
    async fn gallery(&self, request: &Parts, id: &str) -> Result<crate::concept::Gallery, AppError>;
    async fn explore_more(&self, request: &Parts, id: &str) -> Result<Vec<u32>, AppError>;
    async fn retry_concept(&self, request: &Parts, id: &str, index: u32) -> Result<(), AppError>;
    /// Queues the model of a ready concept; returns the mesh job's id.
    async fn select_concept(&self, request: &Parts, id: &str, index: u32) -> Result<String, AppError>;
    /// The creation's model: where its making is, and the result.
    async fn model(&self, request: &Parts, id: &str) -> Result<crate::model::ModelView, AppError>;
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
    /// Whether the request comes from signed-in staff, and whether a password is set.
    async fn staff_status(&self, request: &Parts) -> Result<crate::staff::StaffAccess, AppError>;
    /// Checks the shared password (rate limited) and sets the session cookie.
    async fn staff_sign_in(&self, request: &Parts, password: &str) -> Result<(), AppError>;
    /// Sets the first password (only while none is set, with the setup code).
    async fn staff_setup(
        &self,
        request: &Parts,
        code: &str,
        password: &str,
        repeat: &str,
    ) -> Result<(), AppError>;
    async fn staff_sign_out(&self, request: &Parts) -> Result<(), AppError>;
    /// The print queue by status (see [`crate::staff::staff_queue`]), for signed-in staff.
    async fn staff_queue(&self, request: &Parts, status: &str) -> Result<crate::staff::Queue, AppError>;
    /// A print job's page, for signed-in staff.
    async fn staff_job(&self, request: &Parts, id: &str) -> Result<crate::staff::JobPage, AppError>;
    /// A staff action on a job ([`AppError::Invalid`] naming `action` when it is not allowed now).
    async fn staff_job_action(
        &self,
        request: &Parts,
        id: &str,
        action: crate::print_job::JobAction,
    ) -> Result<(), AppError>;
    /// What the lab's submission form offers (colours per method, file size).
    fn lab_options(&self) -> crate::lab::LabOptions;
    /// Reads and keeps a student's submission; returns the student's page (with its token).
    async fn submit_lab_job(
        &self,
        request: &Parts,
        form: leptos::server_fn::codec::MultipartData,
    ) -> Result<String, AppError>;
    /// The student's job opened by the token in their link, or [`AppError::NotFound`].
    async fn lab_job(&self, id: &str, token: &str) -> Result<crate::lab::StudentJob, AppError>;
    /// The student accepts the approved price.
    async fn confirm_lab_job(&self, id: &str, token: &str) -> Result<(), AppError>;
    /// Keeps a sliced file staff uploaded for a student job (its weight and
    /// time become the job's when it is G-code); returns the job's id.
    async fn staff_upload_sliced(
        &self,
        request: &Parts,
        form: leptos::server_fn::codec::MultipartData,
    ) -> Result<String, AppError>;
    /// Slices a student job's model here and keeps the G-code as its sliced file.
    async fn staff_slice(&self, request: &Parts, id: &str) -> Result<(), AppError>;
    /// The funnel for the days `from` to `to` (`YYYY-MM-DD`; see
    /// [`crate::report::staff_funnel`]), for signed-in staff.
    async fn staff_funnel(
        &self,
        request: &Parts,
        from: &str,
        to: &str,
    ) -> Result<crate::report::FunnelReport, AppError>;
    /// The lab's overview (see [`crate::report::staff_overview`]), for signed-in staff.
    async fn staff_overview(
        &self,
        request: &Parts,
        grain: &str,
        periods: &str,
    ) -> Result<crate::report::LabOverview, AppError>;
    /// The outbox, for signed-in staff ([`AppError::SignInNeeded`] otherwise).
    async fn staff_outbox(&self, request: &Parts) -> Result<Vec<crate::staff::OutboxLine>, AppError>;
}

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
