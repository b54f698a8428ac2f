//! The checkout form under a priced keepsake: who it is for, how it gets to
//! them, how many. A plain form that posts to `place_order`, so it works
//! without JavaScript (the server answers with the order's page); with it,
//! the same checks as the server's run before anything is sent.

use leptos::prelude::*;
use leptos::server::ServerActionError;
use leptos::server_fn::ServerFn;
use leptos::server_fn::error::ServerFnUrlError;

use crate::error::AppError;
use crate::order::{CheckoutFields, MAX_QUANTITY};
use crate::server_fns::shop::PlaceOrder;

/// What a checkout form orders.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Orderable {
    /// The studio's keepsake of this creation.
    Keepsake(String),
    /// The model priced by this `/quote` job.
    PricedModel(String),
}

#[component]
pub fn CheckoutForm(item: Orderable, card_payments: bool) -> impl IntoView {
    let order = ServerAction::<PlaceOrder>::new();
    // Without JavaScript a refused form comes back with the error in the URL.
    let returned_error = use_context::<ServerActionError>()
        .filter(|error| error.path() == <PlaceOrder as ServerFn>::PATH)
        .map(|error| ServerFnUrlError::<AppError>::decode_err(error.err()));
    // A slip found in the browser, before anything is sent.
    let local_error = RwSignal::new(None::<AppError>);
    let error = Memo::new(move |_| {
        local_error
            .get()
            .or_else(|| order.value().get().and_then(Result::err))
            .or_else(|| returned_error.clone())
    });
    let form = NodeRef::<leptos::html::Form>::new();
    let on_submit = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        let Some(data) = form.get().and_then(|form| web_sys::FormData::new_with_form(&form).ok()) else {
            return;
        };
        let field = |name: &str| data.get(&format!("fields[{name}]")).as_string().unwrap_or_default();
        let fields = CheckoutFields {
            creation_id: field("creation_id"),
            quote_job: field("quote_job"),
            name: field("name"),
            email: field("email"),
            delivery: field("delivery"),
            line1: field("line1"),
            line2: field("line2"),
            city: field("city"),
            region: field("region"),
            postal_code: field("postal_code"),
            country: field("country"),
            quantity: field("quantity"),
            payment: field("payment"),
        };
        match fields.to_form().and_then(|form| form.payment_allowed(card_payments)) {
            Err(error) => local_error.set(Some(error)),
            Ok(_) => {
                local_error.set(None);
                order.dispatch(PlaceOrder { fields });
            }
        }
    };
    // With JavaScript the answer is where to go next: the order's page, or
    // Stripe's payment page (another site, so a full page load).
    Effect::new(move |_| {
        if let Some(Ok(url)) = order.value().get() {
            if url.starts_with('/') {
                let navigate = leptos_router::hooks::use_navigate();
                navigate(&url, Default::default());
            } else {
                let _ = window().location().set_href(&url);
            }
        }
    });
    let field_error = move |name: &'static str| move || error.get().and_then(|error| error.message_for(name));
    const FIELDS: [&str; 11] = [
        "name",
        "email",
        "delivery",
        "line1",
        "line2",
        "city",
        "region",
        "postal_code",
        "country",
        "quantity",
        "payment",
    ];
    let form_error = move || match error.get() {
        Some(error) if error.field().is_some_and(|field| FIELDS.contains(&field)) => None,
        other => other.map(|error| error.to_string()),
    };
    let shipping = RwSignal::new(false);
    let pending = order.pending();
    let text = move |id: &'static str, label: &'static str, kind: &'static str, required: bool| {
        view! {
            <div class="field">
                <label for=format!("order-{id}")>{label}</label>
                <input id=format!("order-{id}") name=format!("fields[{id}]") type=kind required=required
                    maxlength="120" autocomplete=autocomplete(id) aria-describedby=format!("order-{id}-error")
                    aria-invalid=move || field_error(id)().map(|_| "true")/>
                <p class="field-error" id=format!("order-{id}-error")>{field_error(id)}</p>
            </div>
        }
    };
    view! {
        // Without JavaScript the browser's own checks (`required`) apply and
        // the server checks again; once hydrated, the same checks run here first.
        <form node_ref=form class="card checkout" method="post" action=PlaceOrder::url() on:submit=on_submit
            prop:noValidate=true data-testid="checkout-form">
            <h2>"Order a print"</h2>
            {match item {
                Orderable::Keepsake(id) => view! { <input type="hidden" name="fields[creation_id]" value=id/> },
                Orderable::PricedModel(job) => view! { <input type="hidden" name="fields[quote_job]" value=job/> },
            }}
            {text("name", "Your name", "text", true)}
            {text("email", "Email (for the receipt and updates)", "email", true)}
            <fieldset>
                <legend>"Delivery"</legend>
                <label class="choice">
                    <input type="radio" name="fields[delivery]" value="pickup" checked=true data-testid="order-pickup"
                        on:change=move |_| shipping.set(false)/>
                    " Pick it up at the lab (no shipping charge)"
                </label>
                <label class="choice">
                    <input type="radio" name="fields[delivery]" value="ship" data-testid="order-ship"
                        on:change=move |_| shipping.set(true)/>
                    " Ship it to me"
                </label>
                <p class="field-error">{field_error("delivery")}</p>
                // Always in the page (a browser without JavaScript needs them); shown when shipping.
                <div class="address" class:dimmed=move || !shipping.get()>
                    <p class="hint">"Shipping address (only when shipping):"</p>
                    {text("line1", "Street address", "text", false)}
                    {text("line2", "Flat, suite (optional)", "text", false)}
                    {text("city", "Town or city", "text", false)}
                    {text("region", "State or region (optional)", "text", false)}
                    {text("postal_code", "Postal code", "text", false)}
                    {text("country", "Country (two letters, e.g. US)", "text", false)}
                </div>
            </fieldset>
            <div class="field">
                <label for="order-quantity">"How many"</label>
                <input id="order-quantity" name="fields[quantity]" type="number" min="1" max=MAX_QUANTITY value="1" required/>
                <p class="field-error" id="order-quantity-error">{field_error("quantity")}</p>
            </div>
            {match card_payments {
                true => view! {
                    <fieldset>
                        <legend>"Payment"</legend>
                        <label class="choice">
                            <input type="radio" name="fields[payment]" value="card" checked=true data-testid="order-pay-card"/>
                            " Pay now by card (on Stripe's secure page)"
                        </label>
                        <label class="choice">
                            <input type="radio" name="fields[payment]" value="at_pickup" data-testid="order-pay-at-pickup"/>
                            " Pay when I collect it at the lab"
                        </label>
                        <p class="field-error" id="order-payment-error">{field_error("payment")}</p>
                    </fieldset>
                }.into_any(),
                false => view! {
                    <p class="hint">"Online payment is not set up here: you pay when you collect your keepsake (or as the lab arranges when it ships)."</p>
                    <p class="field-error" id="order-payment-error">{field_error("payment")}</p>
                }.into_any(),
            }}
            <p class="form-error" role="alert" data-testid="checkout-error">{form_error}</p>
            <button type="submit" class="button" disabled=pending data-testid="place-order">
                {move || if pending.get() { "Placing your order…" } else { "Place order" }}
            </button>
        </form>
    }
}

fn autocomplete(field: &str) -> &'static str {
    match field {
        "name" => "name",
        "email" => "email",
        "line1" => "address-line1",
        "line2" => "address-line2",
        "city" => "address-level2",
        "region" => "address-level1",
        "postal_code" => "postal-code",
        "country" => "country",
        _ => "off",
    }
}
