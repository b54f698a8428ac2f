//! What staff do to a print job, each in one transaction: the job's step,
//! its event, and — for a shop order — the order's step, its history and the
//! customer's email.

use app::order::{Delivery, OrderStatus, OrderView};
use app::print_job::{JobAction, PrintJobStatus};
use sqlx::Row;

use crate::mail;
use crate::orders::{self, ORDER_COLUMNS};
use crate::state::AppState;
use crate::time::now_ms;

#[derive(thiserror::Error, Debug)]
pub enum ActionError {
    #[error("not found")]
    NotFound,
    /// The step is not one this job can take from where it is.
    #[error("A job that is {from} cannot be {action}.")]
    NotNow { from: &'static str, action: &'static str },
    /// A field the action needs; the message is for staff.
    #[error("{message}")]
    Invalid { field: &'static str, message: String },
    #[error(transparent)]
    Database(#[from] sqlx::Error),
}

/// Applies `action` to the job; the status it is in afterwards.
pub async fn act(state: &AppState, job_id: &str, action: &JobAction) -> Result<PrintJobStatus, ActionError> {
    let now = now_ms();
    let mut tx = state.db.pool().begin().await?;
    let row = sqlx::query("SELECT status, order_id FROM print_jobs WHERE id = $1")
        .bind(job_id)
        .fetch_optional(&mut *tx)
        .await?
        .ok_or(ActionError::NotFound)?;
    let from = PrintJobStatus::parse(&row.try_get::<String, _>("status")?)
        .ok_or_else(|| sqlx::Error::Decode("unknown print job status".into()))?;
    let order_id: Option<String> = row.try_get("order_id")?;

    let (to, details) = match action {
        JobAction::MarkReviewed => {
            sqlx::query("UPDATE print_jobs SET reviewed_at = $1 WHERE id = $2 AND reviewed_at IS NULL")
                .bind(now)
                .bind(job_id)
                .execute(&mut *tx)
                .await?;
            event(&mut tx, job_id, now, "reviewed", (from, from), "Marked as reviewed.").await?;
            tx.commit().await?;
            return Ok(from);
        }
        JobAction::StartPrinting { printer } => {
            let printer = printer.trim();
            let details = match printer {
                "" => "Printing.".to_string(),
                printer => format!("Printing on {printer}."),
            };
            (PrintJobStatus::Printing, details)
        }
        JobAction::Complete => (PrintJobStatus::Completed, "Printed.".to_string()),
        JobAction::PickedUp { payment } => {
            let payment = payment.trim();
            if payment.is_empty() || payment.chars().count() > 120 {
                return Err(ActionError::Invalid {
                    field: "payment",
                    message: "Say how it was paid (e.g. cash, card at the counter, paid online).".into(),
                });
            }
            (PrintJobStatus::PaidPickedUp, format!("Picked up; payment: {payment}."))
        }
    };
    if !from.can_become(to) {
        return Err(ActionError::NotNow { from: from.label(), action: action.past_tense() });
    }
    let moved =
        sqlx::query("UPDATE print_jobs SET status = $1, updated_at = $2 WHERE id = $3 AND status = $4")
            .bind(to.as_str())
            .bind(now)
            .bind(job_id)
            .bind(from.as_str())
            .execute(&mut *tx)
            .await?
            .rows_affected();
    if moved != 1 {
        return Err(ActionError::NotNow { from: "changed meanwhile", action: action.past_tense() });
    }
    event(&mut tx, job_id, now, action.kind(), (from, to), &details).await?;
    if let Some(order_id) = order_id {
        move_order(&mut tx, &order_id, to, &details, now).await?;
    }
    tx.commit().await?;
    mail::wake(state);
    Ok(to)
}

async fn event(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    job_id: &str,
    now: i64,
    kind: &str,
    (from, to): (PrintJobStatus, PrintJobStatus),
    details: &str,
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO print_job_events (job_id, at, actor, kind, from_status, to_status, details) \
         VALUES ($1, $2, 'staff', $3, $4, $5, $6)",
    )
    .bind(job_id)
    .bind(now)
    .bind(kind)
    .bind(from.as_str())
    .bind(to.as_str())
    .bind(details)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// The shop order's step for the job's new status, with the customer's email.
async fn move_order(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    order_id: &str,
    job_status: PrintJobStatus,
    details: &str,
    now: i64,
) -> sqlx::Result<()> {
    let row = sqlx::query(sqlx::AssertSqlSafe(format!("SELECT {ORDER_COLUMNS} FROM orders WHERE id = $1")))
        .bind(order_id)
        .fetch_one(&mut **tx)
        .await?;
    let order: OrderView = orders::from_row(&row)?;
    let (next, note, mail) = match (job_status, order.delivery) {
        (PrintJobStatus::Printing, _) => {
            (OrderStatus::Printing, "Your keepsake is being printed.".to_string(), None)
        }
        (PrintJobStatus::Completed, Delivery::Pickup) => (
            OrderStatus::ReadyForPickup,
            "Printed and ready for pickup at the lab.".to_string(),
            Some(mail::order_ready_for_pickup(&order)),
        ),
        (PrintJobStatus::Completed, Delivery::Ship) => {
            (OrderStatus::Shipped, "Printed and shipped.".to_string(), Some(mail::order_shipped(&order, &[])))
        }
        (PrintJobStatus::PaidPickedUp, _) => (OrderStatus::Collected, details.to_string(), None),
        _ => return Ok(()),
    };
    if !order.status.can_become(next) {
        // The order went its own way (e.g. sent out): the lab's step stands alone.
        return Ok(());
    }
    sqlx::query("UPDATE orders SET status = $1, updated_at = $2 WHERE id = $3 AND status = $4")
        .bind(next.as_str())
        .bind(now)
        .bind(order_id)
        .bind(order.status.as_str())
        .execute(&mut **tx)
        .await?;
    orders::add_event(tx, order_id, Some(order.status), next, &note, now).await?;
    if let Some(mail) = mail {
        mail::enqueue(tx, &mail).await?;
    }
    Ok(())
}
