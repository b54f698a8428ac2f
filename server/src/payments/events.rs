//! Stripe's webhook events as received: each is recorded once (its id is
//! written in the same transaction as the change it made, by
//! `shop::orders::card_payments`), with what it did, so a repeated delivery
//! changes nothing again.

use crate::payments::stripe::CheckoutEvent;

/// What became of a delivered event (kept with its id, and answered to Stripe).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Handled {
    /// Seen before: nothing done again.
    Duplicate,
    /// Recorded; `what` says what it changed or why it changed nothing.
    Recorded { what: String },
}

/// Records a delivered event in the caller's transaction; `false` when it
/// was recorded before (nothing is to be done again).
pub async fn record_once(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    event: &CheckoutEvent,
    order_id: Option<&str>,
    now: i64,
) -> sqlx::Result<bool> {
    let fresh = sqlx::query(
        "INSERT INTO stripe_events (id, kind, order_id, outcome, received_at) VALUES ($1, $2, $3, '', $4) \
         ON CONFLICT (id) DO NOTHING",
    )
    .bind(&event.event_id)
    .bind(&event.kind)
    .bind(order_id)
    .bind(now)
    .execute(&mut **tx)
    .await?
    .rows_affected();
    Ok(fresh == 1)
}

/// Records what a recorded event did.
pub async fn record_outcome(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    event: &CheckoutEvent,
    what: &str,
) -> sqlx::Result<()> {
    sqlx::query("UPDATE stripe_events SET outcome = $1 WHERE id = $2")
        .bind(what)
        .bind(&event.event_id)
        .execute(&mut **tx)
        .await?;
    Ok(())
}
