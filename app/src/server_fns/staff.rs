//! Server functions for staff: sign-in, the print queue, a job's page and its actions, the outbox.
//!
//! Each asks the server's side of [`crate::backend`] and sets the answer's
//! status from its error ([`crate::error::with_status`]).

use crate::error::AppError;
#[allow(unused_imports)]
use crate::staff::*;

// One argument per form field, because that is what the form posts without
// JavaScript; the allow must sit on a module, as the server function macro
// does not carry it to the browser's half.
pub use job_action::*;

#[allow(clippy::too_many_arguments)]
mod job_action {
    use crate::error::AppError;

    /// Does `action` (`mark_reviewed`, `approve`, `reject`, `start_printing`,
    /// `send_to_printer`, `move_up`, `complete`, `fail`, `failure_cause`, `reprint`, `picked_up`) to the
    /// job; back to its page. Rejection reasons
    /// come as one checkbox each (`reason_file`, `reason_size`, …), so the form
    /// works without JavaScript.
    #[leptos::server(endpoint = "staff_job_action")]
    pub async fn staff_job_action(
        id: String,
        action: String,
        #[server(default)] printer: String,
        #[server(default)] printer_id: String,
        #[server(default)] reason: String,
        #[server(default)] payment: String,
        #[server(default)] weight_g: String,
        #[server(default)] print_hours: String,
        #[server(default)] note: String,
        #[server(default)] reason_file: String,
        #[server(default)] reason_size: String,
        #[server(default)] reason_detail: String,
        #[server(default)] reason_supports: String,
        #[server(default)] reason_rules: String,
        #[server(default)] cause: String,
    ) -> Result<(), AppError> {
        use crate::print_job::PrintJobAction;
        let (backend, request) = crate::backend::from_context()?;
        let outcome = async {
            // Who asks comes first: a stranger learns nothing about the form.
            if !backend.staff_status(&request).await?.signed_in {
                return Err(AppError::SignInNeeded);
            }
            let action = match action.as_str() {
                "mark_reviewed" => PrintJobAction::MarkReviewed,
                "approve" => PrintJobAction::Approve {
                    weight_g: crate::staff::number("weight_g", &weight_g)?,
                    print_hours: crate::staff::number("print_hours", &print_hours)?,
                },
                "reject" => {
                    let ticked = [reason_file, reason_size, reason_detail, reason_supports, reason_rules];
                    let reasons = crate::lab::REJECTION_REASONS
                        .iter()
                        .zip(ticked)
                        .filter(|(_, ticked)| !ticked.is_empty())
                        .map(|((key, _), _)| key.to_string())
                        .collect();
                    PrintJobAction::Reject { reasons, note }
                }
                "start_printing" => PrintJobAction::StartPrinting { printer },
                "send_to_printer" => {
                    PrintJobAction::SendToPrinter { printer_id, printer_name: String::new() }
                }
                "complete" => PrintJobAction::Complete,
                "fail" => PrintJobAction::Fail { reason },
                "reprint" => PrintJobAction::Reprint { note },
                "failure_cause" => PrintJobAction::FailureCause { cause, note },
                "move_up" => PrintJobAction::MoveUp,
                "picked_up" => PrintJobAction::PickedUp { payment },
                _ => {
                    return Err(AppError::Invalid {
                        field: "action".into(),
                        message: "Unknown action.".into(),
                    });
                }
            };
            backend.staff_job_action(&request, &id, action).await
        };
        crate::error::with_status(outcome.await)?;
        leptos_axum::redirect(&format!("/staff/jobs/{id}"));
        Ok(())
    }
}

#[leptos::server(endpoint = "staff_job")]
pub async fn staff_job(id: String) -> Result<PrintJobPage, AppError> {
    let (backend, request) = crate::backend::from_context()?;
    crate::error::with_status(backend.staff_job(&request, &id).await)
}

/// Keeps the sliced file staff will print (multipart: `id`, `file` — G-code
/// or a sliced 3MF); back to the job's page.
#[leptos::server(endpoint = "staff_upload_sliced", input = leptos::server_fn::codec::MultipartFormData)]
pub async fn staff_upload_sliced(form: leptos::server_fn::codec::MultipartData) -> Result<(), AppError> {
    let (backend, request) = crate::backend::from_context()?;
    let id = crate::error::with_status(backend.staff_upload_sliced(&request, form).await)?;
    leptos_axum::redirect(&format!("/staff/jobs/{id}"));
    Ok(())
}

/// A shop order's job printed at Slant 3D: `step` = `price`, `send` or
/// `track`; `color` their filament ("PLA BLACK"). What they said, in words.
#[leptos::server(endpoint = "staff_print_outside")]
pub async fn staff_print_outside(
    id: String,
    step: String,
    #[server(default)] color: String,
) -> Result<String, AppError> {
    let (backend, request) = crate::backend::from_context()?;
    crate::error::with_status(backend.staff_print_outside(&request, &id, &step, &color).await)
}

/// Slices the student's model here (PrusaSlicer, the lab's filament profile).
#[leptos::server(endpoint = "staff_slice")]
pub async fn staff_slice(id: String) -> Result<(), AppError> {
    let (backend, request) = crate::backend::from_context()?;
    crate::error::with_status(backend.staff_slice(&request, &id).await)?;
    leptos_axum::redirect(&format!("/staff/jobs/{id}"));
    Ok(())
}

/// The queue for signed-in staff; `status` empty: the first tab with jobs.
#[leptos::server(endpoint = "staff_queue")]
pub async fn staff_queue(status: String) -> Result<Queue, AppError> {
    let (backend, request) = crate::backend::from_context()?;
    crate::error::with_status(backend.staff_queue(&request, &status).await)
}

#[leptos::server(endpoint = "staff_status")]
pub async fn staff_status() -> Result<StaffAccess, AppError> {
    let (backend, request) = crate::backend::from_context()?;
    backend.staff_status(&request).await
}

/// Signs in with the shared password; then to `/staff`.
#[leptos::server(endpoint = "staff_sign_in")]
pub async fn staff_sign_in(password: String) -> Result<(), AppError> {
    let (backend, request) = crate::backend::from_context()?;
    crate::error::with_status(backend.staff_sign_in(&request, &password).await)?;
    leptos_axum::redirect("/staff");
    Ok(())
}

/// Sets the first staff password, with the setup code from the server's log.
#[leptos::server(endpoint = "staff_setup")]
pub async fn staff_setup(code: String, password: String, repeat: String) -> Result<(), AppError> {
    let (backend, request) = crate::backend::from_context()?;
    crate::error::with_status(backend.staff_setup(&request, &code, &password, &repeat).await)?;
    leptos_axum::redirect("/staff/login");
    Ok(())
}

#[leptos::server(endpoint = "staff_sign_out")]
pub async fn staff_sign_out() -> Result<(), AppError> {
    let (backend, request) = crate::backend::from_context()?;
    backend.staff_sign_out(&request).await?;
    leptos_axum::redirect("/staff/login");
    Ok(())
}

/// The lab's printers and what each is doing.
#[leptos::server(endpoint = "staff_printers")]
pub async fn staff_printers() -> Result<Vec<PrinterCard>, AppError> {
    let (backend, request) = crate::backend::from_context()?;
    crate::error::with_status(backend.staff_printers(&request).await)
}

/// Adds a printer from the form; back to the printers page.
#[leptos::server(endpoint = "staff_add_printer")]
pub async fn staff_add_printer(form: PrinterForm) -> Result<(), AppError> {
    let (backend, request) = crate::backend::from_context()?;
    crate::error::with_status(backend.staff_add_printer(&request, form).await)?;
    leptos_axum::redirect("/staff/printers");
    Ok(())
}

/// Changes a printer from its card's form; back to the printers page.
#[leptos::server(endpoint = "staff_edit_printer")]
pub async fn staff_edit_printer(id: String, form: PrinterForm) -> Result<(), AppError> {
    let (backend, request) = crate::backend::from_context()?;
    crate::error::with_status(backend.staff_edit_printer(&request, &id, form).await)?;
    leptos_axum::redirect("/staff/printers");
    Ok(())
}

/// Removes a printer; back to the printers page.
#[leptos::server(endpoint = "staff_remove_printer")]
pub async fn staff_remove_printer(id: String) -> Result<(), AppError> {
    let (backend, request) = crate::backend::from_context()?;
    crate::error::with_status(backend.staff_remove_printer(&request, &id).await)?;
    leptos_axum::redirect("/staff/printers");
    Ok(())
}

/// Puts a printer in maintenance with staff's note (`in_maintenance`
/// true) or back in service; back to the printers page.
#[leptos::server(endpoint = "staff_printer_maintenance")]
pub async fn staff_printer_maintenance(
    id: String,
    in_maintenance: bool,
    #[server(default)] note: String,
) -> Result<(), AppError> {
    let (backend, request) = crate::backend::from_context()?;
    let note = in_maintenance.then_some(note);
    crate::error::with_status(backend.staff_printer_maintenance(&request, &id, note).await)?;
    leptos_axum::redirect("/staff/printers");
    Ok(())
}

/// Sets a printer's camera: the snapshot address typed (empty removes it),
/// or (`from_server`) the one its printer server's webcam settings name.
#[leptos::server(endpoint = "staff_printer_camera")]
pub async fn staff_printer_camera(
    id: String,
    #[server(default)] snapshot_url: String,
    #[server(default)] from_server: bool,
) -> Result<(), AppError> {
    let (backend, request) = crate::backend::from_context()?;
    let typed = (!from_server).then_some(snapshot_url);
    crate::error::with_status(backend.staff_printer_camera(&request, &id, typed).await)?;
    leptos_axum::redirect("/staff/printers");
    Ok(())
}

/// The newest messages in the outbox, newest first.
#[leptos::server(endpoint = "staff_outbox")]
pub async fn staff_outbox() -> Result<Vec<OutboxLine>, AppError> {
    let (backend, request) = crate::backend::from_context()?;
    crate::error::with_status(backend.staff_outbox(&request).await)
}
