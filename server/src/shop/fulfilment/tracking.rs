//! Following an order sent to Slant 3D until it ships: asked by staff, by
//! `memoreez orders track`, and every half hour by the server itself.

use app::order::OrderStatus;
use app::print_job::PrintJobStatus;

use super::{OutsideError, load};
use crate::mail::outbox;
use crate::mail::shop as shop_mail;
use crate::platform::time::now_ms;
use crate::shop::ShopContext;
use crate::shop::orders;
use crate::shop::slant3d::Tracking;

/// Where Slant 3D says the order is, in words.
pub fn tracking_words(order_id: &str, tracking: &Tracking) -> String {
    match tracking.tracking_numbers.as_slice() {
        [] => format!("Slant 3D says order {order_id} is {}.", tracking.status),
        numbers => format!(
            "Slant 3D says order {order_id} is {} (tracking {}).",
            tracking.status,
            numbers.join(", ")
        ),
    }
}

/// Asks Slant 3D where the order is; once they have shipped it, the order
/// is marked shipped (with the tracking numbers) and the customer emailed.
pub async fn track(cx: &ShopContext, order_id: &str) -> Result<Tracking, OutsideError> {
    let service = cx.outside.clone().ok_or(OutsideError::NotConfigured)?;
    let row = load(cx, order_id).await?;
    let their_id = row.outside_order_id.clone().ok_or_else(|| OutsideError::NotSent(order_id.to_string()))?;
    let tracking = service.tracking(&their_id).await?;
    let now = now_ms();
    let mut tx = cx.db.begin_write().await?;
    sqlx::query("UPDATE orders SET outside_status = $1 WHERE id = $2")
        .bind(&tracking.status)
        .bind(order_id)
        .execute(&mut *tx)
        .await?;
    let shipped = tracking.status.eq_ignore_ascii_case("shipped") || !tracking.tracking_numbers.is_empty();
    let moved = if shipped && row.order.status.can_become(OrderStatus::Shipped) {
        sqlx::query("UPDATE orders SET status = $1, updated_at = $2 WHERE id = $3 AND status = $4")
            .bind(OrderStatus::Shipped.as_str())
            .bind(now)
            .bind(order_id)
            .bind(row.order.status.as_str())
            .execute(&mut *tx)
            .await?
            .rows_affected()
    } else {
        0
    };
    // Only the one that moved it tells the customer: another instance (or a
    // staff click) asking at the same time finds it shipped already.
    if moved == 1 {
        let numbers = match tracking.tracking_numbers.as_slice() {
            [] => "no tracking number yet".to_string(),
            numbers => format!("tracking {}", numbers.join(", ")),
        };
        let note = format!("Shipped by Slant 3D ({numbers}).");
        orders::add_event(&mut tx, order_id, Some(row.order.status), OrderStatus::Shipped, &note, now)
            .await?;
        outbox::enqueue(&mut tx, &shop_mail::order_shipped(&row.order, &tracking.tracking_numbers)).await?;
        let job = ("system", "shipped", note.as_str());
        crate::lab::print_jobs::advance_order_job(&mut tx, order_id, PrintJobStatus::Completed, job, now)
            .await?;
    }
    tx.commit().await?;
    outbox::wake(&cx.mail_due);
    Ok(tracking)
}

/// How often the server asks Slant 3D about the orders it prints.
pub const TRACK_EVERY: std::time::Duration = std::time::Duration::from_secs(30 * 60);

/// Asks Slant 3D about every order sent to them that has not shipped yet
/// (see [`track`]); how many it asked about. One order's failure is logged
/// and the rest are still asked.
pub async fn track_sent(cx: &ShopContext) -> sqlx::Result<usize> {
    let sent: Vec<String> = sqlx::query_scalar(
        "SELECT id FROM orders WHERE outside_order_id IS NOT NULL AND status = $1 ORDER BY created_at",
    )
    .bind(OrderStatus::Printing.as_str())
    .fetch_all(cx.db.pool())
    .await?;
    for order in &sent {
        if let Err(error) = track(cx, order).await {
            tracing::warn!(%order, %error, "asking Slant 3D where an order is");
        }
    }
    Ok(sent.len())
}

/// Follows the orders sent out for as long as the server runs (when Slant 3D
/// is set up): each is marked shipped, and its customer emailed, without
/// anyone asking. Every instance may ask; only one moves an order.
pub async fn follow(cx: ShopContext) {
    if cx.outside.is_none() {
        return;
    }
    let mut every = tokio::time::interval(TRACK_EVERY);
    every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        every.tick().await;
        if let Err(error) = track_sent(&cx).await {
            tracing::warn!(%error, "listing the orders sent to Slant 3D");
        }
    }
}
