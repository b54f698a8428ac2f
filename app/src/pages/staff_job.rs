//! `/staff/jobs/{id}`: one print job for staff — its card, the student's
//! details and files, the sliced file to print (uploaded or sliced here),
//! the step it can take now (approve with weight and time, reject with
//! reasons, send to a printer that fits or print by hand, printed or print
//! failed, reprint, picked up), its progress on its printer (live), a shop
//! order's "Print outside" at Slant 3D, "Open in slicer", and its event log.
//! Plain forms, so they work without JavaScript.

use leptos::prelude::*;
use leptos::server::ServerActionError;
use leptos::server_fn::ServerFn;
use leptos::server_fn::error::ServerFnUrlError;
use leptos_meta::Title;

use crate::error::AppError;
use crate::server_fns::staff::{StaffJobAction, StaffPrintOutside, StaffSlice, StaffUploadSliced, staff_job};

use crate::components::loaded::loaded_page;
use crate::lab::REJECTION_REASONS;
use crate::pages::staff::{JobCardView, form_error};
use crate::print_job::PrintJobStatus;
use crate::staff::{PrintJobEvent, PrintJobPage, PrintOutside, StudentDetails};

#[component]
pub fn StaffJobPage() -> impl IntoView {
    let params = leptos_router::hooks::use_params_map();
    // Each step done here reloads the job (the redirect back is to the same page).
    let act = ServerAction::<StaffJobAction>::new();
    let slice = ServerAction::<StaffSlice>::new();
    let outside = ServerAction::<StaffPrintOutside>::new();
    // Live: a printer's progress and every step taken elsewhere show at once.
    let feed = crate::components::staff_live::LabFeed::start();
    let job = Resource::new(
        move || {
            let id = params.read().get("id").unwrap_or_default();
            (id, act.version().get(), slice.version().get(), outside.version().get(), feed.changes.get())
        },
        |(id, ..)| staff_job(id),
    );
    loaded_page(
        job,
        ("Loading the job…", "This print job"),
        move |page| view! { <Job page act slice outside/> },
    )
}

/// The sliced file: upload one from the lab's own slicer, or slice the model here.
#[component]
fn SlicedFile(id: String, copies: u32, slice: ServerAction<StaffSlice>) -> impl IntoView {
    // A plain form (a file goes with it); a refusal comes back in the URL.
    let upload_error = use_context::<ServerActionError>()
        .filter(|error| error.path() == StaffUploadSliced::PATH)
        .map(|error| ServerFnUrlError::<AppError>::decode_err(error.err()).to_string());
    let slice_error = form_error(slice);
    let slicing = move || slice.pending().get();
    view! {
        <section class="card" data-testid="sliced-file">
            <h2>"The file to print"</h2>
            <p class="hint">"Upload the G-code (or sliced 3MF) you will print; from G-code the weight and time are read and become the job's."</p>
            {(copies > 1).then(|| view! {
                <p data-testid="sliced-copies"><strong>{format!(
                    "The student asked for {copies} copies: the file to print holds all {copies} on one plate. \
                     Slicing here arranges them for you."
                )}</strong></p>
            })}
            <form method="post" enctype="multipart/form-data" action=StaffUploadSliced::url() class="job-action" data-testid="upload-sliced">
                <input type="hidden" name="id" value=id.clone()/>
                <label for="sliced-file" class="visually-hidden">"The sliced file (G-code or 3MF)"</label>
                <input type="file" id="sliced-file" name="file" accept=".gcode,.3mf" required/>
                <button type="submit" class="button secondary">"Upload"</button>
            </form>
            <ActionForm action=slice attr:class="job-action" attr:data-testid="slice-here">
                <input type="hidden" name="id" value=id/>
                <button type="submit" class="button secondary" disabled=slicing>
                    {move || if slicing() { "Slicing…" } else { "Slice here (PrusaSlicer, filament)" }}
                </button>
            </ActionForm>
            <p class="form-error" role="alert" data-testid="sliced-error">{move || slice_error().or_else(|| upload_error.clone())}</p>
        </section>
    }
}

/// A one-step form: the job, the action, and the fields it needs.
fn step_form(
    act: ServerAction<StaffJobAction>,
    id: String,
    action: &'static str,
    label: &'static str,
    fields: impl IntoView + 'static,
) -> impl IntoView {
    view! {
        <ActionForm action=act attr:class="job-action" attr:data-testid=format!("action-{action}")>
            <input type="hidden" name="id" value=id/>
            <input type="hidden" name="action" value=action/>
            {fields}
            <button type="submit" class="button">{label}</button>
        </ActionForm>
    }
}

#[component]
fn Job(
    page: PrintJobPage,
    act: ServerAction<StaffJobAction>,
    slice: ServerAction<StaffSlice>,
    outside: ServerAction<StaffPrintOutside>,
) -> impl IntoView {
    let PrintJobPage {
        card,
        status,
        events,
        slicer_link,
        student,
        files,
        on_printer,
        printers,
        replaces,
        replaced_by,
        outside: outside_choice,
        snapshot_url,
    } = page;
    let error = form_error(act);
    let id = card.id.clone();
    let text_field = |name: &'static str, placeholder: &'static str, required: bool| {
        view! { <input name=name id=format!("job-{name}") placeholder=placeholder maxlength="120" required=required/> }
    };
    // Filled in from the sliced file when there is one.
    let (weight, hours) = (
        card.weight_g.map(|g| format!("{g:.1}")).unwrap_or_default(),
        card.print_hours.map(|h| format!("{h:.2}")).unwrap_or_default(),
    );
    let card_copies = card.copies;
    let (weight_label, hours_label) = match card.copies {
        1 => ("Weight (g, model + supports)".to_string(), "Print time (h)".to_string()),
        copies => (
            format!("Weight of all {copies} copies (g, model + supports)"),
            format!("Print time of all {copies} copies (h)"),
        ),
    };
    let approve = || {
        view! {
            <label for="job-weight_g">{weight_label.clone()}</label>
            <input name="weight_g" id="job-weight_g" type="number" step="0.1" min="0.1" required value=weight data-testid="approve-weight"/>
            <label for="job-print_hours">{hours_label.clone()}</label>
            <input name="print_hours" id="job-print_hours" type="number" step="0.01" min="0.01" required value=hours data-testid="approve-hours"/>
            <p class="hint">"Priced with the lab's prices: time rounded up to the half hour, $3.00 at least."</p>
        }
    };
    let reject = || {
        view! {
            <fieldset>
                <legend>"Reasons"</legend>
                {REJECTION_REASONS.iter().map(|(key, label)| view! {
                    <label class="check"><input type="checkbox" name=format!("reason_{key}") value="yes"/>" "{*label}</label>
                }).collect_view()}
            </fieldset>
            <label for="job-note">"Note to the student"</label>
            <textarea name="note" id="job-note" maxlength="1000" rows="3"></textarea>
        }
    };
    let failure_cause = || {
        view! {
            <label for="job-cause">"What made it fail"</label>
            <select name="cause" id="job-cause" data-testid="failure-cause">
                {crate::lab::FAILURE_CAUSES.iter().map(|(key, label)| view! {
                    <option value=*key>{*label}</option>
                }).collect_view()}
            </select>
            <label for="job-cause-note">"Note (needed for “Something else”)"</label>
            <input name="note" id="job-cause-note" maxlength="300"/>
        }
    };
    let steps = match status {
        PrintJobStatus::Uploaded => view! {
            {step_form(act, id.clone(), "approve", "Approve", approve())}
            {step_form(act, id.clone(), "reject", "Reject", reject())}
        }
        .into_any(),
        PrintJobStatus::Pending => view! {
            <p data-testid="waiting-for-student">"Waiting for the student to accept the price (they have the link by email)."</p>
            {step_form(act, id.clone(), "reject", "Reject", reject())}
        }
        .into_any(),
        PrintJobStatus::ReadyToPrint => view! {
            <SendToPrinter act id=id.clone() printers/>
            {step_form(act, id.clone(), "move_up", "Move to the front of the queue", ())}
            <h3>"Or on a printer run by hand"</h3>
            {step_form(act, id.clone(), "start_printing", "Start printing", text_field("printer", "Printer (optional)", false))}
        }
        .into_any(),
        PrintJobStatus::Printing => view! {
            {step_form(act, id.clone(), "complete", "Printed", ())}
            {step_form(act, id.clone(), "fail", "Print failed", text_field("reason", "What went wrong", true))}
        }
        .into_any(),
        PrintJobStatus::PrintFailed if replaced_by.is_none() => view! {
            {step_form(act, id.clone(), "failure_cause", "Record why it failed", failure_cause())}
            {step_form(act, id.clone(), "reprint", "Reprint", view! {
                <label for="job-reprint-note">"Note (optional): what changes this time"</label>
                <textarea name="note" id="job-reprint-note" maxlength="1000" rows="2"></textarea>
            })}
            {step_form(act, id.clone(), "reject", "Reject", reject())}
        }
        .into_any(),
        PrintJobStatus::PrintFailed => {
            step_form(act, id.clone(), "failure_cause", "Record why it failed", failure_cause()).into_any()
        }
        PrintJobStatus::Completed => step_form(
            act,
            id.clone(),
            "picked_up",
            "Picked up",
            text_field("payment", "How it was paid: cash, card, paid online", true),
        )
        .into_any(),
        PrintJobStatus::PaidPickedUp | PrintJobStatus::Rejected => ().into_any(),
    };
    let is_student = student.is_some();
    let id_for_files = id.clone();
    let reviewed = card.new.then(|| step_form(act, id.clone(), "mark_reviewed", "Mark as reviewed", ()));
    let order = card.order_id.clone();
    let filament = match card.color.trim() {
        "" => "PLA BLACK".to_string(),
        color => format!("PLA {}", color.to_uppercase()),
    };
    // Offered while it waits to print; followed once sent; otherwise nothing to say.
    let print_outside = outside_choice
        .filter(|choice| choice.their_order.is_some() || status == PrintJobStatus::ReadyToPrint)
        .map(|choice| view! { <PrintOutsideView id=id.clone() choice filament run=outside/> });
    view! {
        <Title text=format!("{} · Print job · Memoreez", card.name)/>
        <crate::components::staff_nav::StaffNav current="/staff"/>
        <section class="hero">
            <p class="eyebrow"><a href=format!("/staff?status={}", status.as_str())>"Print queue"</a></p>
            <h1>{card.name.clone()}</h1>
            <p class="lede" data-testid="job-status" data-status=status.as_str()>{status.label()}</p>
        </section>
        <ul class="job-cards"><JobCardView job=card/></ul>
        {on_printer.map(|on| {
            let pct = on.progress_pct.unwrap_or(0.0);
            view! {
                <section class="card" data-testid="on-printer">
                    <p>"On "<strong data-testid="on-printer-name">{on.printer.clone()}</strong>": "
                        <span data-testid="on-printer-progress">{on.in_words()}</span></p>
                    <progress max="100" value=pct></progress>
                </section>
            }
        })}
        {snapshot_url.map(|src| view! {
            <section class="card" data-testid="snapshot">
                <h2>"The printer's camera"</h2>
                <img class="snapshot" src=src alt="The print on its printer, as the print ended"/>
            </section>
        })}
        {replaces.map(|old| view! {
            <p class="hint" data-testid="replaces">"Reprint of "<a href=format!("/staff/jobs/{old}")>{format!("job {old}")}</a>", whose print failed."</p>
        })}
        {replaced_by.map(|new| view! {
            <p class="hint" data-testid="replaced-by">"Reprinted as "<a href=format!("/staff/jobs/{new}")>{format!("job {new}")}</a>"."</p>
        })}
        {order.map(|order| view! { <p class="hint">"Shop order "{order}</p> })}
        {student.map(|student| view! { <Student student files=files.clone()/> })}
        // The file to print changes until it is sent to a printer.
        {(is_student && matches!(status, PrintJobStatus::Uploaded | PrintJobStatus::Pending | PrintJobStatus::ReadyToPrint))
            .then(|| view! { <SlicedFile id=id_for_files.clone() copies=card_copies slice/> })}
        <section class="card" data-testid="job-actions">
            <p>
                <a class="button secondary" href=slicer_link data-testid="open-in-slicer">"Open in slicer"</a>
                " "<span class="hint">"(on a computer set up with `memoreez protocol install` that sees the shared storage folder)"</span>
            </p>
            {steps}
            {reviewed}
            <p class="form-error" role="alert" data-testid="job-action-error">{error}</p>
        </section>
        {print_outside}
        <section class="card">
            <h2>"Event log"</h2>
            <EventLog events/>
        </section>
    }
}

/// A shop order printed and shipped by Slant 3D instead of the lab: their
/// price first, then sent; once sent, where they say it is.
#[component]
fn PrintOutsideView(
    id: String,
    choice: PrintOutside,
    filament: String,
    run: ServerAction<StaffPrintOutside>,
) -> impl IntoView {
    let error = form_error(run);
    let said = move || run.value().get().and_then(Result::ok);
    let PrintOutside { why_not, their_order, their_status } = choice;
    let body = match their_order {
        Some(their_order) => view! {
            <p data-testid="outside-sent">
                {format!("Sent to Slant 3D: their order {their_order}")}
                {their_status.map(|status| format!(", last said “{status}”"))}
                ". They ship it to the customer; it is marked shipped once they say so."
            </p>
            <ActionForm action=run attr:class="job-action" attr:data-testid="outside-track">
                <input type="hidden" name="id" value=id/>
                <input type="hidden" name="step" value="track"/>
                <button type="submit" class="button secondary">"Ask Slant 3D where it is"</button>
            </ActionForm>
        }
        .into_any(),
        None if why_not.is_empty() => view! {
            <p class="hint">"They print it and ship it to the customer; the queue shows it as printing meanwhile."</p>
            <ActionForm action=run attr:class="job-action" attr:data-testid="outside-send">
                <input type="hidden" name="id" value=id/>
                <label for="outside-color">"Their filament"</label>
                <input name="color" id="outside-color" value=filament maxlength="40"/>
                <label class="check"><input type="radio" name="step" value="price" checked/>" Ask their price"</label>
                <label class="check"><input type="radio" name="step" value="send"/>" Send it to them now"</label>
                <button type="submit" class="button secondary">"Go"</button>
            </ActionForm>
        }
        .into_any(),
        None => view! { <p class="hint" data-testid="outside-why-not">{why_not}</p> }.into_any(),
    };
    view! {
        <section class="card" data-testid="print-outside">
            <h2>"Print outside (Slant 3D)"</h2>
            {body}
            <p data-testid="outside-said">{said}</p>
            <p class="form-error" role="alert" data-testid="outside-error">{error}</p>
        </section>
    }
}

/// The printers driven from here (OctoPrint, Moonraker) this job fits now, and why the others don't.
#[component]
fn SendToPrinter(
    act: ServerAction<StaffJobAction>,
    id: String,
    printers: Vec<crate::staff::PrinterChoice>,
) -> impl IntoView {
    let (fit, unfit): (Vec<_>, Vec<_>) = printers.into_iter().partition(|printer| printer.why_not.is_empty());
    let none = fit.is_empty();
    view! {
        <div data-testid="send-to-printer">
            <h3>"Send to a printer"</h3>
            {(!none).then(|| step_form(act, id, "send_to_printer", "Send and start", view! {
                <label for="job-printer_id">"Printer"</label>
                <select name="printer_id" id="job-printer_id" data-testid="printer-choice">
                    {fit.into_iter().map(|printer| view! { <option value=printer.id>{printer.name}</option> }).collect_view()}
                </select>
            }))}
            {none.then(|| view! { <p class="hint" data-testid="no-printer-fits">"No printer driven from here (OctoPrint or Moonraker) can take this job now."</p> })}
            <ul class="hint" data-testid="printers-not-offered">
                {unfit.into_iter().map(|printer| view! { <li>{format!("{} {}.", printer.name, printer.why_not)}</li> }).collect_view()}
            </ul>
        </div>
    }
}

#[component]
fn Student(student: StudentDetails, files: Vec<crate::staff::FileLink>) -> impl IntoView {
    let printer = match student.printer.as_str() {
        "" => "any".to_string(),
        printer => printer.to_string(),
    };
    view! {
        <section class="card" data-testid="student-details">
            <dl class="facts">
                <dt>"Discipline"</dt><dd>{student.discipline}</dd>
                <dt>"Class"</dt><dd>{student.class_number}</dd>
                <dt>"Printer asked for"</dt><dd>{printer}</dd>
                <dt>"File"</dt><dd>{student.file_name}</dd>
                <dt>"Folder"</dt><dd><code data-testid="job-folder">{student.folder}</code></dd>
            </dl>
            <ul>
                {files.into_iter().map(|file| view! { <li><a href=file.url download>{file.label}</a></li> }).collect_view()}
            </ul>
        </section>
    }
}

/// A job's event log, oldest first.
#[component]
pub fn EventLog(events: Vec<PrintJobEvent>) -> impl IntoView {
    view! {
        <ol class="history" data-testid="job-events">
            {events.into_iter().map(|event| {
                let kind = event.kind.clone();
                view! {
                <li data-kind=kind>
                    <time>{event.at}</time>" — "
                    <strong>{event.kind}</strong>{format!(" by {}", event.actor)}
                    {match (event.from, event.to) {
                        (Some(from), Some(to)) if from != to => format!(" ({from} → {to})"),
                        (None, Some(to)) => format!(" (→ {to})"),
                        _ => String::new(),
                    }}
                    ". "{event.details}
                </li>
                }
            }).collect_view()}
        </ol>
    }
}
