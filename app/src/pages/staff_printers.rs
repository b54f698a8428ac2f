//! `/staff/printers`: the lab's printers, each with what it is doing (read
//! from its OctoPrint every couple of seconds, shown live) and the job on
//! it; and the form that adds one. A plain form, so it works without
//! JavaScript.

use leptos::prelude::*;
use leptos_meta::Title;

use crate::components::loaded::loaded_page;
use crate::components::staff_live::{LabFeed, LiveBar};
use crate::lab::PrintMethod;
use crate::pages::staff::{SignOut, form_error};
use crate::server_fns::staff::{StaffAddPrinter, staff_printers};
use crate::staff::PrinterCard;

#[component]
pub fn StaffPrintersPage() -> impl IntoView {
    let feed = LabFeed::start();
    let add = ServerAction::<StaffAddPrinter>::new();
    let printers = Resource::new(move || (feed.changes.get(), add.version().get()), |_| staff_printers());
    loaded_page(printers, ("Loading the printers…", "The lab's printers"), move |printers| {
        view! { <Printers printers feed add/> }
    })
}

#[component]
fn Printers(printers: Vec<PrinterCard>, feed: LabFeed, add: ServerAction<StaffAddPrinter>) -> impl IntoView {
    let empty = printers.is_empty();
    let read_at = printers.iter().filter_map(|printer| printer.read_at.clone()).max().unwrap_or_default();
    view! {
        <Title text="Printers · Memoreez"/>
        <section class="hero">
            <p class="eyebrow"><a href="/staff">"Print queue"</a></p>
            <h1 data-testid="printers-title">"Printers"</h1>
            <LiveBar feed read_at/>
        </section>
        <Show when=move || empty>
            <p class="card" data-testid="no-printers">"No printers yet: add the lab's first one below."</p>
        </Show>
        <ul class="job-cards" data-testid="printers">
            {printers.into_iter().map(|printer| view! { <PrinterView printer/> }).collect_view()}
        </ul>
        <AddPrinter add/>
        <section class="card"><SignOut/></section>
    }
}

#[component]
fn PrinterView(printer: PrinterCard) -> impl IntoView {
    let [x, y, z] = printer.build_mm;
    let progress = printer.progress.as_ref().map(|on| on.in_words());
    let pct = printer.progress.as_ref().and_then(|on| on.progress_pct).unwrap_or(0.0);
    view! {
        <li class="card printer-card" data-testid="printer" data-name=printer.name.clone() data-state=printer.state.clone()>
            <h2>{printer.name.clone()}" "<span class=format!("badge printer-{}", printer.state) data-testid="printer-state">{printer.state.clone()}</span></h2>
            <p>{format!("{} · {} {} · {x:.0} × {y:.0} × {z:.0} mm", printer.method.label(), printer.material, printer.colour)}</p>
            <p class="hint">
                {match &printer.url {
                    Some(url) => format!("OctoPrint at {url}"),
                    None => "Run by hand".to_string(),
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
        </li>
    }
}

#[component]
fn AddPrinter(add: ServerAction<StaffAddPrinter>) -> impl IntoView {
    let error = form_error(add);
    let field = |name: &'static str, label: &'static str, placeholder: &'static str| {
        let id = format!("printer-{name}");
        view! {
            <label for=id.clone()>{label}</label>
            <input id=id name=format!("form[{name}]") placeholder=placeholder maxlength="300"/>
        }
    };
    view! {
        <ActionForm action=add attr:class="card staff-form" attr:data-testid="add-printer">
            <h2>"Add a printer"</h2>
            {field("name", "Name", "Prusa MK4 #1")}
            <label for="printer-method">"Method"</label>
            <select id="printer-method" name="form[method]">
                {PrintMethod::ALL.map(|method| view! { <option value=method.as_str()>{method.label()}</option> }).collect_view()}
            </select>
            <fieldset>
                <legend>"Build volume (mm)"</legend>
                {field("build_x_mm", "Width", "250")}
                {field("build_y_mm", "Depth", "210")}
                {field("build_z_mm", "Height", "220")}
            </fieldset>
            {field("material", "Material loaded", "PLA")}
            {field("colour", "Colour loaded", "Black")}
            <label for="printer-connection">"How it is driven"</label>
            <select id="printer-connection" name="form[connection]">
                <option value="octoprint">"OctoPrint (sent and followed from here)"</option>
                <option value="manual">"By hand (staff mark each step)"</option>
            </select>
            {field("octoprint_url", "OctoPrint's address", "http://printer-1.lab:5000")}
            {field("api_key_from", "Where the server reads its API key", "env:MEMOREEZ_PRINTER_1_KEY or file:/etc/memoreez/printer-1.key")}
            <p class="hint">"The key itself is never typed here, stored or shown: put it in the server's environment or a file only the server reads."</p>
            <p class="form-error" role="alert" data-testid="add-printer-error">{error}</p>
            <button type="submit" class="button">"Add the printer"</button>
        </ActionForm>
    }
}
