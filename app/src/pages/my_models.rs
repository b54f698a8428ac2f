//! `/my`: the visitor's creations with their pictures, across visits.

use leptos::prelude::*;
use leptos_meta::Title;

use crate::components::loaded::loaded_page;
use crate::creation::MyCreation;
use crate::server_fns::creations::my_creations;

#[component]
pub fn MyModelsPage() -> impl IntoView {
    let creations = Resource::new(|| (), |_| my_creations());
    loaded_page(creations, ("Loading your models…", "We couldn't load your models"), |creations| {
        view! { <MyModels creations/> }
    })
}

#[component]
fn MyModels(creations: Vec<MyCreation>) -> impl IntoView {
    let empty = creations.is_empty();
    view! {
        <Title text="My models · Memoreez"/>
        <section class="hero">
            <h1>"My models"</h1>
            <p class="lede">"Everything you have started in this browser."</p>
        </section>
        <Show when=move || empty>
            <section class="card" data-testid="no-models">
                <p>"Nothing yet. Tell us about someone and we will draw four designs for them."</p>
                <a class="button" href="/">"Start a keepsake"</a>
            </section>
        </Show>
        <ul class="concepts" data-testid="my-models">
            {creations
                .into_iter()
                .map(|creation| {
                    let title = creation.hobbies.join(", ");
                    view! {
                        <li class="card concept" data-testid="my-model">
                            <a href=creation.link.clone()>
                                {match creation.picture_url {
                                    Some(url) => view! { <img src=url alt=title.clone() width="512" height="512"/> }.into_any(),
                                    None => view! { <div class="concept-skeleton" aria-label="Being drawn"></div> }.into_any(),
                                }}
                            </a>
                            <p class="concept-title"><a href=creation.link>{title}</a></p>
                            <p class="hint">{creation.stage}</p>
                        </li>
                    }
                })
                .collect_view()}
        </ul>
    }
}
