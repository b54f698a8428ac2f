use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_meta::Title;

use crate::creation::CreateCreation;
use crate::error::AppError;
use crate::story::{STORY_MAX_CHARS, Story, StoryError, StoryField, char_count, split_hobbies};

/// The home page: the story form.
#[component]
pub fn HomePage() -> impl IntoView {
    let create = ServerAction::<CreateCreation>::new();
    let hobbies = RwSignal::new(String::new());
    let facts = RwSignal::new(String::new());
    // Shown before anything is sent; the server checks the same rules again.
    let local_error = RwSignal::new(None::<StoryError>);
    let pending = create.pending();

    let server_error = move || create.value().get().and_then(Result::err);
    let field_error = move |field: StoryField| {
        let story_error = local_error.get().or_else(|| match server_error() {
            Some(AppError::InvalidStory(error)) => Some(error),
            _ => None,
        });
        story_error.filter(|error| error.field() == field).map(|error| error.to_string())
    };
    let form_error = move || match server_error() {
        None | Some(AppError::InvalidStory(_)) => None,
        Some(error) => Some(error.to_string()),
    };
    let count = move || char_count(&hobbies.get(), &facts.get());

    let on_submit = move |event: SubmitEvent| {
        event.prevent_default();
        let (hobbies, facts) = (hobbies.get_untracked(), facts.get_untracked());
        match Story::from_form(&hobbies, &facts) {
            Err(error) => local_error.set(Some(error)),
            Ok(_) => {
                local_error.set(None);
                create.dispatch(CreateCreation { hobbies, facts });
            }
        }
    };

    view! {
        <Title text="Memoreez · turn their story into a keepsake"/>
        <section class="hero">
            <h1>"Tell us about them"</h1>
            <p class="lede">
                "A grandparent, a friend, a teacher: tell us what they love and we will design a "
                "small 3D-printed keepsake around it."
            </p>
        </section>
        <form
            class="card story-form"
            method="post"
            action=CreateCreation::url()
            on:submit=on_submit
            // Without JavaScript the browser's own checks (`required`) apply;
            // once hydrated, our messages replace them.
            prop:noValidate=true
        >
            <div class="field">
                <label for="hobbies">"Their hobbies"</label>
                <input
                    id="hobbies"
                    name="hobbies"
                    type="text"
                    autocomplete="off"
                    required
                    placeholder="sailing, jazz piano, gardening"
                    aria-describedby="hobbies-hint hobbies-error"
                    bind:value=hobbies
                />
                <p id="hobbies-hint" class="hint">"Separate hobbies with commas."</p>
                <ul class="chips" aria-label="Hobbies so far">
                    {move || {
                        split_hobbies(&hobbies.get())
                            .into_iter()
                            .map(|hobby| view! { <li class="chip">{hobby}</li> })
                            .collect_view()
                    }}
                </ul>
                <p id="hobbies-error" class="field-error" role="alert">
                    {move || field_error(StoryField::Hobbies)}
                </p>
            </div>
            <div class="field">
                <label for="facts">"A few facts about them"</label>
                <textarea
                    id="facts"
                    name="facts"
                    rows="5"
                    placeholder="Retired music teacher, sails every summer on the lake, has a very spoiled beagle called Pip."
                    aria-describedby="facts-count facts-error"
                    prop:value=move || facts.get()
                    on:input=move |event| facts.set(event_target_value(&event))
                ></textarea>
                <p id="facts-count" class="counter" class:over=move || { count() > STORY_MAX_CHARS }>
                    {move || format!("{} / {STORY_MAX_CHARS} characters", count())}
                </p>
                <p id="facts-error" class="field-error" role="alert">
                    {move || field_error(StoryField::Facts)}
                </p>
            </div>
            <p class="form-error" role="alert">{form_error}</p>
            <button type="submit" class="button" disabled=pending>
                {move || if pending.get() { "Saving your story…" } else { "Create my keepsake" }}
            </button>
        </form>
    }
}
