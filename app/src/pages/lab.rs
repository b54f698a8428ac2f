//! The print lab for students: `/lab/submit` (details and one model file,
//! checked in the browser by the same rules as on the server) and
//! `/lab/jobs/{id}?t=…` (their job, its history, and the button that
//! accepts the price). Both work without JavaScript.

use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use leptos::server::ServerActionError;
use leptos::server_fn::ServerFn;
use leptos::server_fn::error::ServerFnUrlError;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};

use crate::components::loaded::loaded_page;
use crate::components::model_preview::ModelPreview;
use crate::error::AppError;
use crate::lab::{LabOptions, PrintMethod, StudentPrintJob};
use crate::pages::staff_job::EventLog;
use crate::print_job::PrintJobStatus;
use crate::quote::money;
use crate::server_fns::lab::{
    ConfirmLabJob, FreshLabLink, SubmitLabJob, lab_form_options, lab_job, submit_lab_job,
};

/// The build plate the file is shown on: the lab's slicer profile's
/// (`slicing/profiles/printer.ini`, a 250 × 210 mm bed).
const LAB_PLATE_MM: [f64; 2] = [250.0, 210.0];

#[component]
pub fn LabSubmitPage() -> impl IntoView {
    let options = Resource::new(|| (), |_| lab_form_options());
    loaded_page(options, ("Loading the form…", "The print lab"), |options| view! { <SubmitForm options/> })
}

#[component]
fn SubmitForm(options: LabOptions) -> impl IntoView {
    let action = Action::new_local(|data: &web_sys::FormData| submit_lab_job(data.clone().into()));
    // Without JavaScript a refused form comes back with the error in the URL.
    let returned = use_context::<ServerActionError>()
        .filter(|error| error.path() == SubmitLabJob::PATH)
        .map(|error| ServerFnUrlError::<AppError>::decode_err(error.err()));
    let local = RwSignal::new(None::<AppError>);
    let error = Memo::new(move |_| {
        local.get().or_else(|| action.value().get().and_then(Result::err)).or_else(|| returned.clone())
    });
    let field_error = move |name: &'static str| move || error.get().and_then(|error| error.message_for(name));
    let form_error = move || match error.get() {
        Some(error)
            if error.field().is_some_and(|field| crate::lab::FIELDS.contains(&field) || field == "file") =>
        {
            None
        }
        Some(error) => Some(error.to_string()),
        None => None,
    };
    let method = RwSignal::new(PrintMethod::Filament);
    // The instant estimate of the chosen file, asked again when the method changes.
    let estimate = RwSignal::new(None::<Result<crate::lab::LabEstimate, String>>);
    let estimating = RwSignal::new(false);
    // Moves each time a file is chosen: the 3D view reads it again.
    let chosen = RwSignal::new(0_u32);
    let ask = move || {
        #[cfg(feature = "hydrate")]
        ask_estimate(method.get_untracked(), estimate, estimating);
    };
    let checking = options.clone();
    let submit = move |event: SubmitEvent| {
        event.prevent_default();
        #[cfg(feature = "hydrate")]
        match check_and_read(&event, &checking) {
            Ok(data) => {
                local.set(None);
                action.dispatch_local(data);
            }
            Err(refused) => local.set(Some(refused)),
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = (&event, &checking);
    };
    let pending = move || action.pending().get();
    let text = move |name: &'static str,
                     label: &'static str,
                     kind: &'static str,
                     autocomplete: &'static str| {
        view! {
            <div class="field">
                <label for=format!("lab-{name}")>{label}</label>
                <input id=format!("lab-{name}") name=name type=kind maxlength="120" autocomplete=autocomplete
                    data-testid=format!("lab-{name}") aria-describedby=format!("lab-{name}-error")
                    aria-invalid=move || field_error(name)().map(|_| "true")/>
                <p class="field-error" role="alert" id=format!("lab-{name}-error")
                    data-testid=format!("lab-{name}-error")>{field_error(name)}</p>
            </div>
        }
    };
    let colour_group = move |group: PrintMethod, colors: Vec<String>| {
        view! {
            <optgroup label=group.label() prop:disabled=move || method.get() != group>
                {colors.into_iter().map(|color| view! { <option value=color.clone()>{color.clone()}</option> }).collect_view()}
            </optgroup>
        }
    };
    view! {
        <Title text="Submit a print · The print lab · Memoreez"/>
        <section class="hero">
            <p class="eyebrow">"The print lab"</p>
            <h1>"Submit a model to print"</h1>
            <p class="lede">
                "Send one STL, OBJ or 3MF file. Staff check it and email you the price and print time; "
                "nothing is printed until you accept. You pay when you pick it up."
            </p>
        </section>
        <form class="card lab-form" method="post" enctype="multipart/form-data" action=SubmitLabJob::url()
            on:submit=submit prop:noValidate=true data-testid="lab-form">
            {text("name", "First and last name", "text", "name")}
            {text("email", "Email", "email", "email")}
            <div class="field-row">
                {text("discipline", "Discipline (major or department)", "text", "off")}
                {text("class_number", "Class number (or \"none\")", "text", "off")}
            </div>
            <div class="field-row">
                <div class="field">
                    <label for="lab-method">"Print method"</label>
                    <select id="lab-method" name="method" data-testid="lab-method"
                        on:change=move |event| {
                            method.set(PrintMethod::parse(&event_target_value(&event)).unwrap_or(PrintMethod::Filament));
                            ask();
                        }>
                        {PrintMethod::ALL.map(|m| view! { <option value=m.as_str()>{m.label()}</option> }).collect_view()}
                    </select>
                    <p class="field-error" role="alert">{field_error("method")}</p>
                </div>
                <div class="field">
                    <label for="lab-color">"Colour"</label>
                    <select id="lab-color" name="color" data-testid="lab-color">
                        {colour_group(PrintMethod::Filament, options.filament_colors.clone())}
                        {colour_group(PrintMethod::Resin, options.resin_colors.clone())}
                    </select>
                    <p class="field-error" role="alert" data-testid="lab-color-error">{field_error("color")}</p>
                </div>
            </div>
            <div class="field-row">
                {text("printer", "Printer (optional)", "text", "off")}
                <div class="field">
                    <label for="lab-copies">"Copies"</label>
                    <input id="lab-copies" name="copies" type="number" min="1" max=crate::lab::MAX_COPIES value="1"
                        inputmode="numeric" data-testid="lab-copies" aria-describedby="lab-copies-error"
                        aria-invalid=move || field_error("copies")().map(|_| "true")
                        on:change=move |_| ask()/>
                    <p class="field-error" role="alert" id="lab-copies-error" data-testid="lab-copies-error">{field_error("copies")}</p>
                </div>
            </div>
            <div class="field">
                <label for="lab-notes">"Notes for staff (optional)"</label>
                <textarea id="lab-notes" name="notes" rows="3" maxlength="1000" data-testid="lab-notes"></textarea>
                <p class="field-error" role="alert">{field_error("notes")}</p>
            </div>
            <div class="field">
                <label for="lab-file">"Model file"</label>
                <input id="lab-file" name="file" type="file" accept=".stl,.obj,.3mf" data-testid="lab-file"
                    on:change=move |_| {
                        chosen.update(|n| *n += 1);
                        ask();
                    }/>
                <p class="hint">{format!("STL, OBJ or 3MF in millimetres, up to {} MB.", options.max_model_mb)}</p>
                <p class="field-error" role="alert" data-testid="lab-file-error">{field_error("file")}</p>
                <ModelPreview input_id="lab-file" chosen plate_mm=LAB_PLATE_MM/>
                <EstimateView estimate estimating/>
            </div>
            <div class="field">
                <label class="check">
                    <input type="checkbox" name="acknowledged" value="true" data-testid="lab-acknowledged"/>
                    " I have read the lab's printing rules: staff may decline a model, and I pay for what I accept."
                </label>
                <p class="field-error" role="alert" data-testid="lab-acknowledged-error">{field_error("acknowledged")}</p>
            </div>
            <p class="form-error" role="alert" data-testid="lab-form-error">{form_error}</p>
            <button type="submit" class="button" disabled=pending data-testid="lab-submit">
                {move || if pending() { "Checking your model…" } else { "Submit" }}
            </button>
        </form>
    }
}

/// The chosen file's instant estimate, or why there is none.
#[component]
fn EstimateView(
    estimate: RwSignal<Option<Result<crate::lab::LabEstimate, String>>>,
    estimating: RwSignal<bool>,
) -> impl IntoView {
    view! {
        <div class="lab-estimate" aria-live="polite" data-testid="lab-estimate">
            {move || match estimate.get() {
                _ if estimating.get() => view! { <p class="hint">"Estimating…"</p> }.into_any(),
                None => ().into_any(),
                Some(Err(reason)) => view! { <p class="field-error">{reason}</p> }.into_any(),
                Some(Ok(found)) => {
                    let [x, y, z] = found.size_mm;
                    view! {
                        <p data-testid="lab-estimate-figures">
                            <strong>{format!(
                                "About {:.0} g · {:.1} h · {} {}",
                                found.weight_g, found.print_hours, money(found.price_cents), found.currency
                            )}</strong>
                            {(found.copies > 1).then(|| format!(" for {} copies", found.copies))}
                            {format!(" — {x:.0} × {y:.0} × {z:.0} mm, by the lab's price book; staff confirm the price.")}
                        </p>
                        <ul class="warnings" data-testid="lab-estimate-warnings">
                            {found.warnings.into_iter().map(|warning| view! { <li>{warning}</li> }).collect_view()}
                        </ul>
                    }
                    .into_any()
                }
            }}
        </div>
    }
}

/// Asks the server for the chosen file's estimate (`POST /api/lab/estimate`).
#[cfg(feature = "hydrate")]
fn ask_estimate(
    method: PrintMethod,
    estimate: RwSignal<Option<Result<crate::lab::LabEstimate, String>>>,
    estimating: RwSignal<bool>,
) {
    use wasm_bindgen::JsCast;
    let Some(file) = document()
        .get_element_by_id("lab-file")
        .and_then(|input| input.dyn_into::<web_sys::HtmlInputElement>().ok())
        .and_then(|input| input.files())
        .and_then(|files| files.get(0))
    else {
        estimate.set(None);
        return;
    };
    let Ok(data) = web_sys::FormData::new() else { return };
    let copies = document()
        .get_element_by_id("lab-copies")
        .and_then(|input| input.dyn_into::<web_sys::HtmlInputElement>().ok())
        .map(|input| input.value())
        .unwrap_or_default();
    // Copies the form would refuse are said by the form, on submitting; the estimate is of one.
    let copies = crate::lab::copies(&copies).unwrap_or(1);
    if data.append_with_blob_and_filename("file", &file, &file.name()).is_err()
        || data.append_with_str("method", method.as_str()).is_err()
        || data.append_with_str("copies", &copies.to_string()).is_err()
    {
        return;
    }
    estimating.set(true);
    leptos::task::spawn_local(async move {
        let answer = match gloo_net::http::Request::post("/api/lab/estimate").body(data) {
            Ok(request) => request.send().await,
            Err(error) => Err(error),
        };
        let found = match answer {
            Ok(reply) if reply.ok() => {
                reply.json::<crate::lab::LabEstimate>().await.map_err(|e| e.to_string())
            }
            Ok(reply) => Err(reply
                .json::<serde_json::Value>()
                .await
                .ok()
                .and_then(|body| body["error"].as_str().map(str::to_string))
                .unwrap_or_else(|| "This file could not be estimated.".into())),
            Err(_) => Err("The estimate could not be reached; you can still submit.".into()),
        };
        estimating.set(false);
        estimate.set(Some(found));
    });
}

/// The form's fields, checked by the server's rules, and its data to send.
#[cfg(feature = "hydrate")]
fn check_and_read(event: &SubmitEvent, options: &LabOptions) -> Result<web_sys::FormData, AppError> {
    use wasm_bindgen::JsCast;

    let form = event
        .target()
        .and_then(|target| target.dyn_into::<web_sys::HtmlFormElement>().ok())
        .ok_or(AppError::Internal)?;
    let data = web_sys::FormData::new_with_form(&form).map_err(|_| AppError::Internal)?;
    let mut submission = crate::lab::Submission::default();
    for field in crate::lab::FIELDS {
        let value = data.get(field).as_string().unwrap_or_default();
        submission.set(field, value);
    }
    submission.checked(options)?;
    let file_name = data.get("file").dyn_into::<web_sys::File>().map(|file| file.name()).unwrap_or_default();
    crate::quote::check_model_file_name(&file_name)?;
    Ok(data)
}

#[component]
pub fn LabJobPage() -> impl IntoView {
    let params = use_params_map();
    let query = use_query_map();
    let confirm = ServerAction::<ConfirmLabJob>::new();
    // Read again every few seconds, so a print's progress and each step show
    // while the page is open.
    let tick = RwSignal::new(0_u32);
    #[cfg(feature = "hydrate")]
    if let Ok(every) =
        set_interval_with_handle(move || tick.update(|n| *n += 1), std::time::Duration::from_secs(3))
    {
        on_cleanup(move || every.clear());
    }
    let job = Resource::new(
        move || {
            let id = params.read().get("id").unwrap_or_default();
            (id, query.read().get("t").unwrap_or_default(), confirm.version().get(), tick.get())
        },
        |(id, token, ..)| lab_job(id, token),
    );
    let token = move || query.read_untracked().get("t").unwrap_or_default();
    loaded_page(job, ("Loading your job…", "Your print job"), move |job| {
        view! { <StudentJobView job confirm token=token()/> }
    })
}

/// "Email me a fresh link": for a student whose link to accept the price ran out.
#[component]
fn FreshLink(id: String, token: String) -> impl IntoView {
    let fresh = ServerAction::<FreshLabLink>::new();
    let error = crate::pages::staff::form_error(fresh);
    // Without JavaScript the form comes back here with `fresh=sent`.
    let sent_before = use_query_map().read_untracked().get("fresh").is_some_and(|sent| sent == "sent");
    let sent = move || sent_before || matches!(fresh.value().get(), Some(Ok(())));
    view! {
        <ActionForm action=fresh attr:class="job-action" attr:data-testid="lab-fresh-link">
            <input type="hidden" name="id" value=id/>
            <input type="hidden" name="t" value=token/>
            <p class="hint">"Your link to accept the price has run out (or this one only shows the job)?"</p>
            <button type="submit" class="button secondary">"Email me a fresh link"</button>
            <p role="status" data-testid="lab-fresh-link-sent">{move || sent().then_some("Sent: check your email for the new link.")}</p>
            <p class="form-error" role="alert" data-testid="lab-fresh-link-error">{error}</p>
        </ActionForm>
    }
}

#[component]
fn StudentJobView(
    job: StudentPrintJob,
    confirm: ServerAction<ConfirmLabJob>,
    token: String,
) -> impl IntoView {
    let error = crate::pages::staff::form_error(confirm);
    let price = match (job.price_cents, &job.currency) {
        (Some(cents), Some(currency)) => Some(format!("{} {currency}", money(cents.max(0) as u64))),
        _ => None,
    };
    let quoted = price.clone().map(|price| {
        let grams = job.weight_g.map(|g| format!("{g:.1} g")).unwrap_or_default();
        let hours = job.print_hours.map(|h| format!("{h} h")).unwrap_or_default();
        let all = if job.copies > 1 { format!(", all {} copies", job.copies) } else { String::new() };
        view! {
            <p data-testid="lab-price">"Price: "<strong>{price}</strong>{format!(" ({grams}, about {hours} of printing{all})")}</p>
        }
    });
    let next = match job.status {
        PrintJobStatus::Uploaded => "Staff will check your model and email you the price.",
        PrintJobStatus::Pending if job.can_confirm => "Accept the price to have it printed.",
        PrintJobStatus::Pending => "The price is in your email; accept it from the link there.",
        PrintJobStatus::ReadyToPrint => "Accepted: it is in the print queue.",
        PrintJobStatus::Printing => "It is printing now.",
        PrintJobStatus::PrintFailed if job.replaced_by.is_some() => {
            "The print did not finish; it is being printed again."
        }
        PrintJobStatus::PrintFailed => "The print did not finish; staff will print it again or write to you.",
        PrintJobStatus::Completed => "Printed: collect it at the lab and pay there.",
        PrintJobStatus::PaidPickedUp => "Picked up. Thank you!",
        PrintJobStatus::Rejected => "Staff could not print it as sent; the history below says why.",
    };
    let fresh_form = job.can_ask_fresh_link.then(|| {
        let (id, token) = (job.id.clone(), token.clone());
        view! { <FreshLink id token/> }
    });
    let confirm_form = job.can_confirm.then(|| {
        let until = job.confirm_until.clone().unwrap_or_default();
        let (id, token, price) = (job.id.clone(), token.clone(), price.clone().unwrap_or_default());
        view! {
            <ActionForm action=confirm attr:class="job-action" attr:data-testid="lab-confirm">
                <input type="hidden" name="id" value=id/>
                <input type="hidden" name="t" value=token/>
                <button type="submit" class="button">{format!("Accept {price} and print it")}</button>
                <p class="hint">"This link can accept the price until "{until}"."</p>
            </ActionForm>
        }
    });
    let title = format!("Print job {} · The print lab · Memoreez", job.id);
    view! {
        <Title text=title/>
        <section class="hero">
            <p class="eyebrow">"The print lab · job "{job.id.clone()}</p>
            <h1>{job.file_name.clone()}</h1>
            <p class="lede" data-testid="lab-job-status" data-status=job.status.as_str()>{job.status.label()}</p>
        </section>
        <section class="card lab-job">
            {job.thumbnail_url.clone().map(|src| view! { <img src=src alt="Your model" width="192" height="192"/> })}
            <p data-testid="lab-job-details">{format!(
                "{} · {} · {} · {}",
                job.name,
                job.method.label(),
                job.color,
                crate::lab::copies_label(job.copies)
            )}</p>
            {quoted}
            <p data-testid="lab-next">{next}</p>
            {job.on_printer.clone().filter(|_| job.status == PrintJobStatus::Printing).map(|on| view! {
                <p data-testid="lab-progress">"On "{on.printer.clone()}": "{on.in_words()}</p>
                <progress max="100" value=on.progress_pct.unwrap_or(0.0)></progress>
            })}
            {job.queue_place.map(|(place, of)| view! {
                <p data-testid="lab-queue-place">{format!("Number {place} of {of} in the print queue")}
                    {job.ready_around.clone().map(|at| format!("; ready around {at}"))}"."</p>
            })}
            {job.replaced_by.clone().map(|new| view! {
                <p data-testid="lab-replaced-by">{format!("Printed again as job {new}: the link is in your email.")}</p>
            })}
            {confirm_form}
            {fresh_form}
            <p class="form-error" role="alert" data-testid="lab-confirm-error">{error}</p>
        </section>
        <section class="card">
            <h2>"History"</h2>
            <EventLog events=job.events/>
        </section>
    }
}
