//! The browser entry point: hydrates the server-rendered HTML; `studio`
//! holds what the studio's Web Worker calls.

mod studio;

use wasm_bindgen::prelude::wasm_bindgen;

#[wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    leptos::mount::hydrate_body(app::App);

    // A marker for people and tests alike: the page is interactive from here on.
    if let Some(root) = web_sys::window()
        .and_then(|window| window.document())
        .and_then(|document| document.document_element())
    {
        let _ = root.set_attribute("data-hydrated", "true");
    }
}
