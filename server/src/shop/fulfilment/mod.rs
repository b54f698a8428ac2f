//! Outside fulfilment: sending a shipped order to Slant 3D instead of
//! printing it in the lab, and following it until it ships. Started by staff
//! from the order's print job page ("Print outside") or with
//! `memoreez orders send-out` / `track`; both say the same words.

use app::order::{Delivery, OrderStatus, OrderView};
use app::print_job::PrintJobStatus;

use crate::platform::time::now_ms;
use crate::shop::ShopContext;
use crate::shop::orders::{self, ORDER_COLUMNS};
use crate::shop::slant3d::{OutsideOrder, ShipTo, Slant3dError};

mod tracking;
pub use tracking::{TRACK_EVERY, follow, track, track_sent, tracking_words};

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
    #[error("order {0} is paid at pickup and not paid yet: only an order paid online can be sent out")]
    Unpaid(String),
    #[error("order {id} was already sent to {service} (their order {their_id})")]
    AlreadySent { id: String, service: String, their_id: String },
    /// Another click or instance is placing it with them now.
    #[error(
        "order {0} is being sent to Slant 3D right now; if that send broke off, check their dashboard before trying again in 15 minutes"
    )]
    Sending(String),
    #[error("order {0} has not been sent out")]
    NotSent(String),
    #[error(transparent)]
    Service(#[from] Slant3dError),
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
}

impl From<OutsideError> for app::error::AppError {
    fn from(error: OutsideError) -> Self {
        use app::error::AppError;
        let field = "outside".to_string();
        match error {
            OutsideError::NotFound(_) => AppError::NotFound,
            OutsideError::NotConfigured
            | OutsideError::Service(Slant3dError::Unreachable(_) | Slant3dError::Unreadable) => {
                AppError::Unavailable { field, message: error.to_string() }
            }
            // Their own words on what they would not take (an address, a colour).
            OutsideError::Service(Slant3dError::Refused(_)) => {
                AppError::Invalid { field, message: error.to_string() }
            }
            OutsideError::Collected(_)
            | OutsideError::NotReady { .. }
            | OutsideError::Unpaid(_)
            | OutsideError::Sending(_)
            | OutsideError::AlreadySent { .. }
            | OutsideError::NotSent(_) => AppError::Conflict { field, message: error.to_string() },
            OutsideError::Database(error) => crate::platform::app_error::database(error),
        }
    }
}

/// Their price in words, as staff read it before sending.
pub fn price_words(order_id: &str, cents: u64) -> String {
    format!("Slant 3D would charge {} USD to print and ship order {order_id}.", app::quote::money(cents))
}

/// What sending out did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Sent {
    pub their_id: String,
    /// Their price for printing and shipping, in cents (what the shop pays them).
    pub their_price_cents: u64,
}

impl Sent {
    pub fn in_words(&self, order_id: &str) -> String {
        format!(
            "Order {order_id} sent to Slant 3D: their order {} ({} USD).",
            self.their_id,
            app::quote::money(self.their_price_cents)
        )
    }
}

/// What the order's print job page offers: sending it out, or following it
/// there once sent.
pub async fn choice(
    cx: &ShopContext,
    _staff: &crate::staff::StaffSession,
    order_id: &str,
) -> Result<app::staff::PrintOutside, OutsideError> {
    let row = load(cx, order_id).await?;
    let can_send = || ready(&row).and_then(|()| outside_order(cx, &row.order, "").map(drop));
    let why_not = match (&row.outside_order_id, &cx.outside) {
        (Some(_), _) => String::new(),
        (None, None) => OutsideError::NotConfigured.to_string(),
        (None, Some(_)) => can_send().err().map(|error| error.to_string()).unwrap_or_default(),
    };
    // The errors read as a command's "error: …"; on the page, as a sentence.
    let mut letters = why_not.chars();
    let why_not =
        letters.next().map(|first| first.to_uppercase().chain(letters).collect()).unwrap_or_default();
    Ok(app::staff::PrintOutside {
        why_not,
        // While a send is claimed, the status column holds the claim's mark.
        their_status: row.outside_status.filter(|_| row.outside_order_id.is_some()),
        their_order: row.outside_order_id,
    })
}

struct Loaded {
    order: OrderView,
    outside_service: Option<String>,
    outside_order_id: Option<String>,
    /// What they last said of it.
    outside_status: Option<String>,
}

/// The outside service's columns of an order's row.
#[derive(sqlx::FromRow)]
struct Outside {
    outside_service: Option<String>,
    outside_order_id: Option<String>,
    outside_status: Option<String>,
}

async fn load(cx: &ShopContext, id: &str) -> Result<Loaded, OutsideError> {
    let row = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {ORDER_COLUMNS}, outside_service, outside_order_id, outside_status FROM orders WHERE id = $1"
    )))
    .bind(id)
    .fetch_optional(cx.db.pool())
    .await?
    .ok_or_else(|| OutsideError::NotFound(id.to_string()))?;
    let outside: Outside = sqlx::FromRow::from_row(&row)?;
    Ok(Loaded {
        order: orders::from_row(&row)?,
        outside_service: outside.outside_service,
        outside_order_id: outside.outside_order_id,
        outside_status: outside.outside_status,
    })
}

/// The order as Slant 3D needs it, with signed links to its files.
fn outside_order(cx: &ShopContext, order: &OrderView, color: &str) -> Result<OutsideOrder, OutsideError> {
    let address = match (order.delivery, &order.address) {
        (Delivery::Ship, Some(address)) => address.clone(),
        _ => return Err(OutsideError::Collected(order.id.clone())),
    };
    let link = |file: &str| {
        crate::shop::order_links::file_link((&cx.links, &cx.config), &order.id, file, FILE_LINK_DAYS)
    };
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
    if row.order.delivery != Delivery::Ship {
        return Err(OutsideError::Collected(row.order.id.clone()));
    }
    if row.outside_service.is_some() {
        return Err(OutsideError::Sending(row.order.id.clone()));
    }
    if !row.order.status.can_become(OrderStatus::Printing) {
        return Err(OutsideError::NotReady { id: row.order.id.clone(), status: row.order.status.as_str() });
    }
    // They print and ship before we are paid otherwise: a pay-at-pickup
    // order is never paid until someone collects it at the lab.
    if !row.order.pay_online || !matches!(row.order.status, OrderStatus::Paid | OrderStatus::ReadyToPrint) {
        return Err(OutsideError::Unpaid(row.order.id.clone()));
    }
    Ok(())
}

/// A send that has not finished in this long is taken to have broken off
/// (its instance stopped mid-call), and the order may be claimed again.
const SEND_CLAIM_MS: i64 = 15 * 60_000;

/// Claims the order for one send, in the database, before Slant 3D is
/// called: of two clicks (or two instances) one claims it and places the
/// order; the other is told it is being sent. The claim's mark, or why not.
async fn claim(cx: &ShopContext, row: &Loaded) -> Result<String, OutsideError> {
    let now = now_ms();
    // `sending:<ms>`: the time is part of the mark, so a stale claim can be
    // told from a live one on either database (same width until 2286).
    let mark = format!("sending:{now:013}");
    let stale = format!("sending:{:013}", now - SEND_CLAIM_MS);
    let claimed = sqlx::query(
        "UPDATE orders SET outside_service = 'slant3d', outside_status = $1 \
         WHERE id = $2 AND status = $3 AND outside_order_id IS NULL \
         AND (outside_service IS NULL OR (outside_status LIKE 'sending:%' AND outside_status < $4))",
    )
    .bind(&mark)
    .bind(&row.order.id)
    .bind(row.order.status.as_str())
    .bind(&stale)
    .execute(cx.db.pool())
    .await?
    .rows_affected();
    if claimed == 1 { Ok(mark) } else { Err(OutsideError::Sending(row.order.id.clone())) }
}

/// Gives a claim back after a send that placed nothing.
async fn release(cx: &ShopContext, order_id: &str, mark: &str) -> Result<(), OutsideError> {
    sqlx::query(
        "UPDATE orders SET outside_service = NULL, outside_status = NULL \
         WHERE id = $1 AND outside_status = $2 AND outside_order_id IS NULL",
    )
    .bind(order_id)
    .bind(mark)
    .execute(cx.db.pool())
    .await?;
    Ok(())
}

/// Their price for printing and shipping the order, without placing it.
pub async fn estimate(
    cx: &ShopContext,
    _staff: &crate::staff::StaffSession,
    order_id: &str,
    color: &str,
) -> Result<u64, OutsideError> {
    let service = cx.outside.clone().ok_or(OutsideError::NotConfigured)?;
    let row = load(cx, order_id).await?;
    ready(&row)?;
    let outside = outside_order(cx, &row.order, color)?;
    Ok(service.estimate(&outside).await?)
}

/// Places the order with Slant 3D and marks it printing there.
pub async fn send(
    cx: &ShopContext,
    _staff: &crate::staff::StaffSession,
    order_id: &str,
    color: &str,
) -> Result<Sent, OutsideError> {
    let service = cx.outside.clone().ok_or(OutsideError::NotConfigured)?;
    let row = load(cx, order_id).await?;
    ready(&row)?;
    let outside = outside_order(cx, &row.order, color)?;
    let mark = claim(cx, &row).await?;
    let placed = async {
        let their_price_cents = service.estimate(&outside).await?;
        let their_id = service.place(&outside).await?;
        Ok::<_, OutsideError>((their_price_cents, their_id))
    };
    let (their_price_cents, their_id) = match placed.await {
        Ok(placed) => placed,
        Err(error) => {
            release(cx, order_id, &mark).await?;
            return Err(error);
        }
    };
    let now = now_ms();
    let mut tx = cx.db.begin_write().await?;
    let moved = sqlx::query(
        "UPDATE orders SET status = $1, outside_service = 'slant3d', outside_order_id = $2, \
         outside_status = NULL, updated_at = $3 \
         WHERE id = $4 AND status = $5 AND outside_status = $6 AND outside_order_id IS NULL",
    )
    .bind(OrderStatus::Printing.as_str())
    .bind(&their_id)
    .bind(now)
    .bind(order_id)
    .bind(row.order.status.as_str())
    .bind(&mark)
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
