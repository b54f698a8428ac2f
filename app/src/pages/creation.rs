use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

use crate::components::loaded::loaded_page;
use crate::creation::Creation;
use crate::server_fns::creations::get_creation;

/// `/create/{id}`: the stored story. Concepts will appear here next.
#[component]
pub fn CreationPage() -> impl IntoView {
    let params = use_params_map();
    let id = move || params.read().get("id").unwrap_or_default();
    let creation = Resource::new(id, get_creation);

    loaded_page(creation, ("Loading your story…", "We couldn't load this creation"), |creation| {
        view! { <StoryCard creation/> }
    })
}

#[component]
fn StoryCard(creation: Creation) -> impl IntoView {
    let Creation { id, story, .. } = creation;
    let headline = format!("A keepsake for someone who loves {}", story.hobbies.join(", "));
    let has_facts = !story.facts.is_empty();

    view! {
        <Title text="Your story · Memoreez"/>
        <article class="card creation" data-testid="creation">
            <p class="eyebrow">"Your story"</p>
            <h1 data-testid="story-headline">{headline}</h1>
            <ul class="chips" aria-label="Hobbies">
                {story.hobbies.into_iter().map(|hobby| view! { <li class="chip">{hobby}</li> }).collect_view()}
            </ul>
            <Show when=move || has_facts>
                <blockquote class="facts" data-testid="story-facts">{story.facts.clone()}</blockquote>
            </Show>
            <div class="next-step">
                <h2>"What happens next"</h2>
                <p>"Your story is saved, and four designs are being drawn from it."</p>
                <a class="button" href=format!("/create/{id}/concepts") data-testid="see-designs">
                    "See your designs"
                </a>
            </div>
        </article>
    }
}
