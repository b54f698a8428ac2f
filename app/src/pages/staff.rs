//! The staff's pages: sign in (`/staff/login`), first-run setup
//! (`/staff/setup?code=…`), the live print queue (`/staff`) and the outbox
//! of emails (`/staff/outbox`); a job's own page is in `staff_job`. Plain
//! forms, so they work without JavaScript.

use leptos::prelude::*;
use leptos::server::ServerActionError;
use leptos::server_fn::ServerFn;
use leptos::server_fn::error::ServerFnUrlError;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::components::loaded::loaded_page;
use crate::components::staff_live::{LabFeed, LiveBar};
use crate::components::staff_nav::StaffNav;
use crate::error::AppError;
use crate::print_job::PrintJobStatus;
use crate::server_fns::staff::{
    StaffSetup, StaffSignIn, StaffSignOut, staff_outbox, staff_queue, staff_status,
};
use crate::staff::{OutboxLine, PrintJobCard, Queue};

/// The error a plain form came back with (no JavaScript), or the action's own.
pub(crate) fn form_error<A>(action: ServerAction<A>) -> impl Fn() -> Option<String> + Copy
where
    A: ServerFn<Error = AppError> + Clone + Send + Sync + 'static,
    A::Output: Clone + Send + Sync + 'static,
{
    let returned = use_context::<ServerActionError>()
        .filter(|error| error.path() == A::PATH)
        .map(|error| ServerFnUrlError::<AppError>::decode_err(error.err()).to_string());
    let returned = StoredValue::new(returned);
    move || {
        action
            .value()
            .get()
            .and_then(Result::err)
            .map(|error| error.to_string())
            .or_else(|| returned.get_value())
    }
}

#[component]
pub fn StaffLoginPage() -> impl IntoView {
    let sign_in = ServerAction::<StaffSignIn>::new();
    let error = form_error(sign_in);
    let status = Resource::new(|| (), |_| staff_status());
    view! {
        <Title text="Staff sign in · Memoreez"/>
        <section class="hero">
            <p class="eyebrow">"The print lab"</p>
            <h1>"Staff sign in"</h1>
        </section>
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                status.await.ok().filter(|status| !status.password_set).map(|_| view! {
                    <p class="card" role="status" data-testid="no-staff-password">
                        "No staff password is set yet. Run `memoreez admin set-password` on the server, "
                        "or open the setup link printed in the server's log."
                    </p>
                })
            })}
        </Suspense>
        <ActionForm action=sign_in attr:class="card staff-form" attr:data-testid="staff-sign-in">
            <label for="password">"The lab's password"</label>
            <input id="password" name="password" type="password" required autocomplete="current-password"/>
            <p class="form-error" role="alert" data-testid="staff-sign-in-error">{error}</p>
            <button type="submit" class="button">"Sign in"</button>
        </ActionForm>
    }
}

#[component]
pub fn StaffSetupPage() -> impl IntoView {
    let setup = ServerAction::<StaffSetup>::new();
    let error = form_error(setup);
    let code = use_query_map().read_untracked().get("code").unwrap_or_default();
    view! {
        <Title text="Set the staff password · Memoreez"/>
        <section class="hero">
            <p class="eyebrow">"The print lab"</p>
            <h1>"Set the staff password"</h1>
            <p class="lede">"One password for the lab's staff. At least 10 characters; a few words make a good one."</p>
        </section>
        <ActionForm action=setup attr:class="card staff-form" attr:data-testid="staff-setup">
            <input type="hidden" name="code" value=code/>
            <label for="password">"Password"</label>
            <input id="password" name="password" type="password" required minlength="10" autocomplete="new-password"/>
            <label for="repeat">"The same again"</label>
            <input id="repeat" name="repeat" type="password" required minlength="10" autocomplete="new-password"/>
            <p class="form-error" role="alert" data-testid="staff-setup-error">{error}</p>
            <button type="submit" class="button">"Set the password"</button>
        </ActionForm>
    }
}

#[component]
pub(crate) fn SignOut() -> impl IntoView {
    let sign_out = ServerAction::<StaffSignOut>::new();
    view! {
        <ActionForm action=sign_out attr:class="inline">
            <button type="submit" class="button secondary" data-testid="staff-sign-out">"Sign out"</button>
        </ActionForm>
    }
}

#[component]
pub fn StaffHomePage() -> impl IntoView {
    let query = use_query_map();
    // Outside the loaded page, so the feed stays connected while the queue reloads.
    let feed = LabFeed::start();
    let queue = Resource::new(
        move || (query.read().get("status").unwrap_or_default(), feed.changes.get()),
        |(status, _)| staff_queue(status),
    );
    loaded_page(
        queue,
        ("Loading the queue…", "The print queue"),
        move |queue| view! { <Dashboard queue feed/> },
    )
}

#[component]
fn Dashboard(queue: Queue, feed: LabFeed) -> impl IntoView {
    let Queue { read_at, tabs, showing, jobs, printers, board } = queue;
    if !board.is_empty() {
        return view! { <Board read_at tabs printers board feed/> }.into_any();
    }
    let empty = jobs.is_empty();
    view! {
        <Title text=format!("{} · Print queue · Memoreez", showing.label())/>
        <StaffNav current="/staff"/>
        <section class="hero">
            <p class="eyebrow"><a href="/staff" data-testid="board-link">"The print queue's board"</a></p>
            <h1 data-testid="staff-home">{format!("Print queue: {}", showing.label().to_lowercase())}</h1>
            <LiveBar feed read_at/>
        </section>
        <nav class="tabs" aria-label="Statuses" data-testid="queue-tabs">
            {tabs.into_iter().map(|tab| {
                let current = tab.status == showing;
                view! {
                    <a href=format!("/staff?status={}", tab.status.as_str()) class:current=current
                        aria-current=current.then_some("page") data-status=tab.status.as_str() data-count=tab.jobs>
                        <strong>{tab.status.label()}</strong>" "<span class="count">{tab.jobs}</span>
                        <small>{format!("{:.0} g · {:.1} h", tab.grams + 0.0, tab.hours + 0.0)}</small>
                    </a>
                }
            }).collect_view()}
        </nav>
        {(!printers.is_empty()).then(|| view! { <PrinterStrip printers/> })}
        <Show when=move || empty>
            <p class="card" data-testid="queue-empty">{format!("Nothing is {} right now.", showing.label().to_lowercase())}</p>
        </Show>
        <ul class="job-cards" data-testid="queue-jobs">
            {jobs.into_iter().map(|job| view! { <JobCardView job/> }).collect_view()}
        </ul>
    }
    .into_any()
}

/// The queue as a board: the printer strip, then a column per active
/// status of compact cards in queue order; finished and rejected jobs are
/// a link away. Columns side by side on a wide screen, one under another
/// on a phone.
#[component]
fn Board(
    read_at: String,
    tabs: Vec<crate::staff::QueueTab>,
    printers: Vec<crate::staff::PrinterCard>,
    board: Vec<crate::staff::QueueColumn>,
    feed: LabFeed,
) -> impl IntoView {
    let empty = board.iter().all(|column| column.total == 0);
    let done_with = tabs
        .into_iter()
        .filter(|tab| !PrintJobStatus::ACTIVE.contains(&tab.status))
        .map(|tab| {
            view! {
                <li>
                    <a href=format!("/staff?status={}", tab.status.as_str()) data-status=tab.status.as_str() data-count=tab.jobs>
                        {tab.status.label()}" "<span class="count">{tab.jobs}</span>
                    </a>
                </li>
            }
        })
        .collect_view();
    // Each part's type erased (`into_any`): the page's whole view as one
    // nested type is deeper than the compiler follows when building for wasm.
    let strip = (!printers.is_empty()).then(|| view! { <PrinterStrip printers/> }.into_any());
    let columns = board.into_iter().map(|column| view! { <BoardColumn column/> }.into_any()).collect_view();
    view! {
        <Title text="Print queue · Memoreez"/>
        {view! { <StaffNav current="/staff"/> }.into_any()}
        {view! {
            <section class="hero board-hero">
                <h1 data-testid="staff-home">"Print queue"</h1>
                <LiveBar feed read_at/>
            </section>
        }
        .into_any()}
        {strip}
        <Show when=move || empty>
            <p class="card" data-testid="queue-empty">"Nothing is waiting or printing right now."</p>
        </Show>
        <div class="board" data-testid="board">{columns}</div>
        <nav class="board-done" aria-label="Jobs done with" data-testid="board-done">
            <ul>{done_with}</ul>
            <p class="hint">
                <a href="/lab/submit">"The students' submission form"</a>
                " · A shop order that ships can be sent out to Slant 3D from its job's page, once MEMOREEZ_SLANT3D_API_KEY is set."
            </p>
        </nav>
    }
}

/// One status's column: its heading with the count, and its compact cards.
#[component]
fn BoardColumn(column: crate::staff::QueueColumn) -> impl IntoView {
    let status = column.status;
    let heading_id = format!("column-{}", status.as_str());
    let more = column.total - column.jobs.len() as i64;
    view! {
        <section class="board-column" aria-labelledby=heading_id.clone() data-testid="board-column"
            data-status=status.as_str() data-count=column.total>
            <h2 id=heading_id.clone()>
                <a href=format!("/staff?status={}", status.as_str())>{status.label()}</a>
                " "<span class="count">{column.total}</span>
            </h2>
            <ul class="board-cards">
                {column.jobs.into_iter().map(|job| view! { <JobCardView job compact=true/> }).collect_view()}
            </ul>
            {(more > 0).then(|| view! {
                <p class="hint"><a href=format!("/staff?status={}", status.as_str())>{format!("and {more} more")}</a></p>
            })}
        </section>
    }
}

/// Each printer in a line: its state, and the job on it with its progress.
#[component]
fn PrinterStrip(printers: Vec<crate::staff::PrinterCard>) -> impl IntoView {
    view! {
        <section class="card" data-testid="printer-strip">
            <h2><a href="/staff/printers">"Printers"</a></h2>
            <ul class="printer-strip">
                {printers.into_iter().map(|printer| {
                    let pct = printer.progress.as_ref().and_then(|on| on.progress_pct).unwrap_or(0.0);
                    let job = printer.job.clone().map(|(id, name)| {
                        let progress = printer.progress.as_ref().map(|on| on.in_words()).unwrap_or_default();
                        view! {
                            <a href=format!("/staff/jobs/{id}")>{name}</a>" "
                            <span data-testid="strip-progress">{progress}</span>
                            {printer.done_around.clone().map(|at| view! { " · "<span data-testid="strip-done-around">{format!("done around {at}")}</span> })}
                            <progress max="100" value=pct aria-label="How far the print is"></progress>
                        }
                    });
                    let idle = job.is_none().then(|| view! { <span class="hint">{if printer.maintenance.is_some() { "in maintenance" } else { "no job" }}</span> });
                    let (name, shown_name) = (printer.name.clone(), printer.name);
                    let (state, shown_state) = (printer.state.clone(), printer.state);
                    view! {
                        <li data-name=name data-state=state.clone()>
                            <p><strong>{shown_name}</strong>" "
                            <span class=format!("badge printer-{state}")>{shown_state}</span></p>
                            <p>{job}{idle}</p>
                        </li>
                    }
                }).collect_view()}
            </ul>
        </section>
    }
}

/// A job's card; `compact` (on the board): a smaller picture, no email or notes.
#[component]
pub(crate) fn JobCardView(job: PrintJobCard, #[prop(optional)] compact: bool) -> impl IntoView {
    let price = job.price_cents.map(|cents| {
        format!("{} {}", crate::quote::money(cents.max(0) as u64), job.currency.clone().unwrap_or_default())
    });
    let side = if compact { "48" } else { "96" };
    let (email, notes) = if compact { (String::new(), String::new()) } else { (job.email, job.notes) };
    view! {
        <li class="card job-card" class:compact=compact data-testid="job-card" data-source=job.source.clone()>
            {job.thumbnail_url.map(|src| view! { <img src=src alt="" width=side height=side/> })}
            <div>
                <p class="job-badges">
                    {(job.source == "shop").then(|| view! { <span class="badge shop" data-testid="shop-badge">"shop"</span> })}
                    {job.new.then(|| view! { <span class="badge new" data-testid="new-badge">"NEW"</span> })}
                </p>
                <p><a href=format!("/staff/jobs/{}", job.id) data-testid="job-link"><strong>{job.name}</strong></a>" "<span class="hint">{email}</span></p>
                <p>{format!("{} × {} {}", job.copies, job.method, job.color).trim().to_string()}</p>
                {(!notes.is_empty()).then(|| view! { <p class="hint">{notes}</p> })}
                <p class="hint">
                    {job.weight_g.map(|g| format!("{g:.1} g · "))}
                    {job.print_hours.map(|h| format!("{h:.1} h · "))}
                    {price}
                </p>
                <p class="hint">"Queued "{job.queued}</p>
                {job.eta.map(|eta| view! {
                    <p class="eta" data-testid="job-eta">{job.place.map(|place| format!("#{place} in the queue: "))}{eta}</p>
                })}
            </div>
        </li>
    }
}

#[component]
pub fn StaffOutboxPage() -> impl IntoView {
    let outbox = Resource::new(|| (), |_| staff_outbox());
    loaded_page(outbox, ("Loading the outbox…", "The email outbox"), |outbox| view! { <Outbox outbox/> })
}

#[component]
fn Outbox(outbox: Vec<OutboxLine>) -> impl IntoView {
    let empty = outbox.is_empty();
    view! {
        <Title text="Email outbox · Memoreez"/>
        <StaffNav current="/staff/outbox"/>
        <section class="hero">
            <p class="eyebrow">"The print lab"</p>
            <h1>"Email outbox"</h1>
            <p class="lede">"The newest 200 messages. Failed sends are tried again, up to eight times; held ones wait for their order's payment."</p>
        </section>
        <section class="card">
            <Show when=move || empty>
                <p data-testid="outbox-empty">"Nothing has been written yet: emails appear here as orders come in."</p>
            </Show>
            // Focusable, so a keyboard can scroll it on a phone.
            <div class="table-scroll" tabindex="0" role="region" aria-label="The outbox's messages">
            <table class="outbox" data-testid="outbox">
                <thead><tr><th>"Written"</th><th>"What"</th><th>"To"</th><th>"Subject"</th><th>"Status"</th><th>"Tries"</th><th>"Last error"</th></tr></thead>
                <tbody>
                    {outbox.into_iter().map(|line| {
                        let status = line.status.clone();
                        view! {
                        <tr data-status=status>
                            <td>{line.written}</td>
                            <td>{line.kind}</td>
                            <td>{line.to}</td>
                            <td>{line.subject}</td>
                            <td>{match line.sent {
                                Some(at) => format!("{} {at}", line.status),
                                None => line.status,
                            }}</td>
                            <td>{line.attempts}</td>
                            <td>{line.last_error.unwrap_or_default()}</td>
                        </tr>
                        }
                    }).collect_view()}
                </tbody>
            </table>
            </div>
        </section>
    }
}
