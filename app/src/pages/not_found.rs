use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;

/// The 404 page: for unknown paths and for creations that are not the visitor's.
#[component]
pub fn NotFound() -> impl IntoView {
    #[cfg(feature = "ssr")]
    if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
        response.set_status(http::StatusCode::NOT_FOUND);
    }

    view! {
        <Title text="Not found · Memoreez"/>
        <section class="card not-found" data-testid="not-found">
            <p class="eyebrow">"404"</p>
            <h1>"We couldn't find that page"</h1>
            <p>
                "The link may be mistyped, or the creation was started in another browser. "
                "Creations are private to the browser that started them."
            </p>
            <A href="/" attr:class="button">"Start a new keepsake"</A>
        </section>
    }
}
