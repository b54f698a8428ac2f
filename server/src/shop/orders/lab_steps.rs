//! What a shop order does when its print job takes a step in the lab:
//! printing, printed (ready for pickup, or shipped), collected. The lab calls
//! it through the state (`lab::actions::OrderSteps`), in the step's own
//! transaction, so an order and its job never disagree.

use std::future::Future;
use std::pin::Pin;

use app::order::{Delivery, OrderStatus, OrderView};
use app::print_job::PrintJobStatus;

use super::ORDER_COLUMNS;
use crate::mail::outbox;
use crate::mail::shop as shop_mail;

/// The shop order's step for its print job's new status, with the
/// customer's email ([`OrderSteps`](crate::lab::actions::OrderSteps)).
pub fn follow_print_job<'a>(
    tx: &'a mut sqlx::Transaction<'static, sqlx::Any>,
    order_id: &'a str,
    job_status: PrintJobStatus,
    details: &'a str,
    now: i64,
) -> Pin<Box<dyn Future<Output = sqlx::Result<()>> + Send + 'a>> {
    Box::pin(move_order(tx, order_id, job_status, details, now))
}

async fn move_order(
    tx: &mut sqlx::Transaction<'static, sqlx::Any>,
    order_id: &str,
    job_status: PrintJobStatus,
    details: &str,
    now: i64,
) -> sqlx::Result<()> {
    let row = sqlx::query(sqlx::AssertSqlSafe(format!("SELECT {ORDER_COLUMNS} FROM orders WHERE id = $1")))
        .bind(order_id)
        .fetch_one(&mut **tx)
        .await?;
    let order: OrderView = super::from_row(&row)?;
    let (next, note, mail) = match (job_status, order.delivery) {
        (PrintJobStatus::Printing, _) => (
            OrderStatus::Printing,
            "Your keepsake is being printed.".to_string(),
            // The printer's name, not how the file reached it.
            Some(shop_mail::order_printing(
                &order,
                &format!("{}.", details.split(" (").next().unwrap_or(details).trim_end_matches('.')),
            )),
        ),
        (PrintJobStatus::Completed, Delivery::Pickup) => (
            OrderStatus::ReadyForPickup,
            "Printed and ready for pickup at the lab.".to_string(),
            Some(shop_mail::order_ready_for_pickup(&order)),
        ),
        (PrintJobStatus::Completed, Delivery::Ship) => (
            OrderStatus::Shipped,
            "Printed and shipped.".to_string(),
            Some(shop_mail::order_shipped(&order, &[])),
        ),
        (PrintJobStatus::PaidPickedUp, _) => (OrderStatus::Collected, details.to_string(), None),
        _ => return Ok(()),
    };
    if !order.status.can_become(next) {
        // The order went its own way (e.g. sent out): the lab's step stands alone.
        return Ok(());
    }
    if !super::move_status(tx, order_id, (order.status, next), &note, now).await? {
        // Changed meanwhile (a webhook, another instance): the lab's step stands alone.
        return Ok(());
    }
    if next == OrderStatus::Collected {
        // Paid at pickup now, if not by card before.
        crate::reports::funnel::order_reached(tx, order_id, app::report::FunnelStep::Paid, now).await?;
    }
    if let Some(mail) = mail {
        outbox::enqueue(tx, &mail).await?;
    }
    Ok(())
}
