use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_meta::Title;

use crate::components::model_file::{ModelFileField, ModelFileForm};
use crate::creation::{OBJECT_CHARS, story_for_object};
use crate::error::AppError;
use crate::server_fns::creations::{CreateCreation, DescribeObject, UploadModel, upload_model};
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
                    aria-invalid=move || field_error(StoryField::Hobbies).map(|_| "true")
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
                    aria-invalid=move || field_error(StoryField::Facts).map(|_| "true")
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
        <ObjectForm/>
        <UploadForm/>
    }
}

/// "Upload a model": the customer's own STL, OBJ or 3MF becomes the keepsake.
#[component]
fn UploadForm() -> impl IntoView {
    let form = ModelFileForm::new(UploadModel::PATH, |data| upload_model(data.into()));
    let pending = move || form.pending();
    view! {
        <form
            id="upload"
            class="card upload-form"
            method="post"
            enctype="multipart/form-data"
            action=UploadModel::url()
            on:submit=move |event| form.submit(event)
            prop:noValidate=true
        >
            <h2>"Or upload a model"</h2>
            <p class="hint">"Have a 3D model already? We check that it prints as one solid, then it is yours to finish."</p>
            <ModelFileField form id="upload-file" label="Your model file" testid="upload-file"/>
            <p class="form-error" role="alert">{move || form.form_error()}</p>
            <button type="submit" class="button" disabled=pending data-testid="upload-model">
                {move || if pending() { "Checking your model…" } else { "Use my model" }}
            </button>
        </form>
    }
}

/// "Describe an object": a description instead of a story. Its designs
/// follow, or its model at once when a text → 3D service is set up.
#[component]
fn ObjectForm() -> impl IntoView {
    let describe = ServerAction::<DescribeObject>::new();
    let object = RwSignal::new(String::new());
    let local_error = RwSignal::new(None::<AppError>);
    let pending = describe.pending();
    let error = move || {
        local_error.get().or_else(|| describe.value().get().and_then(Result::err)).map(|error| match error {
            AppError::Invalid { message, .. } => message,
            other => other.to_string(),
        })
    };
    let on_submit = move |event: SubmitEvent| {
        event.prevent_default();
        let text = object.get_untracked();
        match story_for_object(&text) {
            Err(error) => local_error.set(Some(error)),
            Ok(_) => {
                local_error.set(None);
                describe.dispatch(DescribeObject { object: text });
            }
        }
    };
    view! {
        <form
            class="card object-form"
            method="post"
            action=DescribeObject::url()
            on:submit=on_submit
            prop:noValidate=true
        >
            <h2>"Or describe an object"</h2>
            <div class="field">
                <label for="object">"What should we make?"</label>
                <textarea
                    id="object"
                    name="object"
                    rows="2"
                    required
                    maxlength=OBJECT_CHARS.1.to_string()
                    placeholder="A sailboat with red sails on a small wave"
                    aria-describedby="object-error"
                    prop:value=move || object.get()
                    on:input=move |event| object.set(event_target_value(&event))
                ></textarea>
                <p id="object-error" class="field-error" role="alert">{error}</p>
            </div>
            <button type="submit" class="button" disabled=pending data-testid="describe-object">
                {move || if pending.get() { "Saving…" } else { "Design it" }}
            </button>
        </form>
    }
}
