//! `/create/{id}/model`: the chosen design, the described object or the
//! uploaded file becoming a 3D model — the job's stages live, then a
//! picture of the model and its STL.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

use crate::components::job_events::{JobSignals, RefreshWhile};
use crate::components::loaded::loaded_page;
use crate::job::JobStatus;
use crate::model::{MeshDone, ModelSource, ModelView};
use crate::server_fns::creations::get_model;

mod versions;
use versions::Versions;

#[component]
pub fn ModelPage() -> impl IntoView {
    let params = use_params_map();
    let id = move || params.read().get("id").unwrap_or_default();
    let model = Resource::new(id, get_model);
    // After a version is made, chosen or refined: the page again, in place.
    let reload = Callback::new(move |()| model.refetch());
    loaded_page(model, ("Loading your model…", "We couldn't load your model"), move |model| {
        view! { <ModelProgress model reload/> }
    })
}

#[component]
fn ModelProgress(model: ModelView, reload: Callback<()>) -> impl IntoView {
    let ModelView {
        creation_id,
        title,
        source,
        job_id,
        status,
        stage,
        percent,
        mesh_url,
        thumbnail_url,
        error,
        versions,
        another,
    } = model;
    let was_running = !status.is_finished();
    let job = JobSignals::new(status, stage, percent, error);
    let made = RwSignal::new(
        mesh_url.zip(thumbnail_url).map(|(mesh_url, thumbnail_url)| MeshDone { mesh_url, thumbnail_url }),
    );
    job.follow(job_id, made);
    let JobSignals { status, stage, percent, error } = job;
    let running = move || job.running();
    // A version made while the page was open: the list shows it made.
    Effect::new(move || {
        if was_running && status.get().is_finished() {
            reload.run(());
        }
    });
    // Where to go when this model cannot be made.
    let studio_url = format!("/create/{creation_id}/studio");
    let (other_link, other_words) = match &source {
        ModelSource::Design { .. } => (format!("/create/{creation_id}/concepts"), "Choose another design"),
        ModelSource::Description { .. } => ("/".to_string(), "Describe it another way"),
        ModelSource::Upload { .. } => ("/#upload".to_string(), "Upload another file"),
    };
    let origin = match source {
        ModelSource::Design { image_url } => view! {
            <figure class="card model-source">
                <img src=image_url alt=title.clone() width="512" height="512"/>
                <figcaption>"The design you chose"</figcaption>
            </figure>
        }
        .into_any(),
        ModelSource::Description { text } => view! {
            <figure class="card model-source">
                <blockquote class="facts" data-testid="model-description">{text}</blockquote>
                <figcaption>"What you described"</figcaption>
            </figure>
        }
        .into_any(),
        ModelSource::Upload { about } => view! {
            <figure class="card model-source">
                <p class="upload-name" data-testid="model-upload">{about}</p>
                <p class="hint">"Printed at the size in your file: its millimetres are yours."</p>
                <figcaption>"The model you uploaded"</figcaption>
            </figure>
        }
        .into_any(),
    };

    view! {
        <Title text="Your model · Memoreez"/>
        <RefreshWhile when=running seconds=2/>
        <section class="hero">
            <p class="eyebrow">"Your model"</p>
            <h1>{title.clone()}</h1>
        </section>
        <div class="model-row">
            {origin}
            <section class="card model-result" aria-live="polite" data-testid="model">
                {move || match (status.get(), made.get()) {
                    (JobStatus::Done, Some(MeshDone { mesh_url, thumbnail_url })) => view! {
                        <img src=thumbnail_url alt="Your 3D model" width="512" height="512" data-testid="model-thumbnail"/>
                        <p>"Your model is ready: one closed, printable solid."</p>
                        <p class="actions">
                            <a class="button" href=studio_url.clone() data-testid="open-studio">"Open the studio"</a>
                            <a class="button secondary" href=mesh_url download="memoreez-model.stl" data-testid="model-download">
                                "Download the STL"
                            </a>
                        </p>
                        <p class="note">
                            "In the studio you stand it on a pedestal, add words and get the exact price."
                        </p>
                    }
                    .into_any(),
                    (JobStatus::Failed, _) => view! {
                        <div role="alert" data-testid="model-failed">
                            <h2>"We couldn't make this model"</h2>
                            <p>{move || error.get().unwrap_or_default()}</p>
                            <p><a href=other_link.clone()>{other_words}</a></p>
                        </div>
                    }
                    .into_any(),
                    _ => view! {
                        <h2>"Making your 3D model"</h2>
                        <progress max="100" value=move || percent.get()></progress>
                        <p class="stage" data-testid="model-stage">
                            {move || format!("{} · {} %", stage.get(), percent.get())}
                        </p>
                    }
                    .into_any(),
                }}
            </section>
        </div>
        <Versions creation_id=creation_id.clone() versions another reload/>
    }
}
