//! `/orders/{id}?t=TOKEN`: the customer's order — what, how much, how it
//! reaches them, and every step so far. The token in the link is the key.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};

use crate::order::{Delivery, OrderStatus, OrderView};
use crate::quote::{duration, money};
use crate::server_fns::shop::get_order;

#[component]
pub fn OrderPage() -> impl IntoView {
    let params = use_params_map();
    let query = use_query_map();
    let key =
        move || (params.read().get("id").unwrap_or_default(), query.read().get("t").unwrap_or_default());
    let order = Resource::new(key, |(id, token)| get_order(id, token));
    crate::components::loaded::loaded_page(
        order,
        ("Opening your order…", "We couldn't open your order"),
        move |order| {
            let token = query.read_untracked().get("t").unwrap_or_default();
            let live = RwSignal::new(order);
            let link = RwSignal::new(crate::components::live_stream::LinkState::Connecting);
            follow(live.get_untracked().id, token, (live, link));
            view! {
                <crate::components::live_stream::LinkNotice link/>
                {move || view! { <Order order=live.get()/> }}
            }
        },
    )
}

/// Keeps `live` up to date from the order's event stream, which comes back
/// by itself after a dropped connection (see `live_stream`).
#[cfg(feature = "hydrate")]
fn follow(
    id: String,
    token: String,
    (live, link): (RwSignal<OrderView>, RwSignal<crate::components::live_stream::LinkState>),
) {
    use crate::components::live_stream::Next;

    let url = format!("/api/orders/{id}/events?t={token}");
    leptos::task::spawn_local_scoped_with_cancellation(crate::components::live_stream::follow(
        url,
        &["order"],
        link,
        move |_, data| {
            if let Ok(order) = serde_json::from_str::<OrderView>(&data) {
                live.set(order);
            }
            Next::More
        },
        || {},
    ));
}

#[cfg(not(feature = "hydrate"))]
fn follow(
    _id: String,
    _token: String,
    _signals: (RwSignal<OrderView>, RwSignal<crate::components::live_stream::LinkState>),
) {
}

#[component]
fn Order(order: OrderView) -> impl IntoView {
    let a = order.amounts.clone();
    let currency = a.currency.clone();
    let delivery = match (order.delivery, &order.address) {
        (Delivery::Ship, Some(address)) => format!("Shipping to {}", address.lines().join(", ")),
        _ => "You collect it at the lab; we email you when it is ready.".to_string(),
    };
    let payment = match (order.pay_online, order.status) {
        (false, _) => "You pay when you collect it.",
        (true, OrderStatus::AwaitingPayment) => "Waiting for your card payment.",
        (true, OrderStatus::PaymentFailed) => {
            "The card payment did not go through, so nothing was charged. Order again from the studio, or ask the lab."
        }
        (true, _) => "Paid by card.",
    };
    let pay_now = order.payment_url.clone().map(|url| {
        view! { <a class="button" href=url data-testid="order-pay-now">"Pay now by card"</a> }
    });
    view! {
        <Title text="Your order · Memoreez"/>
        <section class="hero">
            <p class="eyebrow">"Your order"</p>
            <h1>{order.title.clone()}</h1>
            <p class="lede" data-testid="order-status" data-status=order.status.as_str()>{order.status.label()}</p>
            {order.on_printer.clone().map(|on| view! {
                <p data-testid="order-progress">"On the lab's "{on.printer.clone()}": "{on.in_words()}</p>
                <progress max="100" value=on.progress_pct.unwrap_or(0.0)></progress>
            })}
        </section>
        <div class="order">
            <figure class="card">
                {order.thumbnail_url.clone().map(|src| view! { <img src=src alt=order.title.clone() width="256" height="256"/> })}
                <figcaption>{format!(
                    "{:.1} g model + {:.1} g supports, about {} to print each.",
                    order.model_g, order.support_g, duration(order.print_time_s)
                )}</figcaption>
            </figure>
            <section class="card" data-testid="order-summary">
                <p>{format!("For {} <{}>", order.name, order.email)}</p>
                <table class="breakdown"><tbody>
                    <tr><th>{format!("{} × keepsake", a.quantity)}</th><td>{format!("{} {currency}", money(a.unit_cents))}" each"</td></tr>
                    <tr><th>"Shipping"</th><td>{format!("{} {currency}", money(a.shipping_cents))}</td></tr>
                    <tr class="total"><th>"Total"</th><td data-testid="order-total">{format!("{} {currency}", money(a.total_cents))}</td></tr>
                </tbody></table>
                <p>{delivery}</p>
                <p class="hint" data-testid="order-payment">{payment}</p>
                {pay_now}
            </section>
        </div>
        <section class="card">
            <h2>"What has happened"</h2>
            <ol class="history" data-testid="order-history">
                {order.history.into_iter().map(|event| view! {
                    <li>
                        <time datetime=utc(event.at_ms)>{utc(event.at_ms)}</time>" — "
                        <strong>{event.status.label()}</strong>". "{event.note}
                    </li>
                }).collect_view()}
            </ol>
            <p class="hint">"Keep this page's link: it is the key to your order. This page updates by itself as your order moves on."</p>
        </section>
    }
}

/// A UTC time as `2026-11-22 21:05 UTC`.
pub(crate) fn utc(at_ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(at_ms)
        .map(|time| time.format("%Y-%m-%d %H:%M UTC").to_string())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    #[test]
    fn times_read_as_utc_dates() {
        assert_eq!(super::utc(0), "1970-01-01 00:00 UTC");
        assert_eq!(super::utc(1_795_387_349_643), "2026-11-22 22:42 UTC");
        assert_eq!(super::utc(951_782_400_000), "2000-02-29 00:00 UTC");
    }
}
