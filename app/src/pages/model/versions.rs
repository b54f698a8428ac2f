//! The model page's versions: "Make another version" (another form of the
//! design, another take, or another preview of a description), the earlier
//! ones to choose from, and a text → 3D preview's choice: refine it, make
//! another, or keep it as it is.

use leptos::prelude::*;

use crate::error::AppError;
use crate::job::JobStatus;
use crate::model::{Another, KeepsakeForm, ModelVersion};
use crate::server_fns::creations::{choose_version, make_another_version, refine_version};

#[component]
pub fn Versions(
    creation_id: String,
    versions: Vec<ModelVersion>,
    another: Another,
    reload: Callback<()>,
) -> impl IntoView {
    let chosen = versions.iter().find(|v| v.chosen).cloned();
    // The first form not made yet, so that "another version" is another.
    let next = KeepsakeForm::ALL.into_iter().find(|f| !versions.iter().any(|v| v.what == f.label()));
    let form = RwSignal::new(next.unwrap_or_default());
    let texture = RwSignal::new(String::new());
    let make = Action::new({
        let id = creation_id.clone();
        move |form: &Option<KeepsakeForm>| make_another_version(id.clone(), *form)
    });
    let choose = Action::new({
        let id = creation_id.clone();
        move |job_id: &String| choose_version(id.clone(), job_id.clone())
    });
    let refine = Action::new({
        let id = creation_id.clone();
        move |job_id: &String| {
            let prompt = texture.get_untracked();
            refine_version(id.clone(), job_id.clone(), Some(prompt).filter(|p| !p.trim().is_empty()))
        }
    });
    Effect::new(move || {
        let done = [make.value().get().map(|r| r.map(|_| ())), refine.value().get().map(|r| r.map(|_| ()))];
        if done.into_iter().flatten().any(|r| r.is_ok()) || choose.value().get().is_some_and(|r| r.is_ok()) {
            reload.run(());
        }
    });
    let busy = move || make.pending().get() || choose.pending().get() || refine.pending().get();
    let failure = move || {
        let errors: [Option<AppError>; 3] = [
            make.value().get().and_then(Result::err),
            choose.value().get().and_then(Result::err),
            refine.value().get().and_then(Result::err),
        ];
        errors.into_iter().flatten().next().map(|e| e.to_string())
    };
    let studio_url = format!("/create/{creation_id}/studio");
    let refinable = chosen.as_ref().filter(|v| v.refinable && v.status == JobStatus::Done).cloned();
    let many = versions.len() > 1;
    if !many && refinable.is_none() && another == Another::Nothing {
        return ().into_any();
    }
    let choice = match (refinable, another) {
        (Some(preview), _) => {
            let preview_id = preview.job_id.clone();
            view! {
                <div class="refine" data-testid="refine-choice">
                    <h3>"This is the untextured preview"</h3>
                    <p class="hint">
                        "Its shape is what we print, in one colour: keep it as it is, ask for another, "
                        "or have the service refine it (a paid step)."
                    </p>
                    <label class="field">
                        <span>"Texture prompt (optional)"</span>
                        <input type="text" maxlength="600" data-testid="texture-prompt"
                            placeholder="e.g. weathered bronze"
                            prop:value=move || texture.get()
                            on:input=move |ev| texture.set(event_target_value(&ev))/>
                    </label>
                    <p class="actions">
                        <button class="button" data-testid="refine" disabled=busy
                            on:click=move |_| { refine.dispatch(preview_id.clone()); }>"Refine it"</button>
                        {(another == Another::Preview).then(|| view! {
                            <button class="button secondary" data-testid="another-version" disabled=busy
                                on:click=move |_| { make.dispatch(None); }>"Make another preview"</button>
                        })}
                        <a class="button secondary" href=studio_url.clone() data-testid="keep-preview">"Keep it as it is"</a>
                    </p>
                </div>
            }
            .into_any()
        }
        (None, Another::Design { forms }) => view! {
            <div class="another" data-testid="another">
                {forms.then(|| view! {
                    <label class="field">
                        <span>"Make it as"</span>
                        <select data-testid="another-form"
                            on:change=move |ev| {
                                if let Some(choice) = KeepsakeForm::parse(&event_target_value(&ev)) {
                                    form.set(choice);
                                }
                            }>
                            {KeepsakeForm::ALL.map(|choice| view! {
                                <option value=choice.as_str() selected=move || form.get() == choice>{choice.label()}</option>
                            })}
                        </select>
                    </label>
                })}
                <button class="button secondary" data-testid="another-version" disabled=busy
                    on:click=move |_| { make.dispatch(forms.then(|| form.get_untracked())); }>
                    "Make another version"
                </button>
                <p class="hint">
                    {if forms {
                        "A new model of the same design; the ones made before stay here to choose from."
                    } else {
                        "The 3D service makes another take on the same design; the ones made before stay here."
                    }}
                </p>
            </div>
        }
        .into_any(),
        (None, Another::Preview) => view! {
            <div class="another" data-testid="another">
                <button class="button secondary" data-testid="another-version" disabled=busy
                    on:click=move |_| { make.dispatch(None); }>"Make another preview"</button>
            </div>
        }
        .into_any(),
        (None, Another::Nothing) => ().into_any(),
    };
    let list = versions
        .into_iter()
        .map(|version| {
            let job_id = version.job_id.clone();
            let caption = format!("Version {} · {}", version.number, version.what);
            let picture = match version.thumbnail_url.clone() {
                Some(url) => view! { <img src=url alt=caption.clone() width="160" height="160"/> }.into_any(),
                None => view! {
                    <p class="version-status">{match version.status {
                        JobStatus::Failed => "Could not be made",
                        _ => "Being made…",
                    }}</p>
                }
                .into_any(),
            };
            let can_choose = !version.chosen && version.status == JobStatus::Done;
            view! {
                <li class="version" class:chosen=version.chosen data-testid="version">
                    {picture}
                    <p class="version-name">{caption}</p>
                    {version.chosen.then(|| view! { <p class="badge" data-testid="version-chosen">"Chosen"</p> })}
                    {can_choose.then(|| view! {
                        <button class="button secondary" data-testid="choose-version" disabled=busy
                            on:click=move |_| { choose.dispatch(job_id.clone()); }>"Use this one"</button>
                    })}
                </li>
            }
        })
        .collect_view();
    view! {
        <section class="card versions" data-testid="versions" aria-live="polite">
            <h2>{if many { "Versions" } else { "Another try" }}</h2>
            {choice}
            <p class="form-error" role="alert">{failure}</p>
            {many.then(|| view! { <ul class="version-list">{list}</ul> })}
        </section>
    }
    .into_any()
}
