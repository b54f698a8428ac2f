//! The checkout form as the browser posts it (with or without JavaScript),
//! turned into an [`OrderForm`] and checked.

use super::*;

/// The checkout form's fields as the browser posts them (all text, so a
/// half-filled form still arrives and gets its errors next to the fields).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CheckoutFields {
    #[serde(default)]
    pub creation_id: String,
    #[serde(default)]
    pub quote_job: String,
    pub name: String,
    pub email: String,
    /// `ship` or `pickup`.
    pub delivery: String,
    #[serde(default)]
    pub line1: String,
    #[serde(default)]
    pub line2: String,
    #[serde(default)]
    pub city: String,
    #[serde(default)]
    pub region: String,
    #[serde(default)]
    pub postal_code: String,
    #[serde(default)]
    pub country: String,
    pub quantity: String,
    /// `card` or `at_pickup`; at pickup when left out.
    #[serde(default)]
    pub payment: String,
}

impl CheckoutFields {
    /// The order form these fields make, checked.
    pub fn to_form(&self) -> Result<OrderForm, AppError> {
        let delivery = match self.delivery.as_str() {
            "ship" => Delivery::Ship,
            "pickup" => Delivery::Pickup,
            _ => return Err(invalid("delivery", "Please choose shipping or pickup.")),
        };
        let quantity = self
            .quantity
            .trim()
            .parse()
            .map_err(|_| invalid("quantity", format!("You can order 1 to {MAX_QUANTITY} at a time.")))?;
        let payment = match self.payment.as_str() {
            "card" => Payment::Card,
            "" | "at_pickup" => Payment::AtPickup,
            _ => return Err(invalid("payment", "Please choose how to pay.")),
        };
        let address = (delivery == Delivery::Ship).then(|| Address {
            line1: self.line1.clone(),
            line2: self.line2.clone(),
            city: self.city.clone(),
            region: self.region.clone(),
            postal_code: self.postal_code.clone(),
            country: self.country.clone(),
        });
        OrderForm {
            creation_id: self.creation_id.clone(),
            quote_job: self.quote_job.clone(),
            name: self.name.clone(),
            email: self.email.clone(),
            delivery,
            address,
            quantity,
            payment,
        }
        .checked()
    }
}
