//! Card payment: Stripe Checkout sessions, and what the signed webhook's
//! events (received by `http::payments`) do to orders.

pub mod events;
pub mod stripe;
