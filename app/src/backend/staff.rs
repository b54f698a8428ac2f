//! Staff: sign-in, the print queue, a job's page and its actions, the sliced file, the printers, the outbox.

use http::request::Parts;

use crate::error::AppError;

/// Staff: sign-in, the print queue, a job's page and its actions, the sliced file, the outbox.
#[async_trait::async_trait]
pub trait Staff: Send + Sync {
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
    /// The print queue by status (see [`crate::server_fns::staff::staff_queue`]), for signed-in staff.
    async fn staff_queue(&self, request: &Parts, status: &str) -> Result<crate::staff::Queue, AppError>;
    /// A print job's page, for signed-in staff.
    async fn staff_job(&self, request: &Parts, id: &str) -> Result<crate::staff::PrintJobPage, AppError>;
    /// A staff action on a job ([`AppError::Invalid`] naming `action` when it is not allowed now).
    async fn staff_job_action(
        &self,
        request: &Parts,
        id: &str,
        action: crate::print_job::PrintJobAction,
    ) -> Result<(), AppError>;
    /// Keeps a sliced file staff uploaded for a student job (its weight and
    /// time become the job's when it is G-code); returns the job's id.
    async fn staff_upload_sliced(
        &self,
        request: &Parts,
        form: leptos::server_fn::codec::MultipartData,
    ) -> Result<String, AppError>;
    /// Slices a student job's model here and keeps the G-code as its sliced file.
    async fn staff_slice(&self, request: &Parts, id: &str) -> Result<(), AppError>;
    /// A shop order's job printed outside: `step` is `price` (their price, in
    /// words), `send` (placed with them; the job and order become Printing) or
    /// `track` (where they say it is; shipped once they shipped it).
    async fn staff_print_outside(
        &self,
        request: &Parts,
        id: &str,
        step: &str,
        color: &str,
    ) -> Result<String, AppError>;
    /// The lab's printers with what each is doing, for signed-in staff.
    async fn staff_printers(&self, request: &Parts) -> Result<Vec<crate::staff::PrinterCard>, AppError>;
    /// Adds a printer (a taken name is [`AppError::Conflict`]).
    async fn staff_add_printer(
        &self,
        request: &Parts,
        form: crate::staff::PrinterForm,
    ) -> Result<(), AppError>;
    /// Changes a printer (a taken name is [`AppError::Conflict`]; so is a new
    /// connection while a job prints on it).
    async fn staff_edit_printer(
        &self,
        request: &Parts,
        id: &str,
        form: crate::staff::PrinterForm,
    ) -> Result<(), AppError>;
    /// Removes a printer ([`AppError::Conflict`] while a job prints on it).
    async fn staff_remove_printer(&self, request: &Parts, id: &str) -> Result<(), AppError>;
    /// Puts a printer in maintenance with `note` (`Some`), or back in service (`None`).
    async fn staff_printer_maintenance(
        &self,
        request: &Parts,
        id: &str,
        note: Option<String>,
    ) -> Result<(), AppError>;
    /// Sets the printer's camera snapshot address as typed (`Some`; empty
    /// removes it), or as its printer server's webcam settings name it (`None`).
    async fn staff_printer_camera(
        &self,
        request: &Parts,
        id: &str,
        typed: Option<String>,
    ) -> Result<(), AppError>;
    /// The outbox, for signed-in staff ([`AppError::SignInNeeded`] otherwise).
    async fn staff_outbox(&self, request: &Parts) -> Result<Vec<crate::staff::OutboxLine>, AppError>;
}
