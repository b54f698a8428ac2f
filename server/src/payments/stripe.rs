//! Card payment through Stripe Checkout: a Checkout Session per order, and
//! the webhook's events, each checked against `Stripe-Signature` before
//! anything is believed.
//!
//! On only when `MEMOREEZ_STRIPE_SECRET_KEY` is set; without it every order
//! is paid when collected. The API's address is a setting so tests can point
//! the real client at a local server speaking Stripe's form-encoded API.

use std::time::Duration;

use stripe::{Client, ClientBuilder, IdempotencyKey, RequestStrategy, StripeRequest};
use stripe_checkout::checkout_session::{
    CreateCheckoutSession, CreateCheckoutSessionLineItems, CreateCheckoutSessionLineItemsPriceData,
    ProductData,
};
use stripe_checkout::{CheckoutSession, CheckoutSessionMode, CheckoutSessionPaymentStatus};
use stripe_webhook::{EventObject, Webhook, WebhookError};

use crate::platform::config::{Config, ConfigError, STRIPE_SECRET_KEY, STRIPE_WEBHOOK_SECRET};

/// What Stripe needs to take payment for one order.
pub struct Charge<'a> {
    pub order_id: &'a str,
    pub email: &'a str,
    pub title: &'a str,
    pub currency: &'a str,
    pub quantity: u32,
    pub unit_cents: u64,
    pub shipping_cents: u64,
    /// Where Stripe sends the customer after paying, and after giving up.
    pub success_url: String,
    pub cancel_url: String,
}

/// A Checkout Session made for an order: its id and the page to send the customer to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Session {
    pub id: String,
    pub url: String,
}

#[derive(thiserror::Error, Debug)]
pub enum PaymentError {
    /// Stripe could not be reached or refused the request (the detail is for the log).
    #[error("Stripe: {0}")]
    Stripe(String),
    #[error("Stripe answered without a payment page for the session")]
    NoUrl,
}

/// Why a webhook delivery was not believed.
#[derive(thiserror::Error, Debug, PartialEq, Eq)]
pub enum Refused {
    #[error("no Stripe-Signature header")]
    Missing,
    #[error("Stripe-Signature does not match the body with any webhook secret")]
    Signature,
    #[error("Stripe-Signature is older than five minutes (or from the future)")]
    Stale,
    #[error("the event could not be read: {0}")]
    Unreadable(String),
}

/// A checkout event, reduced to what moves an order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CheckoutEvent {
    pub event_id: String,
    pub kind: String,
    pub outcome: Outcome,
}

/// What a checkout event says about a session's payment.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// `checkout.session.completed` with the money taken, or
    /// `checkout.session.async_payment_succeeded`.
    Paid(SessionFacts),
    /// `checkout.session.completed` for a payment that settles later (a bank debit).
    Processing(SessionFacts),
    /// `checkout.session.async_payment_failed`.
    Failed(SessionFacts),
    /// `checkout.session.expired`: the customer never paid.
    Expired(SessionFacts),
    /// Any other event: recorded and answered, nothing else.
    Other,
}

/// The parts of a Checkout Session an order is checked against.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SessionFacts {
    pub session_id: String,
    /// Our order id (`client_reference_id`).
    pub order_id: Option<String>,
    pub amount_total: Option<i64>,
    pub currency: Option<String>,
}

impl Outcome {
    pub fn facts(&self) -> Option<&SessionFacts> {
        match self {
            Outcome::Paid(facts)
            | Outcome::Processing(facts)
            | Outcome::Failed(facts)
            | Outcome::Expired(facts) => Some(facts),
            Outcome::Other => None,
        }
    }
}

/// The shop's Stripe account: the API client and the webhook's signing secrets.
#[derive(Clone)]
pub struct StripeCheckout {
    client: Client,
    /// The endpoint's signing secrets, newest first: while a secret is being
    /// rolled, Stripe signs with both and either is accepted.
    webhook_secrets: Vec<String>,
}

impl std::fmt::Debug for StripeCheckout {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never print the keys.
        f.debug_struct("StripeCheckout").field("webhook_secrets", &self.webhook_secrets.len()).finish()
    }
}

impl StripeCheckout {
    /// A client for the Stripe API at `api_url` (`https://api.stripe.com/` in production).
    pub fn new(api_url: &str, secret_key: &str, webhook_secrets: Vec<String>) -> Result<Self, ConfigError> {
        let base = format!("{}/", api_url.trim_end_matches('/'));
        let client = ClientBuilder::new(secret_key)
            .url(base)
            .timeout(Duration::from_secs(30))
            .build()
            .map_err(|e| ConfigError(format!("setting MEMOREEZ_STRIPE_API_URL: {e}")))?;
        Ok(StripeCheckout { client, webhook_secrets })
    }

    /// Card payments as the environment sets them up, or `None` without a secret key.
    pub fn from_env(config: &Config) -> Result<Option<Self>, ConfigError> {
        let key = std::env::var(STRIPE_SECRET_KEY).unwrap_or_default();
        if key.trim().is_empty() {
            return Ok(None);
        }
        let secrets: Vec<String> = std::env::var(STRIPE_WEBHOOK_SECRET)
            .unwrap_or_default()
            .split(',')
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty())
            .collect();
        if secrets.is_empty() {
            // Without it no payment would ever be seen as paid.
            return Err(ConfigError(format!("setting {STRIPE_SECRET_KEY} needs {STRIPE_WEBHOOK_SECRET}")));
        }
        StripeCheckout::new(&config.stripe_api_url, key.trim(), secrets).map(Some)
    }

    /// Opens a Checkout Session for the charge. Asked with the order id as
    /// the idempotency key, so a retried request never makes a second one.
    pub async fn open(&self, charge: &Charge<'_>) -> Result<Session, PaymentError> {
        let currency: stripe_types::Currency =
            charge.currency.to_ascii_lowercase().parse().expect("any text is a currency");
        let line = |name: &str, cents: u64, quantity: u32| {
            let mut price = CreateCheckoutSessionLineItemsPriceData::new(currency.clone());
            price.product_data = Some(ProductData::new(name));
            price.unit_amount = Some(cents as i64);
            let mut item = CreateCheckoutSessionLineItems::new();
            item.price_data = Some(price);
            item.quantity = Some(u64::from(quantity));
            item
        };
        let mut items = vec![line(charge.title, charge.unit_cents, charge.quantity)];
        if charge.shipping_cents > 0 {
            items.push(line("Shipping", charge.shipping_cents, 1));
        }
        let key = IdempotencyKey::new(format!("memoreez-order-{}", charge.order_id))
            .map_err(|e| PaymentError::Stripe(e.to_string()))?;
        let session = CreateCheckoutSession::new()
            .mode(CheckoutSessionMode::Payment)
            .client_reference_id(charge.order_id)
            .customer_email(charge.email)
            .line_items(items)
            .success_url(charge.success_url.clone())
            .cancel_url(charge.cancel_url.clone())
            .customize()
            .request_strategy(RequestStrategy::Idempotent(key))
            .send(&self.client)
            .await
            .map_err(|e| PaymentError::Stripe(e.to_string()))?;
        Ok(Session { id: session.id.to_string(), url: session.url.ok_or(PaymentError::NoUrl)? })
    }

    /// The event in a webhook delivery, if `signature` (the `Stripe-Signature`
    /// header) signs exactly `payload` (the raw body) with one of our secrets
    /// within the last five minutes.
    pub fn verify(&self, payload: &str, signature: Option<&str>) -> Result<CheckoutEvent, Refused> {
        let signature = signature.filter(|s| !s.trim().is_empty()).ok_or(Refused::Missing)?;
        let mut refused = Refused::Signature;
        for secret in &self.webhook_secrets {
            match Webhook::construct_event(payload, signature, secret) {
                Ok(event) => return Ok(reduce(event)),
                // A signature that matches but is too old is stale whichever secret made it.
                Err(WebhookError::BadTimestamp(_)) => refused = Refused::Stale,
                // Signed by Stripe but not an object the crate reads: fine for
                // events we do not act on; for a checkout event, refuse so
                // Stripe delivers it again (and the log says why).
                Err(WebhookError::BadParse(why)) => {
                    return not_acted_on(payload).ok_or(Refused::Unreadable(why));
                }
                Err(_) => {}
            }
        }
        Err(refused)
    }
}

/// A signed event of a kind we do not act on, by its id and type.
fn not_acted_on(payload: &str) -> Option<CheckoutEvent> {
    let event: serde_json::Value = serde_json::from_str(payload).ok()?;
    let kind = event["type"].as_str()?;
    if kind.starts_with("checkout.session.") {
        return None;
    }
    Some(CheckoutEvent {
        event_id: event["id"].as_str()?.to_string(),
        kind: kind.to_string(),
        outcome: Outcome::Other,
    })
}

fn facts(session: &CheckoutSession) -> SessionFacts {
    SessionFacts {
        session_id: session.id.to_string(),
        order_id: session.client_reference_id.clone(),
        amount_total: session.amount_total,
        currency: session.currency.as_ref().map(|c| c.to_string()),
    }
}

fn reduce(event: stripe_webhook::Event) -> CheckoutEvent {
    let outcome = match &event.data.object {
        EventObject::CheckoutSessionCompleted(session) => match session.payment_status {
            CheckoutSessionPaymentStatus::Paid | CheckoutSessionPaymentStatus::NoPaymentRequired => {
                Outcome::Paid(facts(session))
            }
            _ => Outcome::Processing(facts(session)),
        },
        EventObject::CheckoutSessionAsyncPaymentSucceeded(session) => Outcome::Paid(facts(session)),
        EventObject::CheckoutSessionAsyncPaymentFailed(session) => Outcome::Failed(facts(session)),
        EventObject::CheckoutSessionExpired(session) => Outcome::Expired(facts(session)),
        _ => Outcome::Other,
    };
    CheckoutEvent { event_id: event.id.to_string(), kind: event.type_.to_string(), outcome }
}
