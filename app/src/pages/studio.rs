//! `/create/{id}/studio`: the model on its pedestal with the customer's
//! words, the settings that shape it, and its exact price.
//!
//! Rendered on the server and usable without JavaScript: the settings are a
//! plain form that posts to `price_keepsake`, which saves them, builds the
//! keepsake and queues its slice, then sends the browser back here.

use geometry::keepsake::TextFinish;
use geometry::pedestal::PedestalShape;
use leptos::prelude::*;
use leptos::server::ServerActionError;
use leptos::server_fn::error::ServerFnUrlError;
use leptos_meta::Title;
use leptos_router::components::A;
use leptos_router::hooks::use_params_map;

use crate::components::checkout::{CheckoutForm, Orderable};
use crate::components::loaded::loaded_page;
use crate::components::studio_view::LiveView;
use crate::error::AppError;
use crate::pages::quote::QuoteFollow;
use crate::server_fns::shop::{PriceKeepsake, get_quote_progress, get_studio};

use crate::studio::{LETTER_HEIGHT_MM, LINE_MAX_CHARS, StudioSettings, StudioView};

#[component]
pub fn StudioPage() -> impl IntoView {
    let params = use_params_map();
    let id = move || params.read().get("id").unwrap_or_default();
    let studio = Resource::new(id, get_studio);
    loaded_page(studio, ("Opening the studio…", "We couldn't open the studio"), |studio| {
        view! { <Studio studio/> }
    })
}

#[component]
fn Studio(studio: StudioView) -> impl IntoView {
    let StudioView {
        creation_id,
        title,
        model_url,
        thumbnail_url,
        model_height_mm,
        settings,
        quote,
        build_volume_mm,
        rates,
        card_payments,
    } = studio;
    if model_url.is_none() {
        return view! {
            <Title text="The studio · Memoreez"/>
            <section class="hero">
                <p class="eyebrow">"The studio"</p>
                <h1>{title}</h1>
            </section>
            <section class="card" role="status" data-testid="studio-not-ready">
                <p>"Your model is still being made. The studio opens once it is ready."</p>
                <A href=format!("/create/{creation_id}/model") attr:class="button">"See your model"</A>
            </section>
        }
        .into_any();
    }

    let price = ServerAction::<PriceKeepsake>::new();
    // Without JavaScript a refused form comes back with the error in the URL.
    let returned_error = use_context::<ServerActionError>()
        .filter(|error| error.path() == <PriceKeepsake as leptos::server_fn::ServerFn>::PATH)
        .map(|error| ServerFnUrlError::<AppError>::decode_err(error.err()));
    let error =
        Memo::new(move |_| price.value().get().and_then(Result::err).or_else(|| returned_error.clone()));
    let field_error = move |name: &'static str| move || error.get().and_then(|error| error.message_for(name));
    let form_error = move || match error.get() {
        Some(error)
            if error.field().is_some_and(|field| field.ends_with("_mm") || field.starts_with("line")) =>
        {
            None
        }
        other => other.map(|error| error.to_string()),
    };

    // The price shown: the one saved with the settings, then each one asked for.
    let job_id = RwSignal::new(quote.map(|quote| quote.job_id));
    Effect::new(move |_| {
        if let Some(Ok(priced)) = price.value().get() {
            job_id.set(Some(priced.job_id));
        }
    });
    let progress = Resource::new(
        move || job_id.get(),
        |job| async move {
            match job {
                Some(job) => get_quote_progress(job).await.map(Some),
                None => Ok(None),
            }
        },
    );
    let pending = price.pending();
    let priced_sha256 =
        Signal::derive(move || price.value().get().and_then(Result::ok).map(|priced| priced.mesh_sha256));

    // The live view follows the form as it is typed in, not only when sent.
    let form = NodeRef::<leptos::html::Form>::new();
    let form_spec = RwSignal::new(settings.to_spec().ok());
    let spec = Memo::new(move |_| form_spec.get());
    // A price is for one mesh: once the settings differ from those priced,
    // the old exact price goes (the order would be refused with 409).
    let priced_spec = RwSignal::new(job_id.get_untracked().and_then(|_| settings.to_spec().ok()));
    Effect::new(move |_| {
        if let Some(Ok(_)) = price.value().get() {
            priced_spec.set(form_spec.get_untracked());
        }
    });
    Effect::new(move |_| {
        let current = spec.get();
        if job_id.get_untracked().is_some() && priced_spec.get_untracked() != current {
            job_id.set(None);
        }
    });
    let read_form = move |_| {
        let Some(data) = form.get().and_then(|form| web_sys::FormData::new_with_form(&form).ok()) else {
            return;
        };
        let settings = StudioSettings::from_fields(|name| data.get(name).as_string());
        form_spec.set(settings.and_then(|settings| settings.to_spec().ok()));
    };
    let s = settings;
    let downloads_for = creation_id.clone();

    view! {
        <Title text=format!("{title} · the studio · Memoreez")/>
        <section class="hero">
            <p class="eyebrow">"The studio"</p>
            <h1>{title.clone()}</h1>
            <p class="lede">"Stand it on a pedestal, add their name or a date, and see exactly what it costs."</p>
        </section>
        <div class="studio">
            <LiveView title=title.clone() thumbnail_url model_url=model_url.unwrap_or_default() model_height_mm
                build_volume_mm rates spec priced_sha256/>
            <div class="studio-settings" on:input=read_form on:change=read_form>
            <ActionForm action=price node_ref=form attr:class="card studio-form" attr:data-testid="studio-form">
                <input type="hidden" name="id" value=creation_id.clone()/>
                <fieldset>
                    <legend>"Pedestal"</legend>
                    <label for="shape">"Shape"</label>
                    <select id="shape" name="settings[shape]">
                        {[(PedestalShape::Round, "round", "Round"), (PedestalShape::Square, "square", "Square"), (PedestalShape::Hex, "hex", "Hexagonal")]
                            .map(|(shape, value, label)| view! { <option value=value selected=s.shape == shape>{label}</option> })}
                    </select>
                    <Millimetres id="pedestal_height_mm" label="Height" value=s.pedestal_height_mm range=geometry::keepsake::PEDESTAL_HEIGHT_MM step=0.5 error=field_error("pedestal_height_mm")/>
                    <Millimetres id="margin_mm" label="Margin around the model" value=s.margin_mm range=geometry::keepsake::MARGIN_MM step=0.5 error=field_error("margin_mm")/>
                </fieldset>
                <fieldset>
                    <legend>"Words on the front"</legend>
                    <TextLine id="line1" label="First line" value=s.line1.clone() error=field_error("line1")/>
                    <TextLine id="line2" label="Second line" value=s.line2.clone() error=field_error("line2")/>
                    <Millimetres id="letter_height_mm" label="Letter height" value=s.letter_height_mm range=LETTER_HEIGHT_MM step=0.5 error=field_error("letter_height_mm")/>
                    <label for="finish">"Finish"</label>
                    <select id="finish" name="settings[finish]">
                        <option value="engraved" selected=s.finish == TextFinish::Engraved>"Engraved (cut in)"</option>
                        <option value="embossed" selected=s.finish == TextFinish::Embossed>"Embossed (raised)"</option>
                    </select>
                    <Millimetres id="depth_mm" label="Depth" value=s.depth_mm range=geometry::keepsake::DEPTH_MM step=0.1 error=field_error("depth_mm")/>
                </fieldset>
                <fieldset>
                    <legend>"Size"</legend>
                    <Millimetres id="model_height_mm" label="Model height" value=s.model_height_mm range=geometry::keepsake::MODEL_HEIGHT_MM step=0.1 error=field_error("model_height_mm")/>
                </fieldset>
                <p class="form-error" role="alert" data-testid="studio-error">{form_error}</p>
                <button type="submit" class="button" disabled=pending data-testid="studio-price">
                    {move || if pending.get() { "Building your keepsake…" } else { "Get exact price" }}
                </button>
            </ActionForm>
            </div>
        </div>
        <Transition fallback=|| ()>
            {move || {
                let id = downloads_for.clone();
                Suspend::new(async move {
                match progress.await {
                    Ok(Some(progress)) => {
                        view! {
                            <QuoteFollow progress/>
                            <p class="actions downloads">
                                <a class="button secondary" href=format!("/api/creations/{id}/keepsake.stl") data-testid="download-stl">"Download STL"</a>
                                <a class="button secondary" href=format!("/api/creations/{id}/keepsake.3mf") data-testid="download-3mf">"Download 3MF"</a>
                            </p>
                            <CheckoutForm item=Orderable::Keepsake(id) card_payments/>
                        }
                        .into_any()
                    }
                    Ok(None) => view! { <p class="hint">"Choose your settings, then get the exact price from our slicer."</p> }.into_any(),
                    Err(error) => view! { <p class="form-error" role="alert">{error.to_string()}</p> }.into_any(),
                }
                })
            }}
        </Transition>
    }
    .into_any()
}

/// A length field of the settings form, in millimetres, with its bounds.
#[component]
fn Millimetres(
    id: &'static str,
    label: &'static str,
    value: f64,
    range: (f64, f64),
    step: f64,
    error: impl Fn() -> Option<String> + Send + Sync + 'static,
) -> impl IntoView {
    let error = std::sync::Arc::new(error);
    let invalid = {
        let error = error.clone();
        move || error().map(|_| "true")
    };
    view! {
        <div class="field">
            <label for=id>{label}" (mm)"</label>
            <input id=id name=format!("settings[{id}]") type="number" required
                min=range.0 max=range.1 step=step value=value
                aria-describedby=format!("{id}-error") aria-invalid=invalid/>
            <p class="field-error" id=format!("{id}-error")>{move || error()}</p>
        </div>
    }
}

/// One line of engraved words.
#[component]
fn TextLine(
    id: &'static str,
    label: &'static str,
    value: String,
    error: impl Fn() -> Option<String> + Send + Sync + 'static,
) -> impl IntoView {
    let error = std::sync::Arc::new(error);
    let invalid = {
        let error = error.clone();
        move || error().map(|_| "true")
    };
    view! {
        <div class="field">
            <label for=id>{label}</label>
            <input id=id name=format!("settings[{id}]") type="text" maxlength=LINE_MAX_CHARS value=value
                aria-describedby=format!("{id}-error") aria-invalid=invalid/>
            <p class="field-error" id=format!("{id}-error")>{move || error()}</p>
        </div>
    }
}
