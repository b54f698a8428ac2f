//! Card payment: Stripe Checkout sessions, the signed webhook, and what its
//! events do to orders.

pub mod events;
pub mod stripe;
pub mod webhook;
