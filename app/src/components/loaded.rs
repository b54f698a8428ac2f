use leptos::either::EitherOf3;
use leptos::prelude::*;
use leptos_meta::Title;
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::error::AppError;
use crate::pages::not_found::NotFound;

/// A page made from one thing loaded from the server: a loading line, then
/// the page, the 404 page (with its status) or an apology. When the thing is
/// loaded again (after a step, or a live change) the page stays as it is
/// until the new one is in (a `Transition`, not a flash of the loading line).
pub fn loaded_page<T, V>(
    resource: Resource<Result<T, AppError>>,
    (loading, failed): (&'static str, &'static str),
    page: impl Fn(T) -> V + Clone + Send + Sync + 'static,
) -> impl IntoView
where
    T: Clone + Send + Sync + Serialize + DeserializeOwned + 'static,
    V: IntoView + 'static,
{
    view! {
        <Transition fallback=move || view! { <p class="loading">{loading}</p> }>
            {move || {
                let page = page.clone();
                Suspend::new(async move {
                    match resource.await {
                        Ok(loaded) => EitherOf3::A(page(loaded)),
                        Err(AppError::NotFound) => EitherOf3::B(view! { <NotFound/> }),
                        Err(error) => EitherOf3::C(view! {
                            <Title text="Something went wrong · Memoreez"/>
                            <section class="card" role="alert">
                                <h1>{failed}</h1>
                                <p>{error.to_string()}</p>
                                {(error == AppError::SignInNeeded).then(|| view! {
                                    <a class="button" href="/staff/login" data-testid="staff-sign-in-link">"Sign in"</a>
                                })}
                            </section>
                        }),
                    }
                })
            }}
        </Transition>
    }
}
