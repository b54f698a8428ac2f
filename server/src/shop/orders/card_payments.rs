//! What Stripe's webhook events do to orders. Each event is handled once (its
//! id is recorded, by `payments::events`, in the same transaction as the
//! change it made), and an order's status only moves forward, so a repeated,
//! late or out-of-order delivery never pays twice or undoes a step. A paid
//! order joins the lab's queue in that transaction.

use app::order::OrderStatus;

use super::ORDER_COLUMNS;
use crate::mail::outbox;
use crate::payments::events::{self, Handled};
use crate::payments::stripe::{CheckoutEvent, Outcome, SessionFacts};
use crate::platform::time::now_ms;
use crate::shop::ShopContext;

/// Applies one verified checkout event.
pub async fn apply(cx: &ShopContext, event: &CheckoutEvent) -> sqlx::Result<Handled> {
    let now = now_ms();
    let mut tx = cx.db.begin_write().await?;
    let order_id = event.outcome.facts().and_then(|facts| facts.order_id.clone());
    if !events::record_once(&mut tx, event, order_id.as_deref(), now).await? {
        return Ok(Handled::Duplicate);
    }
    let what = match event.outcome.facts() {
        None => "not a checkout event we act on".to_string(),
        Some(facts) => move_order(&mut tx, &event.outcome, facts, now).await?,
    };
    events::record_outcome(&mut tx, event, &what).await?;
    tx.commit().await?;
    outbox::wake(&cx.mail_due);
    Ok(Handled::Recorded { what })
}

/// Moves the session's order as the outcome says, if it may move; returns what happened.
async fn move_order(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    outcome: &Outcome,
    facts: &SessionFacts,
    now: i64,
) -> sqlx::Result<String> {
    let Some(order_id) = &facts.order_id else {
        return Ok("the session names no order".into());
    };
    // The session must be the one opened for this order: a reference id alone is not proof.
    let row = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {ORDER_COLUMNS} FROM orders WHERE id = $1 AND stripe_session_id = $2"
    )))
    .bind(order_id)
    .bind(&facts.session_id)
    .fetch_optional(&mut **tx)
    .await?;
    let Some(row) = row else {
        return Ok(format!("no order {order_id} with session {}", facts.session_id));
    };
    let order = super::from_row(&row)?;
    let (next, note) = match outcome {
        Outcome::Paid(_) => (OrderStatus::Paid, "Paid by card. Thank you! The lab has your order."),
        Outcome::Failed(_) => (OrderStatus::PaymentFailed, "The payment did not go through."),
        Outcome::Expired(_) => {
            (OrderStatus::PaymentFailed, "The payment page expired before the payment was made.")
        }
        Outcome::Processing(_) => {
            let note = "Payment made; waiting for the bank to confirm it.";
            if order.status == OrderStatus::AwaitingPayment {
                super::add_event(tx, order_id, Some(order.status), order.status, note, now).await?;
            }
            return Ok("payment processing".into());
        }
        Outcome::Other => unreachable!("events without a session have no facts"),
    };
    if !order.status.can_become(next) {
        return Ok(format!("order is {}: not moved to {}", order.status.as_str(), next.as_str()));
    }
    if next == OrderStatus::Paid {
        let expected = (order.amounts.total_cents as i64, order.amounts.currency.to_ascii_lowercase());
        let paid = (facts.amount_total.unwrap_or(-1), facts.currency.clone().unwrap_or_default());
        if paid != expected {
            // Never call an order paid for a sum other than its own; staff look into it.
            tracing::error!(order = %order_id, ?paid, ?expected, "Stripe reported a different amount");
            return Ok(format!("amount {paid:?} differs from the order's {expected:?}: not marked paid"));
        }
    }
    // Only from the status just read: a concurrent change makes this fail, and
    // Stripe delivers the event again later.
    if !super::move_status(tx, order_id, (order.status, next), note, now).await? {
        return Err(sqlx::Error::Protocol(format!("order {order_id} changed while being paid")));
    }
    if next == OrderStatus::Paid {
        crate::reports::funnel::order_reached(tx, order_id, app::report::FunnelStep::Paid, now).await?;
        outbox::release_held(tx, order_id).await?;
        let file = super::keepsake_key(order_id);
        crate::lab::print_jobs::queue_shop_order(tx, &order, &file, "paid by card", now).await?;
    }
    Ok(format!("order {} → {}", order.status.as_str(), next.as_str()))
}
