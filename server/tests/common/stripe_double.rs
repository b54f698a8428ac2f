//! A local server speaking the part of Stripe's API that checkout uses:
//! `POST /v1/checkout/sessions`, form-encoded with bracketed keys
//! (`line_items[0][price_data][unit_amount]`), bearer-key auth and
//! idempotency keys, answering with Checkout Session objects shaped as
//! Stripe documents them. It also writes the webhook events Stripe would
//! send about a session, signed as Stripe signs them.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Form, Json, Router};
use serde_json::{Value, json};

/// One request as the stand-in received it.
#[derive(Clone, Debug)]
pub struct Received {
    pub authorization: String,
    pub idempotency_key: Option<String>,
    pub form: Vec<(String, String)>,
}

impl Received {
    pub fn field(&self, name: &str) -> Option<&str> {
        self.form.iter().find(|(key, _)| key == name).map(|(_, value)| value.as_str())
    }
}

#[derive(Default)]
struct Book {
    received: Vec<Received>,
    /// Sessions by idempotency key: a repeated request gets the same session.
    by_key: HashMap<String, Value>,
    down: bool,
}

#[derive(Clone)]
pub struct StripeDouble {
    pub url: String,
    book: Arc<Mutex<Book>>,
}

pub const SECRET_KEY: &str = "sk_test_memoreez";

impl StripeDouble {
    pub async fn start() -> StripeDouble {
        let book = Arc::new(Mutex::new(Book::default()));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let router = Router::new()
            .route("/v1/checkout/sessions", post(create_session))
            .with_state((book.clone(), url.clone()));
        tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
        StripeDouble { url, book }
    }

    pub fn received(&self) -> Vec<Received> {
        self.book.lock().unwrap().received.clone()
    }

    /// From now on every request fails as Stripe's API does when it is in trouble.
    pub fn go_down(&self) {
        self.book.lock().unwrap().down = true;
    }

    /// The session made for `order_id`, as Stripe would now describe it.
    pub fn session_for(&self, order_id: &str) -> Value {
        let book = self.book.lock().unwrap();
        book.by_key.values().find(|s| s["client_reference_id"] == order_id).cloned().expect("a session")
    }
}

type Shared = (Arc<Mutex<Book>>, String);

async fn create_session(
    State((book, url)): State<Shared>,
    headers: HeaderMap,
    Form(form): Form<Vec<(String, String)>>,
) -> Response {
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok()).map(str::to_string);
    let authorization = header("authorization").unwrap_or_default();
    let mut book = book.lock().unwrap();
    book.received.push(Received {
        authorization: authorization.clone(),
        idempotency_key: header("idempotency-key"),
        form: form.clone(),
    });
    if book.down {
        return stripe_error(
            StatusCode::INTERNAL_SERVER_ERROR,
            "api_error",
            "Something went wrong on Stripe's end.",
        );
    }
    if authorization != format!("Bearer {SECRET_KEY}") {
        return stripe_error(StatusCode::UNAUTHORIZED, "invalid_request_error", "Invalid API Key provided.");
    }
    let field = |name: &str| form.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone());
    if field("mode").as_deref() != Some("payment") {
        return stripe_error(
            StatusCode::BAD_REQUEST,
            "invalid_request_error",
            "Missing required param: mode.",
        );
    }
    if let Some(key) = header("idempotency-key")
        && let Some(session) = book.by_key.get(&key)
    {
        return Json(session.clone()).into_response();
    }
    // The total of the line items, as Stripe works it out.
    let mut total = 0_i64;
    let mut currency = None;
    for item in 0.. {
        let Some(quantity) = field(&format!("line_items[{item}][quantity]")) else { break };
        let price = |part: &str| field(&format!("line_items[{item}][price_data][{part}]"));
        let (Some(amount), Some(item_currency)) = (price("unit_amount"), price("currency")) else {
            return stripe_error(StatusCode::BAD_REQUEST, "invalid_request_error", "Missing price_data.");
        };
        total += amount.parse::<i64>().unwrap() * quantity.parse::<i64>().unwrap();
        currency = Some(item_currency);
    }
    let id = format!("cs_test_{}", book.received.len());
    let now = now_s();
    let session = json!({
        "id": id,
        "object": "checkout.session",
        "amount_subtotal": total,
        "amount_total": total,
        "automatic_tax": { "enabled": false, "liability": null, "provider": null, "status": null },
        "cancel_url": field("cancel_url"),
        "client_reference_id": field("client_reference_id"),
        "created": now,
        "currency": currency,
        "custom_fields": [],
        "custom_text": { "after_submit": null, "shipping_address": null, "submit": null, "terms_of_service_acceptance": null },
        "customer": null,
        "customer_email": field("customer_email"),
        "expires_at": now + 24 * 3600,
        "livemode": false,
        "metadata": {},
        "mode": "payment",
        "payment_intent": null,
        "payment_method_types": ["card"],
        "payment_status": "unpaid",
        "shipping_options": [],
        "status": "open",
        "success_url": field("success_url"),
        "url": format!("{url}/c/pay/{id}"),
    });
    if let Some(key) = header("idempotency-key") {
        book.by_key.insert(key, session.clone());
    }
    Json(session).into_response()
}

fn stripe_error(status: StatusCode, kind: &str, message: &str) -> Response {
    (status, Json(json!({ "error": { "type": kind, "message": message } }))).into_response()
}

fn now_s() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64
}

/// A webhook event of `kind` about `session` (with its fields changed by
/// `change`), as Stripe sends it.
pub fn event(event_id: &str, kind: &str, session: &Value, change: impl FnOnce(&mut Value)) -> String {
    let mut session = session.clone();
    change(&mut session);
    json!({
        "id": event_id,
        "object": "event",
        "api_version": "2025-09-30.clover",
        "created": now_s(),
        "data": { "object": session },
        "livemode": false,
        "pending_webhooks": 1,
        "request": { "id": null, "idempotency_key": null },
        "type": kind,
    })
    .to_string()
}

/// `Stripe-Signature` for `payload`, made `age_s` seconds ago with each secret.
pub fn signature(payload: &str, secrets: &[&str], age_s: i64) -> String {
    let at = now_s() - age_s;
    let mut header = format!("t={at}");
    for secret in secrets {
        let signed = stripe_webhook::Webhook::generate_test_header(payload, secret, Some(at));
        let v1 = signed.split(",v1=").nth(1).unwrap();
        header.push_str(&format!(",v1={v1}"));
    }
    header
}
