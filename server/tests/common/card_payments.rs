//! Card payment on every backend: the real Stripe client against a local
//! server speaking Stripe's API, and webhook deliveries signed (or not) as
//! Stripe signs them — valid, tampered, stale, missing, by a rolled secret,
//! repeated and out of order.

use std::sync::Arc;

use http::{Request, StatusCode};
use memoreez::payments::stripe::StripeCheckout;
use serde_json::{Value, json};

use super::checkout::{order_form, priced_keepsake};
use super::stripe_double::{SECRET_KEY, StripeDouble, event, signature};
use super::{Kind, Reply, TestApp, with_app, with_changed_app};

const NEW_SECRET: &str = "whsec_new_one";
const OLD_SECRET: &str = "whsec_old_one";

fn with_stripe(double: &StripeDouble) -> impl FnOnce(&mut memoreez::state::StateParts) + use<> {
    let url = double.url.clone();
    move |state| {
        let stripe =
            StripeCheckout::new(&url, SECRET_KEY, vec![NEW_SECRET.into(), OLD_SECRET.into()]).unwrap();
        state.card_payments = Some(Arc::new(stripe));
    }
}

async fn deliver(app: &TestApp, payload: &str, signature: Option<&str>) -> Reply {
    let mut request =
        Request::post("/api/payments/stripe/webhook").header("content-type", "application/json");
    if let Some(signature) = signature {
        request = request.header("stripe-signature", signature);
    }
    app.send(request.body(axum::body::Body::from(payload.to_string())).unwrap()).await
}

async fn order(app: &TestApp, order_url: &str) -> Value {
    let (path, token) = order_url.split_once("?t=").unwrap();
    app.get(&format!("/api/{}?t={token}", path.trim_start_matches('/')), None).await.json()
}

async fn outbox_statuses(app: &TestApp) -> Vec<String> {
    let mut statuses: Vec<String> =
        memoreez::mail::outbox::outbox(&app.state.db, &super::staff::staff_session(app).await, 50)
            .await
            .unwrap()
            .into_iter()
            .map(|m| m.status)
            .collect();
    statuses.sort();
    statuses
}

fn card(mut form: Value) -> Value {
    form["payment"] = json!("card");
    form
}

pub async fn a_card_order_is_paid_once_by_a_signed_webhook(kind: Kind) {
    let double = StripeDouble::start().await;
    let stripe = double.clone();
    with_changed_app(kind, with_stripe(&double), move |app| async move {
        let (id, cookie, _) = priced_keepsake(&app).await;
        // A keepsake that is shipped is paid by card when the shop takes cards.
        let refused = app.post_json("/api/orders", &order_form(&id).to_string(), Some(&cookie)).await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", refused.text());
        assert_eq!(refused.json()["field"], "payment");

        let placed = app.post_json("/api/orders", &card(order_form(&id)).to_string(), Some(&cookie)).await;
        assert_eq!(placed.status, StatusCode::CREATED, "{}", placed.text());
        let placed = placed.json();
        assert_eq!(placed["status"], "awaiting_payment");
        let order_url = placed["order_url"].as_str().unwrap().to_string();
        let order_id = placed["id"].as_str().unwrap().to_string();
        let token = order_url.split_once("?t=").unwrap().1.to_string();
        let session = stripe.session_for(&order_id);
        assert_eq!(placed["payment_url"], session["url"]);

        // What Stripe was asked: the server's amounts, once, with the order as the reference.
        let view = order(&app, &order_url).await;
        let amounts = &view["amounts"];
        let asked = stripe.received();
        assert_eq!(asked.len(), 1);
        let asked = &asked[0];
        assert_eq!(asked.authorization, format!("Bearer {SECRET_KEY}"));
        assert_eq!(asked.idempotency_key.as_deref(), Some(format!("memoreez-order-{order_id}").as_str()));
        assert_eq!(asked.field("client_reference_id"), Some(order_id.as_str()));
        assert_eq!(asked.field("customer_email"), Some("ada@example.com"));
        assert_eq!(asked.field("line_items[0][quantity]"), Some("2"));
        assert_eq!(asked.field("line_items[0][price_data][currency]"), Some("usd"));
        assert_eq!(
            asked.field("line_items[0][price_data][unit_amount]"),
            Some(amounts["unit_cents"].to_string().as_str())
        );
        assert_eq!(asked.field("line_items[1][price_data][product_data][name]"), Some("Shipping"));
        assert!(asked.field("success_url").unwrap().ends_with(&format!("?t={token}")));
        assert_eq!(session["amount_total"], amounts["total_cents"]);
        assert_eq!(view["payment_url"], session["url"]);
        assert_eq!(view["history"][0]["status"], "awaiting_payment");
        assert!(
            super::print_jobs::queued(&app, &order_id).await.is_none(),
            "not in the lab's queue before it is paid"
        );
        // No receipt before the money is taken.
        assert_eq!(outbox_statuses(&app).await, ["held", "held"]);
        assert_eq!(
            memoreez::mail::sender::send_due(&app.state.db, &app.state.storage, &app.state.config)
                .await
                .unwrap(),
            0
        );

        // The order's live stream says where it stands, then each change.
        let addr = app.listen().await;
        let mut live =
            reqwest::get(format!("http://{addr}/api/orders/{order_id}/events?t={token}")).await.unwrap();
        assert_eq!(live.status(), 200);
        let first = next_order_event(&mut live).await;
        assert_eq!(first["status"], "awaiting_payment");

        let paid = event("evt_paid", "checkout.session.completed", &session, |s| {
            s["payment_status"] = json!("paid");
            s["status"] = json!("complete");
        });
        // Deliveries that are not Stripe's are refused and change nothing.
        let tampered =
            paid.replace(&format!("\"amount_total\":{}", session["amount_total"]), "\"amount_total\":1");
        assert_ne!(tampered, paid);
        for (payload, header, why) in [
            (paid.as_str(), None, "no Stripe-Signature"),
            (paid.as_str(), Some(signature(&paid, &["whsec_someone_else"], 0)), "does not match"),
            (tampered.as_str(), Some(signature(&paid, &[NEW_SECRET], 0)), "does not match"),
            (paid.as_str(), Some(signature(&paid, &[NEW_SECRET], 400)), "older than five minutes"),
            (paid.as_str(), Some(signature(&paid, &[NEW_SECRET], -400)), "older than five minutes"),
            (paid.as_str(), Some("t=abc,v1=00".to_string()), "does not match"),
        ] {
            let reply = deliver(&app, payload, header.as_deref()).await;
            assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{why}: {}", reply.text());
            assert!(reply.json()["error"].as_str().unwrap().contains(why), "{}", reply.text());
        }
        assert_eq!(app.count("stripe_events").await, 0);
        assert_eq!(order(&app, &order_url).await["status"], "awaiting_payment");

        // Signed with the secret being rolled out of use (both are configured): accepted.
        let reply = deliver(&app, &paid, Some(&signature(&paid, &[OLD_SECRET], 10))).await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
        assert_eq!(reply.json()["outcome"], "order awaiting_payment → paid");
        let now_paid = next_order_event(&mut live).await;
        assert_eq!(now_paid["status"], "paid");
        assert_eq!(now_paid["payment_url"], Value::Null, "nothing more to pay");

        // Stripe repeats the delivery: answered, nothing done twice.
        let again = deliver(&app, &paid, Some(&signature(&paid, &[NEW_SECRET], 0))).await;
        assert_eq!(again.status, StatusCode::OK);
        assert_eq!(again.json()["duplicate"], true);
        // Late and out-of-order events (a second success, an expiry) never pay
        // twice or undo the payment. While rolling, Stripe signs with both secrets.
        for (event_id, kind) in [
            ("evt_late_success", "checkout.session.async_payment_succeeded"),
            ("evt_late_expiry", "checkout.session.expired"),
            ("evt_late_failure", "checkout.session.async_payment_failed"),
        ] {
            let late = event(event_id, kind, &session, |_| {});
            let reply =
                deliver(&app, &late, Some(&signature(&late, &["whsec_unknown", NEW_SECRET], 0))).await;
            assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
            assert!(
                reply.json()["outcome"].as_str().unwrap().contains("order is paid: not moved"),
                "{}",
                reply.text()
            );
        }
        let view = order(&app, &order_url).await;
        assert_eq!(view["status"], "paid");
        let steps: Vec<&str> =
            view["history"].as_array().unwrap().iter().map(|e| e["status"].as_str().unwrap()).collect();
        assert_eq!(steps, ["awaiting_payment", "paid"]);
        assert_eq!(app.count("stripe_events").await, 4);
        // Paid: in the lab's queue, once.
        let (job, kinds) = super::print_jobs::queued(&app, &order_id).await.expect("queued when paid");
        assert_eq!((job.0.as_str(), job.1.as_str()), ("ReadyToPrint", "shop"));
        assert_eq!(kinds, ["shop_order"]);
        assert_eq!(app.count("print_jobs").await, 1);

        // Paid: the receipt and the lab's alert go out, once.
        assert_eq!(outbox_statuses(&app).await, ["pending", "pending"]);
        assert_eq!(
            memoreez::mail::sender::send_due(&app.state.db, &app.state.storage, &app.state.config)
                .await
                .unwrap(),
            2
        );
        let folder = app.state.config.files_dir.join("outbox");
        let receipt = std::fs::read_dir(&folder)
            .unwrap()
            .map(|e| std::fs::read_to_string(e.unwrap().path()).unwrap())
            .find(|mail| mail.contains("To: ada@example.com"))
            .expect("the receipt");
        assert!(receipt.contains("Paid by card") && receipt.contains(&token), "{receipt}");

        // A session that is not this order's, or a sum that is not its total, pays nothing.
        let stranger = event("evt_stranger", "checkout.session.completed", &session, |s| {
            s["id"] = json!("cs_test_someone_else");
            s["payment_status"] = json!("paid");
        });
        let reply = deliver(&app, &stranger, Some(&signature(&stranger, &[NEW_SECRET], 0))).await;
        assert_eq!(reply.status, StatusCode::OK);
        assert!(reply.json()["outcome"].as_str().unwrap().starts_with("no order"), "{}", reply.text());
        let _ = id;
    })
    .await;
}

/// Reads the stream until its next `order` event.
async fn next_order_event(live: &mut reqwest::Response) -> Value {
    next_event(live, "order").await
}

/// The data of the next server-sent event called `name` on `live`.
pub(crate) async fn next_event(live: &mut reqwest::Response, name: &str) -> Value {
    let head = format!("event: {name}\ndata: ");
    let mut text = String::new();
    loop {
        let chunk = tokio::time::timeout(std::time::Duration::from_secs(10), live.chunk())
            .await
            .expect("an event within 10 s")
            .unwrap()
            .expect("the stream stays open");
        text.push_str(std::str::from_utf8(&chunk).unwrap());
        if let Some(start) = text.find(&head)
            && let Some(end) = text[start..].find("\n\n")
        {
            let data = &text[start + head.len()..start + end];
            return serde_json::from_str(data).unwrap();
        }
    }
}

pub async fn a_failed_or_short_payment_is_not_paid(kind: Kind) {
    let double = StripeDouble::start().await;
    let stripe = double.clone();
    with_changed_app(kind, with_stripe(&double), move |app| async move {
        let (id, cookie, _) = priced_keepsake(&app).await;
        let mut pickup = card(order_form(&id));
        pickup["delivery"] = json!("pickup");
        let place = async || {
            let placed = app.post_json("/api/orders", &pickup.to_string(), Some(&cookie)).await;
            assert_eq!(placed.status, StatusCode::CREATED, "{}", placed.text());
            let placed = placed.json();
            (placed["id"].as_str().unwrap().to_string(), placed["order_url"].as_str().unwrap().to_string())
        };

        // A bank debit: completed but unpaid, then failed, then (late) succeeded.
        let (debit, debit_url) = place().await;
        let session = stripe.session_for(&debit);
        for (event_id, kind, status) in [
            ("evt_debit_1", "checkout.session.completed", "awaiting_payment"),
            ("evt_debit_2", "checkout.session.async_payment_failed", "payment_failed"),
            ("evt_debit_3", "checkout.session.async_payment_succeeded", "paid"),
        ] {
            let body = event(event_id, kind, &session, |_| {});
            let reply = deliver(&app, &body, Some(&signature(&body, &[NEW_SECRET], 0))).await;
            assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
            assert_eq!(order(&app, &debit_url).await["status"], status, "after {kind}");
        }
        let notes: Vec<String> = order(&app, &debit_url).await["history"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["note"].as_str().unwrap().to_string())
            .collect();
        assert!(notes[1].contains("waiting for the bank"), "{notes:?}");

        // Stripe reports a different sum than the order's: not paid, staff look.
        let (short, short_url) = place().await;
        let session = stripe.session_for(&short);
        let body = event("evt_short", "checkout.session.completed", &session, |s| {
            s["payment_status"] = json!("paid");
            s["amount_total"] = json!(s["amount_total"].as_i64().unwrap() - 1);
        });
        let reply = deliver(&app, &body, Some(&signature(&body, &[NEW_SECRET], 0))).await;
        assert_eq!(reply.status, StatusCode::OK);
        assert!(reply.json()["outcome"].as_str().unwrap().contains("not marked paid"), "{}", reply.text());
        assert_eq!(order(&app, &short_url).await["status"], "awaiting_payment");

        // The payment page expires unused.
        let (expired, expired_url) = place().await;
        let session = stripe.session_for(&expired);
        let body = event("evt_expired", "checkout.session.expired", &session, |s| s["status"] = json!("expired"));
        deliver(&app, &body, Some(&signature(&body, &[NEW_SECRET], 0))).await;
        let view = order(&app, &expired_url).await;
        assert_eq!((view["status"].as_str(), &view["payment_url"]), (Some("payment_failed"), &Value::Null));

        // Events about other things are recorded and answered.
        let other = json!({"id": "evt_other", "object": "event", "created": 1, "livemode": false,
            "pending_webhooks": 0, "type": "customer.created", "data": {"object": {"id": "cus_1", "object": "customer"}}})
        .to_string();
        let reply = deliver(&app, &other, Some(&signature(&other, &[NEW_SECRET], 0))).await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
        // Only the debit's order was paid: its mail alone left the hold.
        let statuses = outbox_statuses(&app).await;
        assert_eq!(statuses.iter().filter(|s| *s == "pending").count(), 2, "{statuses:?}");
        assert_eq!(statuses.iter().filter(|s| *s == "held").count(), 4, "{statuses:?}");
    })
    .await;
}

pub async fn without_stripe_nothing_is_placed_and_cards_are_refused(kind: Kind) {
    // No key configured: a card order is refused next to the payment choice.
    with_app(kind, |app| async move {
        let (id, cookie, studio) = priced_keepsake(&app).await;
        assert_eq!(studio["card_payments"], false);
        let refused = app.post_json("/api/orders", &card(order_form(&id)).to_string(), Some(&cookie)).await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", refused.text());
        assert_eq!(refused.json()["field"], "payment");
        let webhook = deliver(&app, "{}", Some("t=1,v1=00")).await;
        assert_eq!(webhook.status, StatusCode::NOT_FOUND);
    })
    .await;

    // Stripe is configured but down: a clear answer, and nothing kept.
    let double = StripeDouble::start().await;
    double.go_down();
    with_changed_app(kind, with_stripe(&double), move |app| async move {
        let (id, cookie, studio) = priced_keepsake(&app).await;
        assert_eq!(studio["card_payments"], true);
        let reply = app.post_json("/api/orders", &card(order_form(&id)).to_string(), Some(&cookie)).await;
        assert_eq!(reply.status, StatusCode::SERVICE_UNAVAILABLE, "{}", reply.text());
        assert!(reply.json()["error"].as_str().unwrap().contains("could not start the card payment"));
        assert_eq!((app.count("orders").await, app.count("outbox").await), (0, 0));
        let kept = app.state.config.files_dir.join("orders");
        let left = std::fs::read_dir(&kept)
            .map(|dir| dir.flatten().flat_map(|d| std::fs::read_dir(d.path()).unwrap()).count());
        assert_eq!(left.unwrap_or(0), 0, "no keepsake kept for an order that was not placed");
    })
    .await;
}
