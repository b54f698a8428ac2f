//! A form that sends a model file (the quote form, the keepsake upload):
//! the file's name is checked in the browser before anything is sent, the
//! form goes as multipart, and the server's answer (or, without JavaScript,
//! the error it sent back in the URL) shows next to the file field or
//! under the form.

use std::future::Future;

use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use leptos::server::ServerActionError;
use leptos::server_fn::error::ServerFnUrlError;
use wasm_bindgen::JsCast;
use web_sys::{FormData, HtmlFormElement, HtmlInputElement};

use crate::error::AppError;
use crate::quote::check_model_file_name;

/// The state of one model-file form; cheap to copy into closures.
#[derive(Clone, Copy)]
pub struct ModelFileForm {
    action: Action<FormData, Result<String, AppError>>,
    local_error: RwSignal<Option<AppError>>,
    error: Memo<Option<AppError>>,
}

impl ModelFileForm {
    /// A form whose submission `send`s the form data to the server
    /// function at `path`.
    pub fn new<F, Fut>(path: &'static str, send: F) -> ModelFileForm
    where
        F: Fn(FormData) -> Fut + 'static,
        Fut: Future<Output = Result<String, AppError>> + 'static,
    {
        let action = Action::new_local(move |form: &FormData| send(form.clone()));
        // Without JavaScript a refused form comes back with the error in the URL.
        let returned_error = use_context::<ServerActionError>()
            .filter(|error| error.path() == path)
            .map(|error| ServerFnUrlError::<AppError>::decode_err(error.err()));
        let local_error = RwSignal::new(None::<AppError>);
        let error = Memo::new(move |_| {
            local_error
                .get()
                .or_else(|| action.value().get().and_then(Result::err))
                .or_else(|| returned_error.clone())
        });
        ModelFileForm { action, local_error, error }
    }

    pub fn pending(self) -> bool {
        self.action.pending().get()
    }

    /// What is wrong with the file, for under the file field.
    pub fn file_error(self) -> Option<String> {
        self.error.get().and_then(|error| error.message_for("file"))
    }

    /// Anything else that went wrong, for under the form.
    pub fn form_error(self) -> Option<String> {
        match self.error.get() {
            Some(error) if error.field() == Some("file") => None,
            Some(error) => Some(error.to_string()),
            None => None,
        }
    }

    /// Checks the chosen file's name, then sends the form.
    pub fn submit(self, event: SubmitEvent) {
        event.prevent_default();
        let Some(form) = event.target().and_then(|t| t.dyn_into::<HtmlFormElement>().ok()) else { return };
        let file_name = form
            .elements()
            .named_item("file")
            .and_then(|input| input.dyn_into::<HtmlInputElement>().ok())
            .and_then(|input| input.files())
            .and_then(|files| files.get(0))
            .map(|file| file.name())
            .unwrap_or_default();
        // Checked here first, so a wrong file is never sent; the server checks again.
        if let Err(error) = check_model_file_name(&file_name) {
            self.local_error.set(Some(error));
            return;
        }
        self.local_error.set(None);
        match FormData::new_with_form(&form) {
            Ok(data) => {
                self.action.dispatch_local(data);
            }
            Err(_) => self.local_error.set(Some(AppError::Internal)),
        }
    }
}

/// The file field of a model-file form: label, picker, hint and its error.
#[component]
pub fn ModelFileField(
    form: ModelFileForm,
    id: &'static str,
    label: &'static str,
    testid: &'static str,
) -> impl IntoView {
    let (hint, error) = (format!("{id}-hint"), format!("{id}-error"));
    view! {
        <div class="field">
            <label for=id>{label}</label>
            <input
                id=id
                name="file"
                type="file"
                required
                accept=".stl,.obj,.3mf"
                aria-describedby=format!("{hint} {error}")
                data-testid=testid
            />
            <p id=hint class="hint">"STL, OBJ or 3MF, in millimetres."</p>
            <p id=error class="field-error" role="alert">{move || form.file_error()}</p>
        </div>
    }
}
