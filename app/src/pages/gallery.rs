//! `/create/{id}/concepts`: the story's concept designs. Cards show at once
//! as placeholders and fill one by one as each picture is drawn (server-sent
//! events); "Explore more" adds four; a failed card says why and retries.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

use crate::components::job_events::RefreshWhile;
use crate::components::loaded::loaded_page;
use crate::concept::{Concept, ConceptStatus, Gallery, MAX_CONCEPTS, PER_BATCH};
use crate::model::KeepsakeForm;
use crate::server_fns::creations::{explore_more, get_gallery, retry_concept, select_concept};

#[component]
pub fn GalleryPage() -> impl IntoView {
    let params = use_params_map();
    let id = move || params.read().get("id").unwrap_or_default();
    let gallery = Resource::new(id, get_gallery);
    loaded_page(gallery, ("Loading your designs…", "We couldn't load your designs"), |gallery| {
        view! { <ConceptGallery gallery/> }
    })
}

#[component]
fn ConceptGallery(gallery: Gallery) -> impl IntoView {
    let Gallery { creation, concepts, selected } = gallery;
    let id = creation.id.clone();
    let headline = match creation.kind {
        crate::creation::CreationKind::Story => {
            format!("Designs for someone who loves {}", creation.story.hobbies.join(", "))
        }
        crate::creation::CreationKind::Object => format!("Designs for “{}”", creation.story.facts),
        // Never shown: an uploaded model has no designs (the server answers 404).
        crate::creation::CreationKind::Upload => "Your model".to_string(),
    };
    let concepts = RwSignal::new(concepts);
    // Bumped to (re)open the event stream after asking for more or a retry.
    let listening = RwSignal::new(0u32);
    let more = Action::new({
        let id = id.clone();
        move |_: &()| explore_more(id.clone())
    });
    let retry = Action::new({
        let id = id.clone();
        move |index: &u32| retry_concept(id.clone(), *index)
    });
    // What the chosen design becomes: a standing plaque unless they choose flat.
    let form = RwSignal::new(KeepsakeForm::default());
    let select = Action::new({
        let id = id.clone();
        move |index: &u32| select_concept(id.clone(), *index, form.get_untracked())
    });

    // New placeholders for a batch just asked for, then listen again.
    Effect::new(move || {
        if let Some(Ok(indices)) = more.value().get() {
            concepts.update(|list| {
                for index in indices {
                    if !list.iter().any(|c| c.index == index) {
                        list.push(Concept {
                            index,
                            title: "A new design".into(),
                            status: ConceptStatus::Pending,
                            image_url: None,
                            error: None,
                            motif: String::new(),
                            words: String::new(),
                        });
                    }
                }
            });
            listening.update(|n| *n += 1);
        }
    });
    Effect::new(move || {
        if let Some(Ok(())) = retry.value().get() {
            listening.update(|n| *n += 1);
        }
    });
    let link = RwSignal::new(crate::components::live_stream::LinkState::Connecting);
    listen(id.clone(), concepts, (listening, link));

    let pending = move || concepts.read().iter().any(|c| c.status == ConceptStatus::Pending);
    let at_most = move || concepts.read().len() + PER_BATCH > MAX_CONCEPTS;
    let more_error = move || more.value().get().and_then(Result::err).map(|e| e.to_string());
    let select_error = move || select.value().get().and_then(Result::err).map(|e| e.to_string());

    view! {
        <Title text="Your designs · Memoreez"/>
        <section class="hero">
            <p class="eyebrow">"Your designs"</p>
            <h1 data-testid="story-headline">{headline}</h1>
            <p class="lede">"Pick the design you like best; we will turn it into a 3D model."</p>
            {selected.map(|_| view! {
                <p><a href=format!("/create/{id}/model")>"See the model you picked"</a></p>
            })}
        </section>
        <RefreshWhile when=pending seconds=2/>
        <crate::components::live_stream::LinkNotice link/>
        <fieldset class="card keepsake-form" data-testid="keepsake-form">
            <legend>"Make the chosen design as"</legend>
            {KeepsakeForm::ALL.map(|choice| view! {
                <label class="choice">
                    <input type="radio" name="form" value=choice.as_str()
                        data-testid=format!("form-{}", choice.as_str())
                        prop:checked=move || form.get() == choice
                        on:change=move |_| form.set(choice)/>
                    " "{choice.label()}
                    <span class="hint">{match choice {
                        KeepsakeForm::Plaque => " — upright on its pedestal, the picture facing you",
                        KeepsakeForm::Medallion => " — lying flat, like a coin",
                        KeepsakeForm::Figure => " — its outline made round and soft on both sides, standing",
                    }}</span>
                </label>
            })}
        </fieldset>
        <ul class="concepts" data-testid="concepts" aria-live="polite">
            <For each=move || concepts.get() key=|c| (c.index, c.status, c.title.clone()) let:concept>
                <ConceptCard concept retry select/>
            </For>
        </ul>
        <p class="form-error" role="alert">{more_error}{select_error}</p>
        <p class="actions">
            <button
                class="button secondary"
                data-testid="explore-more"
                disabled=move || more.pending().get() || at_most()
                on:click=move |_| {
                    more.dispatch(());
                }
            >
                {move || if more.pending().get() { "Asking for more…" } else { "Explore more designs" }}
            </button>
        </p>
    }
}

#[component]
fn ConceptCard(
    concept: Concept,
    retry: Action<u32, Result<(), crate::error::AppError>>,
    select: Action<u32, Result<String, crate::error::AppError>>,
) -> impl IntoView {
    let Concept { index, title, status, image_url, error, words, .. } = concept;
    // The words the design carries, quoted, under its title.
    let words = (!words.is_empty()).then(|| view! { <p class="concept-words">"“"{words}"”"</p> });
    let body = match status {
        ConceptStatus::Pending => view! {
            <div class="concept-skeleton" aria-label="Being drawn"></div>
            <p class="concept-title">{title}</p>
        }
        .into_any(),
        ConceptStatus::Ready => view! {
            <img src=image_url.unwrap_or_default() alt=title.clone() width="512" height="512"/>
            <p class="concept-title">{title}</p>
            {words}
            <button
                class="button"
                disabled=move || select.pending().get()
                on:click=move |_| {
                    select.dispatch(index);
                }
            >
                "Choose this one"
            </button>
        }
        .into_any(),
        ConceptStatus::Failed => view! {
            <div class="concept-failed" role="alert">
                <p>{error.unwrap_or_else(|| "This design could not be drawn.".into())}</p>
            </div>
            <p class="concept-title">{title}</p>
            <button
                class="button secondary"
                disabled=move || retry.pending().get()
                on:click=move |_| {
                    retry.dispatch(index);
                }
            >
                "Try again"
            </button>
        }
        .into_any(),
    };
    let state = match status {
        ConceptStatus::Pending => "pending",
        ConceptStatus::Ready => "ready",
        ConceptStatus::Failed => "failed",
    };
    view! {
        <li class="card concept" data-testid="concept" data-index=index data-status=state>
            {body}
        </li>
    }
}

/// Listens to the concept stream (again each time `listening` changes) and
/// puts each finished concept into its card.
#[cfg(feature = "hydrate")]
fn listen(
    id: String,
    concepts: RwSignal<Vec<Concept>>,
    (listening, link): (RwSignal<u32>, RwSignal<crate::components::live_stream::LinkState>),
) {
    use crate::components::live_stream::Next;
    use crate::concept::ConceptEvent;

    Effect::new(move || {
        listening.track();
        let seen = Gallery::delivered(&concepts.get_untracked());
        if !concepts.get_untracked().iter().any(|c| c.status == ConceptStatus::Pending) {
            return;
        }
        let url = format!("/api/creations/{id}/concepts/stream?seen={}", seen.as_str());
        // A stream that drops comes back (and may send a finished design again: its card is set again).
        leptos::task::spawn_local_scoped_with_cancellation(crate::components::live_stream::follow(
            url,
            &["concept", "concept_failed", "done"],
            link,
            move |name, data| {
                if name == "done" {
                    return Next::Stop;
                }
                let Ok(event) = serde_json::from_str::<ConceptEvent>(&data) else { return Next::More };
                let status = if name == "concept" { ConceptStatus::Ready } else { ConceptStatus::Failed };
                concepts.update(|list| {
                    if let Some(card) = list.iter_mut().find(|c| c.index == event.index) {
                        *card = Concept {
                            index: event.index,
                            title: event.title,
                            status,
                            image_url: event.image_url,
                            error: event.reason,
                            motif: event.motif,
                            words: event.words,
                        };
                    }
                });
                Next::More
            },
            || {},
        ));
    });
}

#[cfg(not(feature = "hydrate"))]
fn listen(
    _id: String,
    _concepts: RwSignal<Vec<Concept>>,
    _signals: (RwSignal<u32>, RwSignal<crate::components::live_stream::LinkState>),
) {
}
