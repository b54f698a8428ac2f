//! `/quote`: upload a model and get a price; `/quote/{job}`: the instant
//! estimate at once, the slicer's progress live, then the exact price.

use leptos::either::Either;
use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_meta::Title;
use leptos_router::components::A;
use leptos_router::hooks::use_params_map;

use crate::components::checkout::{CheckoutForm, Orderable};
use crate::components::job_events::{JobSignals, RefreshWhile};
use crate::components::loaded::loaded_page;
use crate::components::model_file::{ModelFileField, ModelFileForm};
use crate::job::JobStatus;
use crate::quote::{MATERIALS, PROFILES, QuoteDone, QuoteProgress, QuoteSummary, duration, money};
use crate::server_fns::shop::{StartQuote, get_quote_progress, start_quote};

/// The upload form.
#[component]
pub fn QuotePage() -> impl IntoView {
    let form = ModelFileForm::new(StartQuote::PATH, |data| start_quote(data.into()));
    let pending = move || form.pending();

    view! {
        <Title text="Price a model · Memoreez"/>
        <section class="hero">
            <h1>"Price a model"</h1>
            <p class="lede">
                "Upload a 3D model and see what it costs to print: an instant estimate first, then the "
                "exact figures from our slicer, with model and support plastic counted separately."
            </p>
        </section>
        <form
            class="card quote-form"
            method="post"
            enctype="multipart/form-data"
            action=StartQuote::url()
            on:submit=move |event| form.submit(event)
            prop:noValidate=true
        >
            <ModelFileField form id="file" label="Model file" testid="quote-file"/>
            <div class="field-row">
                <div class="field">
                    <label for="material">"Material"</label>
                    <select id="material" name="material">
                        {MATERIALS.map(|(value, label)| view! { <option value=value>{label}</option> }).collect_view()}
                    </select>
                </div>
                <div class="field">
                    <label for="profile">"Prices"</label>
                    <select id="profile" name="profile">
                        {PROFILES.map(|(value, label)| view! { <option value=value>{label}</option> }).collect_view()}
                    </select>
                </div>
            </div>
            <p class="form-error" role="alert">{move || form.form_error()}</p>
            <button type="submit" class="button" disabled=pending>
                {move || if pending() { "Reading your model…" } else { "Get a price" }}
            </button>
        </form>
    }
}

/// `/quote/{job}`: the quote as it is made.
#[component]
pub fn QuoteJobPage() -> impl IntoView {
    let params = use_params_map();
    let job = move || params.read().get("job").unwrap_or_default();
    let progress = Resource::new(job, get_quote_progress);

    loaded_page(progress, ("Loading your quote…", "We couldn't load this quote"), |progress| {
        view! { <QuoteJob progress/> }
    })
}

#[component]
fn QuoteJob(progress: QuoteProgress) -> impl IntoView {
    let file_name = progress.file_name.clone();
    // A model priced with the shop's prices can be ordered here once its exact
    // price is in (the server checks that again); the lab's prices are for students.
    let shop_price =
        progress.estimate.as_ref().or(progress.quote.as_ref()).is_some_and(|q| q.profile == "shop");
    let checkout = (shop_price && progress.status != JobStatus::Failed).then(|| {
        view! { <CheckoutForm item=Orderable::PricedModel(progress.job_id.clone()) card_payments=progress.card_payments/> }
    });
    view! {
        <Title text=format!("Price for {file_name} · Memoreez")/>
        <section class="hero">
            <p class="eyebrow">"Your quote"</p>
            <h1 data-testid="quote-file-name">{file_name}</h1>
        </section>
        <QuoteFollow progress/>
        {checkout}
        <p class="actions">
            <A href="/quote" attr:class="button secondary">"Price another model"</A>
        </p>
    }
}

/// A quote job's estimate, its progress live (or, without JavaScript, by
/// refreshing the page), then the price or why there is none.
#[component]
pub fn QuoteFollow(progress: QuoteProgress) -> impl IntoView {
    let QuoteProgress { job_id, status, stage, percent, estimate, quote, error, .. } = progress;
    let job = JobSignals::new(status, stage, percent, error);
    let done = RwSignal::new(quote.map(|quote| QuoteDone { quote }));
    job.follow(job_id, done);
    let JobSignals { status, stage, percent, error } = job;
    let running = move || job.running();

    view! {
        <RefreshWhile when=running seconds=3/>
        {estimate.map(|estimate| view! { <QuoteCard quote=estimate title="Instant estimate" testid="estimate"/> })}
        <Show when=running>
            <section class="card slicing" aria-live="polite" data-testid="quote-progress">
                <h2>"Working out the exact price"</h2>
                <progress max="100" value=move || percent.get()></progress>
                <p class="stage">{move || format!("{} · {} %", stage.get(), percent.get())}</p>
            </section>
        </Show>
        {move || {
            done
                .get()
                .map(|QuoteDone { quote }| {
                    let title = if quote.is_estimate() { "Price (estimated)" } else { "Exact price" };
                    view! { <QuoteCard quote title testid="quote"/> }
                })
        }}
        {move || {
            (status.get() == JobStatus::Failed)
                .then(|| {
                    view! {
                        <section class="card" role="alert" data-testid="quote-failed">
                            <h2>"We couldn't price this model"</h2>
                            <p>{error.get().unwrap_or_else(|| "The slice failed.".into())}</p>
                        </section>
                    }
                })
        }}
    }
    // Erased: the studio nests this deep inside its own view, past the compiler's type depth.
    .into_any()
}

#[component]
fn QuoteCard(quote: QuoteSummary, title: &'static str, testid: &'static str) -> impl IntoView {
    let price = quote.price.clone();
    let currency = price.currency.clone();
    let line = move |label: &'static str, cents: u64| {
        (cents > 0).then(|| view! { <tr><th scope="row">{label}</th><td>{money(cents)}</td></tr> })
    };
    let source = if quote.is_estimate() {
        Either::Left(view! { <p class="hint">"Estimated from the model's volume and surface"</p> })
    } else {
        Either::Right(
            view! { <p class="hint">{format!("Sliced by {} ({})", quote.engine, quote.settings)}</p> },
        )
    };
    view! {
        <section class="card quote" data-testid=testid>
            <h2>{title}</h2>
            {source}
            <p class="price" data-testid=format!("{testid}-total")>
                {format!("{} {}", money(price.total_cents), currency)}
            </p>
            <dl class="figures">
                <dt>"Model"</dt><dd data-testid=format!("{testid}-model-g")>{format!("{:.1} g", quote.model_g)}</dd>
                <dt>"Supports"</dt><dd data-testid=format!("{testid}-support-g")>{format!("{:.1} g", quote.support_g)}</dd>
                <dt>"Print time"</dt><dd>{duration(quote.print_time_s)}</dd>
            </dl>
            <table class="breakdown">
                <tbody>
                    <tr>
                        <th scope="row">{format!("{} ({:.1} g)", quote.material.to_uppercase(), quote.total_g)}</th>
                        <td>{money(price.material_cents)}</td>
                    </tr>
                    {line("Service", price.service_cents)}
                    {line("Shipping", price.shipping_cents)}
                    {price.minimum_applied.then(|| view! { <tr><th scope="row" colspan="2">"Minimum order applies"</th></tr> })}
                    <tr class="total"><th scope="row">"Total"</th><td>{money(price.total_cents)}</td></tr>
                </tbody>
            </table>
            {quote.note.map(|note| view! { <p class="note">{note}</p> })}
        </section>
    }
}
