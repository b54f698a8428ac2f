//! Orders: what the customer fills in at checkout (checked the same way in
//! the browser and on the server), how an order's amounts are worked out,
//! and an order as its page shows it.

use serde::{Deserialize, Serialize};

use crate::error::AppError;

/// Where an order stands. Statuses only move forward (see [`OrderStatus::can_become`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum OrderStatus {
    /// Sent to Stripe Checkout; not paid yet.
    AwaitingPayment,
    /// No online payment: the customer pays when collecting (or staff record it).
    PayAtPickup,
    Paid,
    /// Stripe gave up on the payment (e.g. a bank transfer that failed), or the session expired.
    PaymentFailed,
    /// Waiting in the lab's queue.
    ReadyToPrint,
    Printing,
    Shipped,
    ReadyForPickup,
    Collected,
}

impl OrderStatus {
    pub const ALL: [OrderStatus; 9] = [
        OrderStatus::AwaitingPayment,
        OrderStatus::PayAtPickup,
        OrderStatus::Paid,
        OrderStatus::PaymentFailed,
        OrderStatus::ReadyToPrint,
        OrderStatus::Printing,
        OrderStatus::Shipped,
        OrderStatus::ReadyForPickup,
        OrderStatus::Collected,
    ];

    /// The name kept in the database.
    pub fn as_str(self) -> &'static str {
        match self {
            OrderStatus::AwaitingPayment => "awaiting_payment",
            OrderStatus::PayAtPickup => "pay_at_pickup",
            OrderStatus::Paid => "paid",
            OrderStatus::PaymentFailed => "payment_failed",
            OrderStatus::ReadyToPrint => "ready_to_print",
            OrderStatus::Printing => "printing",
            OrderStatus::Shipped => "shipped",
            OrderStatus::ReadyForPickup => "ready_for_pickup",
            OrderStatus::Collected => "collected",
        }
    }

    pub fn parse(name: &str) -> Option<OrderStatus> {
        OrderStatus::ALL.into_iter().find(|status| status.as_str() == name)
    }

    /// In the customer's words.
    pub fn label(self) -> &'static str {
        match self {
            OrderStatus::AwaitingPayment => "Waiting for payment",
            OrderStatus::PayAtPickup => "Placed — pay when you collect",
            OrderStatus::Paid => "Paid",
            OrderStatus::PaymentFailed => "Payment did not go through",
            OrderStatus::ReadyToPrint => "In the print queue",
            OrderStatus::Printing => "Printing",
            OrderStatus::Shipped => "Shipped",
            OrderStatus::ReadyForPickup => "Ready for pickup",
            OrderStatus::Collected => "Collected",
        }
    }

    /// Whether an order may move from `self` to `next`. Nothing goes back,
    /// so a replayed or late payment event can never undo a later step.
    pub fn can_become(self, next: OrderStatus) -> bool {
        use OrderStatus::*;
        matches!(
            (self, next),
            (AwaitingPayment, Paid | PaymentFailed)
                | (PaymentFailed, Paid)
                | (Paid | PayAtPickup, ReadyToPrint)
                // Printed at once (or by an outside service) without waiting in the queue.
                | (Paid | PayAtPickup | ReadyToPrint, Printing)
                | (Printing, Shipped | ReadyForPickup)
                | (Shipped | ReadyForPickup, Collected)
        )
    }
}

/// How the keepsake reaches the customer.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Delivery {
    Ship,
    Pickup,
}

/// How the customer pays.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Payment {
    /// Online, by card through Stripe Checkout (when the shop has set it up).
    Card,
    /// At the lab's counter when collecting (or as the lab arranges).
    #[default]
    AtPickup,
}

/// A postal address for shipping.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Address {
    pub line1: String,
    #[serde(default)]
    pub line2: String,
    pub city: String,
    #[serde(default)]
    pub region: String,
    pub postal_code: String,
    /// ISO 3166-1 alpha-2, e.g. `US`.
    pub country: String,
}

/// Most keepsakes one order may ask for.
pub const MAX_QUANTITY: u32 = 20;
const MAX_FIELD_CHARS: usize = 120;

/// The checkout form, as sent by the page or a script.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OrderForm {
    /// The studio keepsake to print (a creation), or empty when ordering a
    /// model priced on `/quote` (then `quote_job` names its quote).
    #[serde(default)]
    pub creation_id: String,
    /// The `/quote` job whose exact price is being ordered.
    #[serde(default)]
    pub quote_job: String,
    pub name: String,
    pub email: String,
    pub delivery: Delivery,
    /// Required when shipping; ignored for pickup.
    #[serde(default)]
    pub address: Option<Address>,
    pub quantity: u32,
    /// Card (when the shop takes cards) or at pickup; at pickup when left out.
    #[serde(default)]
    pub payment: Payment,
}

fn invalid(field: &str, message: impl Into<String>) -> AppError {
    AppError::Invalid { field: field.to_string(), message: message.into() }
}

/// A required one-line text field: trimmed, not empty, not too long, no control characters.
pub(crate) fn line(field: &str, what: &str, value: &str) -> Result<String, AppError> {
    let value = value.trim();
    if value.is_empty() {
        return Err(invalid(field, format!("Please enter {what}.")));
    }
    if value.chars().count() > MAX_FIELD_CHARS {
        return Err(invalid(
            field,
            format!("That is too long for {what} (at most {MAX_FIELD_CHARS} characters)."),
        ));
    }
    if value.chars().any(char::is_control) {
        return Err(invalid(field, format!("{what} cannot contain line breaks or control characters.")));
    }
    Ok(value.to_string())
}

/// A plausible email address: one `@`, a dot in the domain, no spaces. The
/// receipt proves it; this only catches typing slips.
pub(crate) fn email(value: &str) -> Result<String, AppError> {
    let value = line("email", "your email address", value)?;
    let valid = match value.split_once('@') {
        Some((local, domain)) => {
            !local.is_empty()
                && !domain.contains('@')
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
                && !value.contains(char::is_whitespace)
        }
        None => false,
    };
    match valid {
        true => Ok(value),
        false => Err(invalid("email", "That does not look like an email address (like name@example.com).")),
    }
}

impl Address {
    fn checked(&self) -> Result<Address, AppError> {
        let country = self.country.trim().to_ascii_uppercase();
        if country.len() != 2 || !country.chars().all(|c| c.is_ascii_alphabetic()) {
            return Err(invalid("country", "Please give the country as its two-letter code, like US or GB."));
        }
        let optional = |field: &str, value: &str| match value.trim() {
            "" => Ok(String::new()),
            value => line(field, "this line", value),
        };
        Ok(Address {
            line1: line("line1", "the street address", &self.line1)?,
            line2: optional("line2", &self.line2)?,
            city: line("city", "the town or city", &self.city)?,
            region: optional("region", &self.region)?,
            postal_code: line("postal_code", "the postal code", &self.postal_code)?,
            country,
        })
    }

    /// One line per part, for receipts and labels.
    pub fn lines(&self) -> Vec<String> {
        let place = [self.city.as_str(), self.region.as_str(), self.postal_code.as_str()]
            .into_iter()
            .filter(|part| !part.is_empty())
            .collect::<Vec<_>>()
            .join(" ");
        [self.line1.clone(), self.line2.clone(), place, self.country.clone()]
            .into_iter()
            .filter(|line| !line.is_empty())
            .collect()
    }
}

impl OrderForm {
    /// The form with its text trimmed, or the first field that is wrong.
    pub fn checked(&self) -> Result<OrderForm, AppError> {
        let name = line("name", "your name", &self.name)?;
        let email = email(&self.email)?;
        if !(1..=MAX_QUANTITY).contains(&self.quantity) {
            return Err(invalid("quantity", format!("You can order 1 to {MAX_QUANTITY} at a time.")));
        }
        let address = match (self.delivery, &self.address) {
            (Delivery::Pickup, _) => None,
            (Delivery::Ship, Some(address)) => Some(address.checked()?),
            (Delivery::Ship, None) => return Err(invalid("line1", "Please enter the address to ship to.")),
        };
        let (creation_id, quote_job) = (self.creation_id.trim(), self.quote_job.trim());
        if creation_id.is_empty() == quote_job.is_empty() {
            return Err(invalid(
                "order",
                "Order one thing at a time: a keepsake from the studio or a priced model.",
            ));
        }
        Ok(OrderForm {
            creation_id: creation_id.to_string(),
            quote_job: quote_job.to_string(),
            name,
            email,
            delivery: self.delivery,
            address,
            quantity: self.quantity,
            payment: self.payment,
        })
    }

    /// Checks the payment choice against what the shop takes: cards only
    /// when it has set them up, and a shipped keepsake paid by card when it does.
    pub fn payment_allowed(&self, card_payments: bool) -> Result<(), AppError> {
        match (self.payment, card_payments, self.delivery) {
            (Payment::Card, false, _) => Err(invalid(
                "payment",
                "Paying by card is not set up here: choose to pay when you collect it.",
            )),
            (Payment::AtPickup, true, Delivery::Ship) => Err(invalid(
                "payment",
                "A keepsake we ship is paid by card. Pick it up at the lab to pay there.",
            )),
            _ => Ok(()),
        }
    }
}

/// What an order costs, in integer cents.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Amounts {
    /// One keepsake: its material and the service, never below the shop's minimum.
    pub unit_cents: u64,
    pub quantity: u32,
    /// Once per order; nothing for pickup.
    pub shipping_cents: u64,
    pub total_cents: u64,
    pub currency: String,
}

impl Amounts {
    /// The amounts for `quantity` keepsakes whose material costs
    /// `material_cents` each, with the shop's service charge, shipping and
    /// minimum (the same rules as a quote's price, per keepsake).
    pub fn work_out(
        material_cents: u64,
        (service_cents, shipping_cents, minimum_cents): (u64, u64, u64),
        quantity: u32,
        delivery: Delivery,
        currency: &str,
    ) -> Amounts {
        let unit_cents = (material_cents + service_cents).max(minimum_cents);
        let shipping_cents = match delivery {
            Delivery::Ship => shipping_cents,
            Delivery::Pickup => 0,
        };
        Amounts {
            unit_cents,
            quantity,
            shipping_cents,
            total_cents: unit_cents * u64::from(quantity) + shipping_cents,
            currency: currency.to_string(),
        }
    }
}

/// One step in an order's history.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OrderEvent {
    /// UTC milliseconds since the Unix epoch.
    pub at_ms: i64,
    pub status: OrderStatus,
    pub note: String,
}

/// An order as its page (and `GET /api/orders/{id}?t=…`) shows it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OrderView {
    pub id: String,
    pub status: OrderStatus,
    pub title: String,
    pub thumbnail_url: Option<String>,
    pub name: String,
    pub email: String,
    pub delivery: Delivery,
    pub address: Option<Address>,
    pub amounts: Amounts,
    pub model_g: f64,
    pub support_g: f64,
    pub print_time_s: u64,
    /// Online payment (Stripe) or at pickup.
    pub pay_online: bool,
    /// Stripe's payment page while the order waits for its card payment.
    pub payment_url: Option<String>,
    pub history: Vec<OrderEvent>,
    /// While it prints on one of the lab's printers: which, and how far.
    #[serde(default)]
    pub on_printer: Option<crate::staff::OnPrinter>,
}

mod checkout;
pub use checkout::CheckoutFields;

#[cfg(test)]
mod tests;
