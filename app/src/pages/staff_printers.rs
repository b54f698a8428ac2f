//! `/staff/printers`: the lab's printers, each with what it is doing (read
//! from its OctoPrint or Moonraker every couple of seconds, shown live) and the job on
//! it; the form that adds one, and on each card the form that changes it
//! (a spool swapped, a new address) or removes it. Plain forms, so they
//! work without JavaScript.

use leptos::prelude::*;
use leptos_meta::Title;

use crate::components::loaded::loaded_page;
use crate::components::staff_live::{LabFeed, LiveBar};
use crate::lab::PrintMethod;
use crate::pages::staff::form_error;
use crate::server_fns::staff::{
    StaffAddPrinter, StaffEditPrinter, StaffPrinterCamera, StaffPrinterMaintenance, StaffRemovePrinter,
    staff_printers,
};
use crate::staff::{self as app_staff, PrinterCard, PrinterForm};

#[component]
pub fn StaffPrintersPage() -> impl IntoView {
    let feed = LabFeed::start();
    let add = ServerAction::<StaffAddPrinter>::new();
    // Bumped by a card whose change or removal went through (each card has
    // its own actions, so that an error shows on the card it belongs to).
    let changed = RwSignal::new(0_u32);
    let printers =
        Resource::new(move || (feed.changes.get(), add.version().get(), changed.get()), |_| staff_printers());
    loaded_page(printers, ("Loading the printers…", "The lab's printers"), move |printers| {
        view! { <Printers printers feed add changed/> }
    })
}

#[component]
fn Printers(
    printers: Vec<PrinterCard>,
    feed: LabFeed,
    add: ServerAction<StaffAddPrinter>,
    changed: RwSignal<u32>,
) -> impl IntoView {
    let empty = printers.is_empty();
    let read_at = printers.iter().filter_map(|printer| printer.read_at.clone()).max().unwrap_or_default();
    view! {
        <Title text="Printers · Memoreez"/>
        <crate::components::staff_nav::StaffNav current="/staff/printers"/>
        <section class="hero">
            <h1 data-testid="printers-title">"Printers"</h1>
            <LiveBar feed read_at/>
        </section>
        <Show when=move || empty>
            <p class="card" data-testid="no-printers">"No printers yet: add the lab's first one below."</p>
        </Show>
        <ul class="job-cards" data-testid="printers">
            {printers.into_iter().map(|printer| view! { <PrinterView printer changed/> }).collect_view()}
        </ul>
        <AddPrinter add/>
    }
}

#[component]
fn PrinterView(printer: PrinterCard, changed: RwSignal<u32>) -> impl IntoView {
    let [x, y, z] = printer.build_mm;
    let form = PrinterForm {
        name: printer.name.clone(),
        method: printer.method.as_str().to_string(),
        build_x_mm: x.to_string(),
        build_y_mm: y.to_string(),
        build_z_mm: z.to_string(),
        material: printer.material.clone(),
        colour: printer.colour.clone(),
        connection: printer.connection.clone(),
        server_url: printer.url.clone().unwrap_or_default(),
        api_key_from: printer.key_from.clone().unwrap_or_default(),
    };
    let id = printer.id.clone();
    let (maintenance, log) = (printer.maintenance.clone(), printer.log.clone());
    let progress = printer.progress.as_ref().map(|on| on.in_words());
    let pct = printer.progress.as_ref().and_then(|on| on.progress_pct).unwrap_or(0.0);
    view! {
        <li class="card printer-card" data-testid="printer" data-name=printer.name.clone() data-state=printer.state.clone()>
            <h2>
                {printer.name.clone()}" "<span class=format!("badge printer-{}", printer.state) data-testid="printer-state">{printer.state.clone()}</span>
                {maintenance.is_some().then(|| view! { " "<span class="badge printer-maintenance" data-testid="printer-maintenance">"in maintenance"</span> })}
            </h2>
            <p>{format!("{} · {} {} · {x:.0} × {y:.0} × {z:.0} mm", printer.method.label(), printer.material, printer.colour)}</p>
            <p class="hint">
                {match (server_name(&printer.connection), &printer.url) {
                    (Some(server), Some(url)) => format!("{server} at {url}"),
                    _ => "Run by hand".to_string(),
                }}
                {printer.read_at.map(|at| format!(" · read {at}"))}
            </p>
            <p class="hint" data-testid="printer-message">{printer.message}</p>
            {printer.free_at.clone().map(|at| view! {
                <p data-testid="printer-free-at">
                    {format!("Free around {at}")}
                    {(printer.material_needed_g > 0.0).then(|| format!(" after the queue's jobs for it, which need {:.0} g of {} {}", printer.material_needed_g, printer.colour, printer.material))}
                </p>
            })}
            {printer.job.map(|(id, name)| view! {
                <p data-testid="printer-job">
                    "Printing "<a href=format!("/staff/jobs/{id}")>{name}</a>" — "
                    <span data-testid="printer-progress">{progress.clone()}</span>
                </p>
                <progress max="100" value=pct></progress>
            })}
            <Maintenance id=id.clone() note=maintenance log changed/>
            <Camera id=id.clone() url=printer.snapshot_url.clone() server=server_name(&printer.connection) changed/>
            <ChangePrinter id form changed/>
        </li>
    }
}

/// The printer server a printer is driven through, by name; `None` when run by hand.
fn server_name(connection: &str) -> Option<&'static str> {
    match connection {
        "octoprint" => Some("OctoPrint"),
        "moonraker" => Some("Moonraker"),
        _ => None,
    }
}

/// "Put in maintenance" with a note, or "Back in service"; and the printer's log.
#[component]
fn Maintenance(
    id: String,
    note: Option<String>,
    log: Vec<app_staff::PrinterLogLine>,
    changed: RwSignal<u32>,
) -> impl IntoView {
    let set = ServerAction::<StaffPrinterMaintenance>::new();
    Effect::new(move |_| {
        if matches!(set.value().get(), Some(Ok(()))) {
            changed.update(|n| *n += 1);
        }
    });
    let error = form_error(set);
    let note_id = format!("printer-{id}-note");
    let form = match note {
        Some(note) => view! {
            <ActionForm action=set attr:class="maintenance" attr:data-testid="end-maintenance">
                <input type="hidden" name="id" value=id/>
                <input type="hidden" name="in_maintenance" value="false"/>
                <p data-testid="maintenance-note">
                    "In maintenance: nothing is sent or planned to it."
                    {(!note.is_empty()).then(|| format!(" “{note}”"))}
                </p>
                <p class="form-error" role="alert">{error}</p>
                <button type="submit" class="button secondary">"Back in service"</button>
            </ActionForm>
        }
        .into_any(),
        None => view! {
            <details class="printer-change">
                <summary>"Put in maintenance"</summary>
                <ActionForm action=set attr:class="staff-form" attr:data-testid="start-maintenance">
                    <input type="hidden" name="id" value=id/>
                    <input type="hidden" name="in_maintenance" value="true"/>
                    <label for=note_id.clone()>"What is being done (shown on its card and kept in its log)"</label>
                    <input id=note_id name="note" maxlength="300" placeholder="New nozzle, bed levelled"/>
                    <p class="form-error" role="alert">{error}</p>
                    <button type="submit" class="button secondary">"Put in maintenance"</button>
                </ActionForm>
            </details>
        }
        .into_any(),
    };
    let lines = log.len();
    view! {
        {form}
        {(lines > 0).then(|| view! {
            <details class="printer-log" data-testid="printer-log">
                <summary>{format!("Log ({lines})")}</summary>
                <ul>
                    {log.into_iter().map(|line| view! {
                        <li>
                            <span class="hint">{line.at}</span>" · "{line.what}
                            {(!line.note.is_empty()).then(|| format!(": {}", line.note))}
                        </li>
                    }).collect_view()}
                </ul>
            </details>
        })}
    }
}

/// The printer's camera: the address of its still picture, typed or read
/// from its printer server; a picture is taken there when each print ends.
#[component]
fn Camera(
    id: String,
    url: Option<String>,
    server: Option<&'static str>,
    changed: RwSignal<u32>,
) -> impl IntoView {
    let set = ServerAction::<StaffPrinterCamera>::new();
    let read = ServerAction::<StaffPrinterCamera>::new();
    Effect::new(move |_| {
        if matches!(set.value().get(), Some(Ok(()))) || matches!(read.value().get(), Some(Ok(()))) {
            changed.update(|n| *n += 1);
        }
    });
    let (set_error, read_error) = (form_error(set), form_error(read));
    let field_id = format!("printer-{id}-camera");
    let set_id = id.clone();
    let summary = match &url {
        Some(_) => "Camera: a picture as each print ends",
        None => "Add a camera",
    };
    view! {
        <details class="printer-change" data-testid="camera">
            <summary>{summary}</summary>
            {url.clone().map(|url| view! { <p class="hint camera-url" data-testid="camera-url">"Snapshot from "{url}</p> })}
            <ActionForm action=set attr:class="staff-form" attr:data-testid="set-camera">
                <input type="hidden" name="id" value=set_id/>
                <label for=field_id.clone()>"Snapshot address (serves one JPEG or PNG; leave empty for no camera)"</label>
                <input id=field_id name="snapshot_url" type="text" inputmode="url" maxlength="500" value=url.unwrap_or_default()
                    placeholder="http://printer-1.lab:8080/?action=snapshot"/>
                <p class="form-error" role="alert">{set_error}</p>
                <button type="submit" class="button secondary">"Save the camera"</button>
            </ActionForm>
            {server.map(|server| view! {
                <ActionForm action=read attr:class="job-action" attr:data-testid="camera-from-server">
                    <input type="hidden" name="id" value=id/>
                    <input type="hidden" name="from_server" value="true"/>
                    <button type="submit" class="button secondary">{format!("Read it from {server}")}</button>
                    <p class="form-error" role="alert">{read_error}</p>
                </ActionForm>
            })}
        </details>
    }
}

/// "Change this printer" and "Remove this printer", folded away on its card.
#[component]
fn ChangePrinter(id: String, form: PrinterForm, changed: RwSignal<u32>) -> impl IntoView {
    let edit = ServerAction::<StaffEditPrinter>::new();
    let remove = ServerAction::<StaffRemovePrinter>::new();
    // Only a change that went through redraws the page: a refused one keeps
    // the card (and its error) as it is. (An action's version moves on
    // refusals too, so it cannot be the signal.)
    let went_through =
        move || matches!(edit.value().get(), Some(Ok(()))) || matches!(remove.value().get(), Some(Ok(())));
    Effect::new(move |_| {
        if went_through() {
            changed.update(|n| *n += 1);
        }
    });
    let (edit_error, remove_error) = (form_error(edit), form_error(remove));
    let prefix = format!("printer-{id}");
    let remove_id = id.clone();
    view! {
        <details class="printer-change">
            <summary>"Change or remove this printer"</summary>
            <ActionForm action=edit attr:class="staff-form" attr:data-testid="edit-printer">
                <input type="hidden" name="id" value=id/>
                <PrinterFields prefix form/>
                <p class="form-error" role="alert" data-testid="edit-printer-error">{edit_error}</p>
                <button type="submit" class="button">"Save the printer"</button>
            </ActionForm>
            <ActionForm action=remove attr:data-testid="remove-printer">
                <input type="hidden" name="id" value=remove_id/>
                <p class="hint">"Removing it keeps the jobs it printed and their history."</p>
                <p class="form-error" role="alert" data-testid="remove-printer-error">{remove_error}</p>
                <button type="submit" class="button secondary">"Remove this printer"</button>
            </ActionForm>
        </details>
    }
}

#[component]
fn AddPrinter(add: ServerAction<StaffAddPrinter>) -> impl IntoView {
    let error = form_error(add);
    // Once a printer is added (its card is above now) the form empties for
    // the next one; a refused one keeps what was typed, to be corrected.
    let form = NodeRef::<leptos::html::Form>::new();
    Effect::new(move |_| {
        if matches!(add.value().get(), Some(Ok(())))
            && let Some(form) = form.get()
        {
            form.reset();
        }
    });
    view! {
        <ActionForm action=add node_ref=form attr:class="card staff-form" attr:data-testid="add-printer">
            <h2>"Add a printer"</h2>
            <PrinterFields prefix="printer".to_string() form=PrinterForm::default()/>
            <p class="form-error" role="alert" data-testid="add-printer-error">{error}</p>
            <button type="submit" class="button">"Add the printer"</button>
        </ActionForm>
    }
}

/// A printer's fields (`form[name]`, …), filled in from `form`; `prefix`
/// keeps each form's element ids apart.
#[component]
fn PrinterFields(prefix: String, form: PrinterForm) -> impl IntoView {
    let field = |name: &'static str, label: &'static str, placeholder: &'static str, value: String| {
        let id = format!("{prefix}-{name}");
        view! {
            <label for=id.clone()>{label}</label>
            <input id=id name=format!("form[{name}]") placeholder=placeholder value=value maxlength="300"/>
        }
    };
    let (method, connection) = (form.method.clone(), form.connection.clone());
    view! {
        {field("name", "Name", "Prusa MK4 #1", form.name)}
        <label for=format!("{prefix}-method")>"Method"</label>
        <select id=format!("{prefix}-method") name="form[method]">
            {PrintMethod::ALL.map(|choice| view! {
                <option value=choice.as_str() selected={method == choice.as_str()}>{choice.label()}</option>
            }).collect_view()}
        </select>
        <fieldset>
            <legend>"Build volume (mm)"</legend>
            {field("build_x_mm", "Width", "250", form.build_x_mm)}
            {field("build_y_mm", "Depth", "210", form.build_y_mm)}
            {field("build_z_mm", "Height", "220", form.build_z_mm)}
        </fieldset>
        {field("material", "Material loaded", "PLA", form.material)}
        {field("colour", "Colour loaded", "Black", form.colour)}
        <label for=format!("{prefix}-connection")>"How it is driven"</label>
        <select id=format!("{prefix}-connection") name="form[connection]">
            <option value="octoprint" selected={connection == "octoprint" || connection.is_empty()}>"OctoPrint (sent and followed from here)"</option>
            <option value="moonraker" selected={connection == "moonraker"}>"Klipper through Moonraker (sent and followed from here)"</option>
            <option value="manual" selected={connection == "manual"}>"By hand (staff mark each step)"</option>
        </select>
        {field("server_url", "Its server's address", "http://printer-1.lab:5000 (OctoPrint) or http://voron.lab:7125 (Moonraker)", form.server_url)}
        {field("api_key_from", "Where the server reads its API key", "env:MEMOREEZ_PRINTER_KEY_MK4 or file:mk4.key", form.api_key_from)}
        <p class="hint">"The key itself is never typed here, stored or shown: put it in a server environment variable whose name starts MEMOREEZ_PRINTER_KEY_, or in a file in the server's printer keys folder (MEMOREEZ_PRINTER_KEYS_DIR). A Moonraker that trusts this server's network (its trusted_clients) needs no key: leave it empty."</p>
    }
}
