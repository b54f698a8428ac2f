//! Outside fulfilment: sending a shipped order to Slant 3D instead of
//! printing it in the lab, and following it until it ships. Started by staff
//! (`memoreez orders send-out` / `track` until the staff pages exist).

use app::order::{Delivery, OrderStatus, OrderView};
use app::print_job::PrintJobStatus;
use sqlx::Row;

use crate::mail::outbox;
use crate::mail::shop as shop_mail;
use crate::platform::time::now_ms;
use crate::shop::orders::{self, ORDER_COLUMNS};
use crate::shop::slant3d::{OutsideOrder, ShipTo, Slant3dError, Tracking};
use crate::state::AppState;

/// How long a print-file link given to an outside service keeps working.
pub const FILE_LINK_DAYS: i64 = 7;

#[derive(thiserror::Error, Debug)]
pub enum OutsideError {
    #[error("no order {0}")]
    NotFound(String),
    #[error("outside fulfilment is not set up: set MEMOREEZ_SLANT3D_API_KEY")]
    NotConfigured,
    #[error("order {0} is collected at the lab: only shipped orders can be printed outside")]
    Collected(String),
    #[error(
        "order {id} is {status}: only a paid (or pay-at-pickup) order that is not printing yet can be sent out"
    )]
    NotReady { id: String, status: &'static str },
    #[error("order {id} was already sent to {service} (their order {their_id})")]
    AlreadySent { id: String, service: String, their_id: String },
    #[error("order {0} has not been sent out")]
    NotSent(String),
    #[error(transparent)]
    Service(#[from] Slant3dError),
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
}

/// What sending out did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Sent {
    pub their_id: String,
    /// Their price for printing and shipping, in cents (what the shop pays them).
    pub their_price_cents: u64,
}

struct Loaded {
    order: OrderView,
    outside_service: Option<String>,
    outside_order_id: Option<String>,
}

async fn load(state: &AppState, id: &str) -> Result<Loaded, OutsideError> {
    let row = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {ORDER_COLUMNS}, outside_service, outside_order_id FROM orders WHERE id = $1"
    )))
    .bind(id)
    .fetch_optional(state.db.pool())
    .await?
    .ok_or_else(|| OutsideError::NotFound(id.to_string()))?;
    Ok(Loaded {
        order: orders::from_row(&row)?,
        outside_service: row.try_get("outside_service")?,
        outside_order_id: row.try_get("outside_order_id")?,
    })
}

/// The order as Slant 3D needs it, with signed links to its files.
fn outside_order(state: &AppState, order: &OrderView, color: &str) -> Result<OutsideOrder, OutsideError> {
    let address = match (order.delivery, &order.address) {
        (Delivery::Ship, Some(address)) => address.clone(),
        _ => return Err(OutsideError::Collected(order.id.clone())),
    };
    let link = |file: &str| crate::shop::order_links::file_link(state, &order.id, file, FILE_LINK_DAYS);
    Ok(OutsideOrder {
        order_number: order.id.clone(),
        item_name: order.title.clone(),
        file_url: link("keepsake.stl"),
        image_url: link("thumbnail.png"),
        quantity: order.amounts.quantity,
        color: color.to_string(),
        ship_to: ShipTo {
            name: order.name.clone(),
            email: order.email.clone(),
            line1: address.line1,
            line2: address.line2,
            city: address.city,
            region: address.region,
            postal_code: address.postal_code,
            country: address.country,
        },
    })
}

fn ready(row: &Loaded) -> Result<(), OutsideError> {
    if let (Some(service), Some(their_id)) = (&row.outside_service, &row.outside_order_id) {
        return Err(OutsideError::AlreadySent {
            id: row.order.id.clone(),
            service: service.clone(),
            their_id: their_id.clone(),
        });
    }
    if !row.order.status.can_become(OrderStatus::Printing) {
        return Err(OutsideError::NotReady { id: row.order.id.clone(), status: row.order.status.as_str() });
    }
    Ok(())
}

/// Their price for printing and shipping the order, without placing it.
pub async fn estimate(state: &AppState, order_id: &str, color: &str) -> Result<u64, OutsideError> {
    let service = state.outside.clone().ok_or(OutsideError::NotConfigured)?;
    let row = load(state, order_id).await?;
    ready(&row)?;
    let outside = outside_order(state, &row.order, color)?;
    Ok(service.estimate(&outside).await?)
}

/// Places the order with Slant 3D and marks it printing there.
pub async fn send(state: &AppState, order_id: &str, color: &str) -> Result<Sent, OutsideError> {
    let service = state.outside.clone().ok_or(OutsideError::NotConfigured)?;
    let row = load(state, order_id).await?;
    ready(&row)?;
    let outside = outside_order(state, &row.order, color)?;
    let their_price_cents = service.estimate(&outside).await?;
    let their_id = service.place(&outside).await?;
    let now = now_ms();
    let mut tx = state.db.begin_write().await?;
    let moved = sqlx::query(
        "UPDATE orders SET status = $1, outside_service = 'slant3d', outside_order_id = $2, updated_at = $3 \
         WHERE id = $4 AND status = $5 AND outside_order_id IS NULL",
    )
    .bind(OrderStatus::Printing.as_str())
    .bind(&their_id)
    .bind(now)
    .bind(order_id)
    .bind(row.order.status.as_str())
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if moved != 1 {
        // Changed meanwhile; their order exists: say so loudly so staff cancel it there.
        tracing::error!(order = %order_id, %their_id, "order changed while it was being sent to Slant 3D");
        return Err(OutsideError::NotReady { id: order_id.to_string(), status: "changed meanwhile" });
    }
    let note = "Sent to our print partner Slant 3D, who print it and ship it to you.";
    orders::add_event(&mut tx, order_id, Some(row.order.status), OrderStatus::Printing, note, now).await?;
    let details = format!("Printed and shipped by Slant 3D (their order {their_id}), not in the lab.");
    crate::lab::print_jobs::advance_order_job(
        &mut tx,
        order_id,
        PrintJobStatus::Printing,
        ("staff", "sent_out", &details),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(Sent { their_id, their_price_cents })
}

/// Asks Slant 3D where the order is; once they have shipped it, the order
/// is marked shipped (with the tracking numbers) and the customer emailed.
pub async fn track(state: &AppState, order_id: &str) -> Result<Tracking, OutsideError> {
    let service = state.outside.clone().ok_or(OutsideError::NotConfigured)?;
    let row = load(state, order_id).await?;
    let their_id = row.outside_order_id.clone().ok_or_else(|| OutsideError::NotSent(order_id.to_string()))?;
    let tracking = service.tracking(&their_id).await?;
    let now = now_ms();
    let mut tx = state.db.begin_write().await?;
    sqlx::query("UPDATE orders SET outside_status = $1 WHERE id = $2")
        .bind(&tracking.status)
        .bind(order_id)
        .execute(&mut *tx)
        .await?;
    let shipped = tracking.status.eq_ignore_ascii_case("shipped") || !tracking.tracking_numbers.is_empty();
    if shipped && row.order.status.can_become(OrderStatus::Shipped) {
        sqlx::query("UPDATE orders SET status = $1, updated_at = $2 WHERE id = $3 AND status = $4")
            .bind(OrderStatus::Shipped.as_str())
            .bind(now)
            .bind(order_id)
            .bind(row.order.status.as_str())
            .execute(&mut *tx)
            .await?;
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
    outbox::wake(state);
    Ok(tracking)
}
