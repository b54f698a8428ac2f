//! Orders on the server: placing one for a priced keepsake (every amount
//! worked out here from the stored quote and the shop's price book), the
//! order's page by its token, and its history.

use app::error::AppError;
use app::order::{Address, Amounts, Delivery, OrderEvent, OrderForm, OrderStatus, OrderView};
use app::report::FunnelStep;

use crate::mail::outbox;
use crate::mail::shop as shop_mail;
use crate::payments::stripe::Session;
use crate::platform::db::Db;
use crate::platform::time::now_ms;
use crate::platform::tokens::token_hash;
use crate::platform::visitors::VisitorId;
use crate::shop::ShopContext;
use crate::shop::order_links::file_link;
use crate::shop::studio::StudioError;

pub mod card_payments;
pub mod lab_steps;
mod place;
pub use place::place;
use place::stored_quote;

/// A title for an order whose creation has none.
const DEFAULT_TITLE: &str = "Your keepsake";

#[derive(thiserror::Error, Debug)]
pub enum OrderError {
    /// A checkout field is wrong; the message is for the customer.
    #[error(transparent)]
    Invalid(#[from] app::error::AppError),
    #[error("Get the exact price in the studio first: an order is for a keepsake that has been priced.")]
    NotPriced,
    #[error("The exact price is still being worked out. Order once it is shown.")]
    PriceNotReady,
    /// The keepsake rebuilt now is not the one the price is for (another
    /// design was picked, or the settings changed, since).
    #[error("The keepsake changed since it was priced; get a new price.")]
    Changed,
    #[error("not found")]
    NotFound,
    #[error(transparent)]
    Database(#[from] sqlx::Error),
    #[error("the keepsake could not be kept for printing: {0}")]
    Keepsake(String),
    #[error(
        "We could not start the card payment just now. Please try again in a moment, or choose to pay when you collect it."
    )]
    PaymentUnavailable,
}

impl From<OrderError> for AppError {
    fn from(error: OrderError) -> Self {
        match error {
            OrderError::Invalid(error) => error,
            OrderError::NotPriced | OrderError::PriceNotReady | OrderError::Changed => {
                AppError::Conflict { field: "order".into(), message: error.to_string() }
            }
            OrderError::NotFound => AppError::NotFound,
            OrderError::PaymentUnavailable => {
                AppError::Unavailable { field: "payment".into(), message: error.to_string() }
            }
            OrderError::Database(error) => crate::platform::app_error::database(error),
            other => crate::platform::app_error::internal(other),
        }
    }
}

impl From<StudioError> for OrderError {
    fn from(error: StudioError) -> Self {
        match error {
            StudioError::NotFound => OrderError::NotFound,
            StudioError::NotReady => OrderError::NotPriced,
            StudioError::Database(error) => OrderError::Database(error),
            other => OrderError::Keepsake(other.to_string()),
        }
    }
}

/// A new order: its id and the token that opens its page (shown once; only
/// its hash is kept).
pub struct Placed {
    pub id: String,
    pub token: String,
    pub status: OrderStatus,
    /// Stripe's payment page, when paying by card.
    pub payment_url: Option<String>,
}

impl Placed {
    pub fn page_url(&self) -> String {
        page_path(&self.id, &self.token)
    }

    /// Where the customer goes next: Stripe's payment page, or the order's own.
    pub fn next_url(&self) -> String {
        self.payment_url.clone().unwrap_or_else(|| self.page_url())
    }
}

pub fn page_path(id: &str, token: &str) -> String {
    format!("/orders/{id}?t={token}")
}

/// Where the order's keepsake (binary STL, exactly as priced) is kept.
pub fn keepsake_key(order_id: &str) -> String {
    format!("orders/{order_id}/keepsake.stl")
}

/// The keepsake's picture as ordered (pedestal and words included).
pub fn thumbnail_key(order_id: &str) -> String {
    format!("orders/{order_id}/thumbnail.png")
}

/// The order's picture, for whoever has its link.
pub fn thumbnail_path(order_id: &str, token: &str) -> String {
    format!("/api/orders/{order_id}/thumbnail.png?t={token}")
}

/// The files of an order that signed links open, by name.
pub const ORDER_FILES: [&str; 3] = ["keepsake.stl", "thumbnail.png", "print.gcode"];

/// Where an order's file is kept: the G-code is the one its quote's slice made.
/// Every order's id (the orphan sweep keeps their files).
pub async fn all_ids(db: &Db) -> sqlx::Result<Vec<String>> {
    sqlx::query_scalar("SELECT id FROM orders").fetch_all(db.pool()).await
}

pub async fn file_key(db: &Db, order_id: &str, file: &str) -> Result<String, OrderError> {
    match file {
        "keepsake.stl" => Ok(keepsake_key(order_id)),
        "thumbnail.png" => Ok(thumbnail_key(order_id)),
        "print.gcode" => {
            let quote_id: String = sqlx::query_scalar("SELECT quote_id FROM orders WHERE id = $1")
                .bind(order_id)
                .fetch_optional(db.pool())
                .await?
                .ok_or(OrderError::NotFound)?;
            stored_quote(db, &quote_id).await?.1.ok_or(OrderError::NotFound)
        }
        _ => Err(OrderError::NotFound),
    }
}

/// Whether `token` opens order `id` (one indexed lookup, for its files).
pub async fn opens(db: &Db, id: &str, token: &str) -> Result<(), OrderError> {
    sqlx::query("SELECT id FROM orders WHERE id = $1 AND token_hash = $2")
        .bind(id)
        .bind(token_hash(token))
        .fetch_optional(db.pool())
        .await?
        .map(|_| ())
        .ok_or(OrderError::NotFound)
}

/// The columns [`from_row`] reads.
pub(crate) const ORDER_COLUMNS: &str = "id, creation_id, status, payment, customer_name, email, delivery, address, \
     quantity, unit_cents, shipping_cents, total_cents, currency, model_g, support_g, print_time_s, stripe_checkout_url, \
     title";

/// The order whose page `token` opens, as its page shows it.
pub async fn view(cx: &ShopContext, id: &str, token: &str) -> Result<OrderView, OrderError> {
    let db = &cx.db;
    let row = sqlx::query(sqlx::AssertSqlSafe(format!(
        // Only our own column list goes into the text; values are bound.
        "SELECT {ORDER_COLUMNS} FROM orders WHERE id = $1 AND token_hash = $2"
    )))
    .bind(id)
    .bind(token_hash(token))
    .fetch_optional(db.pool())
    .await?
    .ok_or(OrderError::NotFound)?;
    let mut order = from_row(&row)?;
    order.thumbnail_url = Some(thumbnail_path(id, token));
    let history: Vec<(i64, String, String)> =
        sqlx::query_as("SELECT at, to_status, note FROM order_events WHERE order_id = $1 ORDER BY id")
            .bind(id)
            .fetch_all(db.pool())
            .await?;
    order.history = history
        .into_iter()
        .map(|(at_ms, to_status, note)| Ok(OrderEvent { at_ms, status: status_of(&to_status)?, note }))
        .collect::<sqlx::Result<Vec<_>>>()?;
    if order.status == OrderStatus::Printing {
        order.on_printer = crate::lab::printing::order_on_printer(db, id).await?;
    }
    Ok(order)
}

fn status_of(name: &str) -> sqlx::Result<OrderStatus> {
    OrderStatus::parse(name)
        .ok_or_else(|| sqlx::Error::Decode(format!("unknown order status {name:?}").into()))
}

/// An `orders` row as [`ORDER_COLUMNS`] reads it.
#[derive(sqlx::FromRow)]
struct OrderRow {
    id: String,
    status: String,
    payment: String,
    customer_name: String,
    email: String,
    delivery: String,
    address: Option<String>,
    quantity: i64,
    unit_cents: i64,
    shipping_cents: i64,
    total_cents: i64,
    currency: String,
    model_g: f64,
    support_g: f64,
    print_time_s: i64,
    stripe_checkout_url: Option<String>,
    title: Option<String>,
}

/// An order row of [`ORDER_COLUMNS`] (more columns may follow) as its page
/// shows it (without its history or picture link).
pub(crate) fn from_row(row: &sqlx::any::AnyRow) -> sqlx::Result<OrderView> {
    let row = <OrderRow as sqlx::FromRow<'_, sqlx::any::AnyRow>>::from_row(row)?;
    let decode = |e: serde_json::Error| sqlx::Error::Decode(Box::new(e));
    let status = status_of(&row.status)?;
    let address: Option<Address> =
        row.address.map(|json| serde_json::from_str(&json)).transpose().map_err(decode)?;
    let cents = |value: i64| value.max(0) as u64;
    Ok(OrderView {
        id: row.id,
        status,
        title: row.title.unwrap_or_else(|| DEFAULT_TITLE.into()),
        // Its link needs the order's token: set by whoever has it.
        thumbnail_url: None,
        name: row.customer_name,
        email: row.email,
        delivery: match row.delivery.as_str() {
            "ship" => Delivery::Ship,
            _ => Delivery::Pickup,
        },
        address,
        amounts: Amounts {
            unit_cents: cents(row.unit_cents),
            quantity: row.quantity.clamp(0, i64::from(u32::MAX)) as u32,
            shipping_cents: cents(row.shipping_cents),
            total_cents: cents(row.total_cents),
            currency: row.currency,
        },
        model_g: row.model_g,
        support_g: row.support_g,
        print_time_s: cents(row.print_time_s),
        pay_online: row.payment == "stripe",
        // Offered only while the payment is still to be made.
        payment_url: row.stripe_checkout_url.filter(|_| status == OrderStatus::AwaitingPayment),
        history: Vec::new(),
        on_printer: None,
    })
}

async fn record(
    cx: &ShopContext,
    visitor: &VisitorId,
    form: &OrderForm,
    (placed, order): (&Placed, &OrderView),
    (quote_id, mesh_sha256): (&str, &str),
    session: Option<&Session>,
    link: &str,
) -> Result<(), OrderError> {
    let now = now_ms();
    let address = form.address.as_ref().map(|a| serde_json::to_string(a).expect("an address serialises"));
    let delivery = match form.delivery {
        Delivery::Ship => "ship",
        Delivery::Pickup => "pickup",
    };
    let amounts = &order.amounts;
    let mut tx = cx.db.begin_write().await?;
    sqlx::query(
        "INSERT INTO orders (id, token_hash, visitor_id, creation_id, quote_id, mesh_sha256, status, payment, \
         customer_name, email, delivery, address, quantity, unit_cents, shipping_cents, total_cents, currency, \
         model_g, support_g, print_time_s, created_at, updated_at, stripe_session_id, stripe_checkout_url, title, \
         quote_job_id) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $21, \
         $22, $23, $24, $25)",
    )
    .bind(&placed.id)
    .bind(token_hash(&placed.token))
    .bind(&visitor.0)
    .bind(&form.creation_id)
    .bind(quote_id)
    .bind(mesh_sha256)
    .bind(placed.status.as_str())
    .bind(if session.is_some() { "stripe" } else { "pickup" })
    .bind(&form.name)
    .bind(&form.email)
    .bind(delivery)
    .bind(address)
    .bind(i64::from(form.quantity))
    .bind(amounts.unit_cents as i64)
    .bind(amounts.shipping_cents as i64)
    .bind(amounts.total_cents as i64)
    .bind(&amounts.currency)
    .bind(order.model_g)
    .bind(order.support_g)
    .bind(order.print_time_s as i64)
    .bind(now)
    .bind(session.map(|s| s.id.clone()))
    .bind(session.map(|s| s.url.clone()))
    .bind(&order.title)
    .bind(Some(&form.quote_job).filter(|job| !job.is_empty()))
    .execute(&mut *tx)
    .await?;
    let note = match (session, cx.card_payments.is_some()) {
        (Some(_), _) => "Order placed. Waiting for your card payment at Stripe.",
        (None, true) => "Order placed. You pay when you collect it.",
        (None, false) => "Order placed. No online payment is set up: you pay when you collect it.",
    };
    add_event(&mut tx, &placed.id, None, placed.status, note, now).await?;
    crate::reports::funnel::order_reached(&mut tx, &placed.id, FunnelStep::CheckoutStarted, now).await?;
    // Paid at pickup, it joins the lab's queue now; paid by card, once paid.
    if session.is_none() {
        crate::lab::print_jobs::queue_shop_order(
            &mut tx,
            order,
            &keepsake_key(&placed.id),
            "pay at pickup",
            now,
        )
        .await?;
    }
    // Paid by card, the receipt and the lab's alert wait until Stripe says
    // the money is taken.
    let lab_links = shop_mail::LabLinks {
        model: file_link((&cx.links, &cx.config), &placed.id, "keepsake.stl", shop_mail::LAB_LINK_DAYS),
        picture: file_link((&cx.links, &cx.config), &placed.id, "thumbnail.png", shop_mail::LAB_LINK_DAYS),
        gcode: file_link((&cx.links, &cx.config), &placed.id, "print.gcode", shop_mail::LAB_LINK_DAYS),
    };
    for message in shop_mail::order_placed(&cx.config, order, link, &lab_links) {
        match session {
            None => outbox::enqueue(&mut tx, &message).await?,
            Some(_) => outbox::enqueue_held(&mut tx, &message, &placed.id).await?,
        };
    }
    tx.commit().await?;
    Ok(())
}

/// Moves order `order_id` from `from` to `next` (only if it is still at
/// `from`: a concurrent change makes this do nothing) and logs it with
/// `note`. Whether it moved. The rooms that move an order (a payment, the
/// lab's steps) do it through here: `orders` is written by the shop alone.
pub(crate) async fn move_status(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    order_id: &str,
    (from, next): (OrderStatus, OrderStatus),
    note: &str,
    now: i64,
) -> sqlx::Result<bool> {
    let moved = sqlx::query("UPDATE orders SET status = $1, updated_at = $2 WHERE id = $3 AND status = $4")
        .bind(next.as_str())
        .bind(now)
        .bind(order_id)
        .bind(from.as_str())
        .execute(&mut **tx)
        .await?
        .rows_affected();
    if moved != 1 {
        return Ok(false);
    }
    add_event(tx, order_id, Some(from), next, note, now).await?;
    Ok(true)
}

pub(crate) async fn add_event(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    order_id: &str,
    from: Option<OrderStatus>,
    to: OrderStatus,
    note: &str,
    at: i64,
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO order_events (order_id, at, from_status, to_status, note) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(order_id)
    .bind(at)
    .bind(from.map(OrderStatus::as_str))
    .bind(to.as_str())
    .bind(note)
    .execute(&mut **tx)
    .await?;
    Ok(())
}
