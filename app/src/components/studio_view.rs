//! The studio's view of the keepsake: the server's picture first (and for
//! good without JavaScript or WebGL2), then the live 3D view with its size,
//! the instant estimate, printability warnings, and whether the exact price
//! was made from exactly the mesh on screen.

use geometry::keepsake::KeepsakeSpec;
use leptos::prelude::*;

use crate::quote::money;
use crate::studio::ShopRates;

/// Where the live view stands.
#[derive(Clone, Debug, PartialEq)]
pub enum LiveStatus {
    /// The page has not hydrated yet, or the view is starting.
    Starting,
    /// Running: the canvas shows the keepsake.
    Building,
    Ready,
    /// No live view in this browser; the picture stays.
    Unavailable(String),
    /// The builder refused these settings or failed.
    Failed(String),
}

/// What the live view reports to the page.
#[derive(Clone, Copy)]
pub struct LiveSignals {
    pub status: RwSignal<LiveStatus>,
    /// Settings sent and not yet built exactly.
    pub building: RwSignal<bool>,
    pub size_mm: RwSignal<Option<[f64; 3]>>,
    /// Model and support grams of the exact keepsake.
    pub estimate: RwSignal<Option<(f64, f64)>>,
    pub warnings: RwSignal<Vec<String>>,
    /// SHA-256 of the exact keepsake's binary STL, as the browser built it.
    pub sha256: RwSignal<Option<String>>,
    pub preview_ms: RwSignal<Option<f64>>,
    pub exact_ms: RwSignal<Option<f64>>,
}

impl LiveSignals {
    fn new() -> LiveSignals {
        LiveSignals {
            status: RwSignal::new(LiveStatus::Starting),
            building: RwSignal::new(false),
            size_mm: RwSignal::new(None),
            estimate: RwSignal::new(None),
            warnings: RwSignal::new(Vec::new()),
            sha256: RwSignal::new(None),
            preview_ms: RwSignal::new(None),
            exact_ms: RwSignal::new(None),
        }
    }
}

#[component]
pub fn LiveView(
    title: String,
    thumbnail_url: Option<String>,
    model_url: String,
    model_height_mm: f64,
    build_volume_mm: [f64; 3],
    rates: ShopRates,
    /// The settings as the form holds them now; `None` while one is unreadable.
    spec: Memo<Option<KeepsakeSpec>>,
    /// The hash the server sent with the exact price just asked for.
    #[prop(into)]
    priced_sha256: Signal<Option<String>>,
) -> impl IntoView {
    let live = LiveSignals::new();
    let canvas = NodeRef::<leptos::html::Canvas>::new();
    let overlay = RwSignal::new(true);
    let reset = RwSignal::new(0u32);
    #[cfg(feature = "hydrate")]
    crate::components::studio_live::run(canvas, model_url, build_volume_mm, spec, overlay, reset, live);
    #[cfg(not(feature = "hydrate"))]
    let _ = (model_url, spec);

    let running = move || matches!(live.status.get(), LiveStatus::Building | LiveStatus::Ready);
    let [plate_x, plate_y, plate_z] = build_volume_mm;
    let caption = move || match live.status.get() {
        LiveStatus::Starting => {
            format!("Your model, {model_height_mm:.0} mm tall as made. Loading the 3D view…")
        }
        LiveStatus::Unavailable(reason) => format!(
            "Your model, {model_height_mm:.0} mm tall as made. The live 3D view is not available in this \
             browser ({reason}); the price and files are made from your settings all the same."
        ),
        LiveStatus::Failed(reason) => format!("These settings cannot be built: {reason}"),
        LiveStatus::Building | LiveStatus::Ready => match live.size_mm.get() {
            Some([x, y, z]) => format!(
                "{x:.0} × {y:.0} × {z:.0} mm (width × depth × height) on the {plate_x:.0} × {plate_y:.0} mm \
                 build plate, grid 10 mm."
            ),
            None => "Building your keepsake…".to_string(),
        },
    };
    let estimate = move || {
        live.estimate.get().map(|(model_g, support_g)| {
            let total = rates.total_cents(model_g + support_g);
            view! {
                <p data-testid="studio-estimate">
                    <strong>{format!("About {} {}", money(total), rates.currency)}</strong>
                    {format!(" — {model_g:.1} g model + {support_g:.1} g supports, estimated from the shape. ")}
                    "The exact price comes from our slicer."
                </p>
            }
        })
    };
    let warnings = move || {
        let warnings = live.warnings.get();
        (!warnings.is_empty()).then(|| {
            view! {
                <ul class="warnings" data-testid="studio-warnings">
                    {warnings.into_iter().map(|warning| view! { <li>{warning}</li> }).collect_view()}
                </ul>
            }
        })
    };
    let same_mesh = move || {
        match (priced_sha256.get(), live.sha256.get(), live.building.get()) {
        (Some(server), Some(browser), false) if server == browser => Some(view! {
            <p class="match" data-testid="studio-match" data-sha256=server.clone()>
                {format!("The price is for exactly the keepsake shown (same mesh, SHA-256 {}…).", &server[..12])}
            </p>
        }.into_any()),
        (Some(_), Some(_), false) => Some(view! {
            <p class="form-error" role="alert" data-testid="studio-mismatch">
                "The keepsake on screen is not the one priced (its settings changed since): get the exact price again."
            </p>
        }.into_any()),
        _ => None,
    }
    };
    let timing = move || match (live.preview_ms.get(), live.exact_ms.get()) {
        (Some(preview), Some(exact)) => format!("Preview {preview:.0} ms, exact solid {exact:.0} ms."),
        (Some(preview), None) => format!("Preview {preview:.0} ms."),
        _ => String::new(),
    };

    view! {
        <figure class="card studio-view" data-testid="studio-view" data-live=move || format!("{:?}", live.status.get())
            data-sha256=move || live.sha256.get().unwrap_or_default()>
            <img class:hidden=running src=thumbnail_url alt=title.clone() width="512" height="512" data-testid="studio-thumbnail"/>
            <div class="canvas-box" class:hidden=move || !running()>
                <canvas node_ref=canvas data-testid="studio-canvas" tabindex="0" role="img"
                    aria-label=format!("3D view of {title} on its pedestal: arrow keys turn it, + and − zoom")
                    aria-describedby="studio-gestures"></canvas>
                <div class="view-controls">
                    <button type="button" class="button secondary" data-testid="studio-reset" on:click=move |_| reset.update(|n| *n += 1)>
                        "Reset view"
                    </button>
                    <label>
                        <input type="checkbox" data-testid="studio-overlay" prop:checked=overlay
                            on:change=move |ev| overlay.set(event_target_checked(&ev))/>
                        " Show problem areas "
                        <span class="legend overhang">"overhangs"</span>" "
                        <span class="legend thin">"too thin"</span>
                    </label>
                    <span class="busy" data-testid="studio-building">{move || live.building.get().then_some("Updating…")}</span>
                </div>
                <p class="hint" id="studio-gestures">
                    "Drag to turn · right-drag or shift-drag to move · wheel or pinch to zoom · or, with the view focused, arrow keys turn and + and − zoom."
                </p>
            </div>
            <figcaption data-testid="studio-size">{caption}</figcaption>
            <p class="hint" data-testid="studio-timing">{timing}</p>
            {estimate}
            {warnings}
            {same_mesh}
            <noscript><p class="hint">{format!("The printer takes up to {plate_x:.0} × {plate_y:.0} × {plate_z:.0} mm.")}</p></noscript>
        </figure>
    }
}
