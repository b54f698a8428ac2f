//! The print lab's queue on the server. For now: shop orders joining it,
//! in the same transaction that makes them payable-or-paid, with the first
//! entry of the job's append-only event log.

use app::order::OrderView;
use app::print_job::PrintJobStatus;

/// Queues a shop order as a print job (ReadyToPrint, source `shop`), once:
/// a second call for the same order changes nothing. Returns whether it was queued now.
pub async fn queue_shop_order(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    order: &OrderView,
    file_key: &str,
    how_paid: &str,
    now: i64,
) -> sqlx::Result<bool> {
    let id = crate::creations::new_id();
    let quantity = f64::from(order.amounts.quantity);
    let queued = sqlx::query(
        "INSERT INTO print_jobs (id, source, order_id, status, name, email, method, color, notes, file_key, \
         quantity, weight_g, print_hours, price_cents, currency, created_at, updated_at) \
         VALUES ($1, 'shop', $2, $3, $4, $5, 'filament', '', $6, $7, $8, $9, $10, $11, $12, $13, $13) \
         ON CONFLICT (order_id) DO NOTHING",
    )
    .bind(&id)
    .bind(&order.id)
    .bind(PrintJobStatus::ReadyToPrint.as_str())
    .bind(&order.name)
    .bind(&order.email)
    .bind(format!("Shop order: {} × {}", order.amounts.quantity, order.title))
    .bind(file_key)
    .bind(i64::from(order.amounts.quantity))
    .bind((order.model_g + order.support_g) * quantity)
    .bind(order.print_time_s as f64 * quantity / 3600.0)
    .bind(order.amounts.total_cents as i64)
    .bind(&order.amounts.currency)
    .bind(now)
    .execute(&mut **tx)
    .await?
    .rows_affected();
    if queued == 0 {
        return Ok(false);
    }
    sqlx::query(
        "INSERT INTO print_job_events (job_id, at, actor, kind, from_status, to_status, details) \
         VALUES ($1, $2, 'system', 'shop_order', NULL, $3, $4)",
    )
    .bind(&id)
    .bind(now)
    .bind(PrintJobStatus::ReadyToPrint.as_str())
    .bind(format!("Order {} ({how_paid}) joined the queue.", order.id))
    .execute(&mut **tx)
    .await?;
    Ok(true)
}

/// Moves the print job of a shop order to `to`, if that step is legal from
/// where it is (otherwise nothing changes), with its event. Whether it moved.
pub async fn advance_order_job(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    order_id: &str,
    to: PrintJobStatus,
    (actor, kind, details): (&str, &str, &str),
    now: i64,
) -> sqlx::Result<bool> {
    use sqlx::Row;
    let Some(row) = sqlx::query("SELECT id, status FROM print_jobs WHERE order_id = $1")
        .bind(order_id)
        .fetch_optional(&mut **tx)
        .await?
    else {
        return Ok(false);
    };
    let id: String = row.try_get("id")?;
    let from = PrintJobStatus::parse(&row.try_get::<String, _>("status")?);
    if !from.is_some_and(|from| from.can_become(to)) {
        return Ok(false);
    }
    let from = from.map(PrintJobStatus::as_str);
    sqlx::query("UPDATE print_jobs SET status = $1, updated_at = $2 WHERE id = $3 AND status = $4")
        .bind(to.as_str())
        .bind(now)
        .bind(&id)
        .bind(from)
        .execute(&mut **tx)
        .await?;
    sqlx::query(
        "INSERT INTO print_job_events (job_id, at, actor, kind, from_status, to_status, details) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(&id)
    .bind(now)
    .bind(actor)
    .bind(kind)
    .bind(from)
    .bind(to.as_str())
    .bind(details)
    .execute(&mut **tx)
    .await?;
    Ok(true)
}
