//! A client for Slant 3D's print-farm API (outside fulfilment): an order's
//! price with shipping, placing it, and its tracking. Slant 3D downloads the
//! model from a link we give it, prints it and ships it to the customer.
//!
//! The API (`https://www.slant3dapi.com/api`, key in the `api-key` header):
//! `POST /order/estimate` and `POST /order` take a list of order items (one
//! per model) with the customer's and shipping fields as strings, and answer
//! `{"totalPrice": 9.47}` and `{"orderId": "…"}`;
//! `GET /order/{orderId}/get-tracking` answers `{"status", "trackingNumbers"}`.

use std::time::Duration;

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// The address Slant 3D ships to (and bills; the shop is billed by account).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ShipTo {
    pub name: String,
    pub email: String,
    pub line1: String,
    pub line2: String,
    pub city: String,
    pub region: String,
    pub postal_code: String,
    /// ISO 3166-1 alpha-2.
    pub country: String,
}

/// One order to print outside.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OutsideOrder {
    /// Our order id, as their order number.
    pub order_number: String,
    pub item_name: String,
    /// Where they download the STL from (a signed, expiring link).
    pub file_url: String,
    pub image_url: String,
    pub quantity: u32,
    /// Their filament name, e.g. `PLA BLACK`.
    pub color: String,
    pub ship_to: ShipTo,
}

/// An order item as their API takes it: every field a string.
#[derive(Serialize)]
struct Item<'a> {
    email: &'a str,
    phone: &'a str,
    name: &'a str,
    #[serde(rename = "orderNumber")]
    order_number: &'a str,
    filename: String,
    #[serde(rename = "fileURL")]
    file_url: &'a str,
    bill_to_street_1: &'a str,
    bill_to_street_2: &'a str,
    bill_to_city: &'a str,
    bill_to_state: &'a str,
    bill_to_zip: &'a str,
    bill_to_country_as_iso: &'a str,
    #[serde(rename = "bill_to_is_US_residential")]
    bill_to_is_us_residential: &'a str,
    ship_to_name: &'a str,
    ship_to_street_1: &'a str,
    ship_to_street_2: &'a str,
    ship_to_city: &'a str,
    ship_to_state: &'a str,
    ship_to_zip: &'a str,
    ship_to_country_as_iso: &'a str,
    #[serde(rename = "ship_to_is_US_residential")]
    ship_to_is_us_residential: &'a str,
    order_item_name: &'a str,
    order_quantity: String,
    order_image_url: &'a str,
    order_sku: &'a str,
    order_item_color: &'a str,
}

impl OutsideOrder {
    fn items(&self) -> Vec<Item<'_>> {
        let to = &self.ship_to;
        let residential = if to.country == "US" { "true" } else { "false" };
        vec![Item {
            email: &to.email,
            phone: "",
            name: &to.name,
            order_number: &self.order_number,
            filename: format!("{}.stl", self.order_number),
            file_url: &self.file_url,
            bill_to_street_1: &to.line1,
            bill_to_street_2: &to.line2,
            bill_to_city: &to.city,
            bill_to_state: &to.region,
            bill_to_zip: &to.postal_code,
            bill_to_country_as_iso: &to.country,
            bill_to_is_us_residential: residential,
            ship_to_name: &to.name,
            ship_to_street_1: &to.line1,
            ship_to_street_2: &to.line2,
            ship_to_city: &to.city,
            ship_to_state: &to.region,
            ship_to_zip: &to.postal_code,
            ship_to_country_as_iso: &to.country,
            ship_to_is_us_residential: residential,
            order_item_name: &self.item_name,
            order_quantity: self.quantity.to_string(),
            order_image_url: &self.image_url,
            order_sku: &self.order_number,
            order_item_color: &self.color,
        }]
    }
}

/// Where an outside order is, as they report it.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
pub struct Tracking {
    pub status: String,
    #[serde(rename = "trackingNumbers", default)]
    pub tracking_numbers: Vec<String>,
}

#[derive(thiserror::Error, Debug)]
pub enum Slant3dError {
    #[error("Slant 3D: {0}")]
    Unreachable(crate::platform::outbound::OutboundError),
    /// They answered with an error: the `error` field of their JSON (what
    /// they would not take: an address, a colour), capped, with the status.
    /// Never their whole answer.
    #[error("Slant 3D refused it: {0}")]
    Refused(String),
    #[error("Slant 3D answered something we could not read")]
    Unreadable,
}

/// Their answers are small JSON documents.
const MAX_ANSWER_BYTES: usize = 1 << 20;

#[derive(Clone, Debug)]
pub struct Slant3d {
    base: String,
    key: String,
    http: reqwest::Client,
}

impl Slant3d {
    /// A client for the API at `base` (`https://www.slant3dapi.com/api`).
    pub fn new(base: &str, key: &str) -> Slant3d {
        let http = crate::platform::outbound::client(Duration::from_secs(60));
        Slant3d { base: base.trim_end_matches('/').to_string(), key: key.to_string(), http }
    }

    /// Their price for printing and shipping the order, in cents.
    pub async fn estimate(&self, order: &OutsideOrder) -> Result<u64, Slant3dError> {
        let answer = self.call(self.http.post(self.url("/order/estimate")).json(&order.items())).await?;
        let dollars = answer["totalPrice"]
            .as_f64()
            .or_else(|| answer["totalPrice"].as_str().and_then(|s| s.trim_start_matches('$').parse().ok()))
            .filter(|dollars: &f64| dollars.is_finite() && (0.0..=1e7).contains(dollars))
            .ok_or(Slant3dError::Unreadable)?;
        Ok((dollars * 100.0).round() as u64)
    }

    /// Places the order; their order id.
    pub async fn place(&self, order: &OutsideOrder) -> Result<String, Slant3dError> {
        let answer = self.call(self.http.post(self.url("/order")).json(&order.items())).await?;
        answer["orderId"]
            .as_str()
            .filter(|id| !id.is_empty() && id.len() <= 100 && !id.contains(char::is_control))
            .map(str::to_string)
            .ok_or(Slant3dError::Unreadable)
    }

    /// Where their order is.
    pub async fn tracking(&self, their_id: &str) -> Result<Tracking, Slant3dError> {
        let path = format!("/order/{}/get-tracking", urlencode(their_id));
        let answer = self.call(self.http.get(self.url(&path))).await?;
        serde_json::from_value(answer).map_err(|_| Slant3dError::Unreadable)
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    async fn call(&self, request: reqwest::RequestBuilder) -> Result<Value, Slant3dError> {
        use crate::platform::outbound;
        let response = outbound::send(request.header("api-key", &self.key), &self.base)
            .await
            .map_err(Slant3dError::Unreachable)?;
        let status = response.status();
        let bytes = outbound::read_capped(response, MAX_ANSWER_BYTES).await.map_err(|error| match error {
            outbound::OutboundError::TooLarge(_) => Slant3dError::Unreadable,
            other => Slant3dError::Unreachable(other),
        })?;
        let answer: Option<Value> = serde_json::from_slice(&bytes).ok();
        if !status.is_success() {
            let said = answer
                .as_ref()
                .and_then(|answer| answer["error"].as_str())
                .map(|error| error.chars().filter(|c| !c.is_control()).take(200).collect::<String>())
                .filter(|error| !error.trim().is_empty())
                .unwrap_or_else(|| "no reason given".into());
            return Err(Slant3dError::Refused(format!("{said} (HTTP {})", status.as_u16())));
        }
        answer.ok_or(Slant3dError::Unreadable)
    }
}

/// A path segment with anything but unreserved characters escaped.
fn urlencode(segment: &str) -> String {
    segment
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => (b as char).to_string(),
            other => format!("%{other:02X}"),
        })
        .collect()
}
