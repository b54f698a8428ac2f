//! The shop's emails: the customer's receipt and the lab's alert for a new
//! order, "ready for pickup", and "on its way".

use app::order::{Delivery, OrderView};
use app::quote::{duration, money};

use crate::mail::letter::Letter;
use crate::mail::outbox::Mail;
use crate::platform::config::Config;

/// How long the links in the lab's alert for a new order work.
pub const LAB_LINK_DAYS: i64 = 30;

/// The customer's receipt and the lab's alert for a new order.
/// Signed, expiring links to an order's files, for the lab's alert.
pub struct LabLinks {
    pub model: String,
    pub picture: String,
    pub gcode: String,
}

pub fn order_placed(config: &Config, order: &OrderView, link: &str, files: &LabLinks) -> Vec<Mail> {
    let amounts = &order.amounts;
    let cur = &amounts.currency;
    let total = format!("{} {cur}", money(amounts.total_cents));
    // The price broken down as on the quote.
    let mut figures = vec![(
        format!("{} × {}", amounts.quantity, order.title),
        format!("{} {cur} each", money(amounts.unit_cents)),
    )];
    if amounts.shipping_cents > 0 {
        figures.push(("Shipping".to_string(), format!("{} {cur}", money(amounts.shipping_cents))));
    }
    figures.push(("Total".to_string(), total.clone()));
    let picture = order.thumbnail_url.clone().map(|src| (src, order.title.clone()));
    let (delivery, lab_delivery) = match (&order.delivery, &order.address) {
        (Delivery::Ship, Some(address)) => {
            let lines = address.lines().join("\n");
            (format!("We will ship it to:\n{lines}"), format!("Ship to:\n{lines}"))
        }
        _ => (
            "You collect it at the lab; we email you when it is ready.".to_string(),
            "Collected at the lab: email the customer when it is ready.".to_string(),
        ),
    };
    let (payment, lab_payment) = match order.pay_online {
        true => ("Paid by card. Thank you!", "Paid by card."),
        false => ("You pay when you collect it.", "Not paid yet: the customer pays when they collect it."),
    };
    let (text, html) = Letter {
        from: "Memoreez",
        heading: "Thank you for your order".to_string(),
        picture: picture.clone(),
        paragraphs: vec![
            format!("Hello {},", order.name),
            "We have your order, and it joins our print queue.".to_string(),
        ],
        figures: figures.clone(),
        total_last: true,
        button: Some(("Follow your order".to_string(), link.to_string())),
        after: vec![
            payment.to_string(),
            delivery,
            "Keep the link to your order page to yourself.".to_string(),
        ],
        sign_off: "— Memoreez",
        ..Default::default()
    }
    .render();
    let receipt = Mail {
        kind: "receipt",
        to: order.email.clone(),
        subject: format!("Your Memoreez order — {total}"),
        text,
        html,
    };
    figures.insert(
        figures.len() - 1,
        (
            "Sliced".to_string(),
            format!(
                "{:.1} g model + {:.1} g supports, about {} a piece",
                order.model_g,
                order.support_g,
                duration(order.print_time_s)
            ),
        ),
    );
    let (text, html) = Letter {
        from: "Memoreez · the lab",
        heading: format!("New order: {total}"),
        picture,
        paragraphs: vec![
            format!("From {} <{}>.", order.name, order.email),
            lab_payment.to_string(),
            lab_delivery,
        ],
        figures,
        total_last: true,
        button: Some(("Open the order".to_string(), link.to_string())),
        links: vec![
            ("G-code as priced".to_string(), files.gcode.clone()),
            ("Model (STL)".to_string(), files.model.clone()),
            ("Reference picture".to_string(), files.picture.clone()),
        ],
        after: vec![format!("The file links work for {LAB_LINK_DAYS} days without signing in.")],
        sign_off: "— Memoreez",
    }
    .render();
    let alert = Mail {
        kind: "staff_alert",
        to: config.staff_email.clone(),
        subject: format!("New order: {total}"),
        text,
        html,
    };
    vec![receipt, alert]
}

/// A message to the customer about their order: a heading, its picture,
/// the words, and their order page (its link is in their receipt).
fn to_customer(order: &OrderView, heading: String, paragraphs: Vec<String>) -> (String, String) {
    let mut all = vec![format!("Hello {},", order.name)];
    all.extend(paragraphs);
    Letter {
        from: "Memoreez",
        heading,
        picture: order.thumbnail_url.clone().map(|src| (src, order.title.clone())),
        paragraphs: all,
        after: vec!["Your order page shows every step; keep its link from your receipt.".to_string()],
        sign_off: "— Memoreez",
        ..Default::default()
    }
    .render()
}

/// The customer's "ready for pickup" message.
pub fn order_ready_for_pickup(order: &OrderView) -> Mail {
    let payment = match order.pay_online {
        true => "It is paid: just bring this email or your name.",
        false => "You pay when you collect it.",
    };
    let (text, html) = to_customer(
        order,
        "Ready for pickup".to_string(),
        vec![format!("{} is printed and ready for pickup at the lab.", order.title), payment.to_string()],
    );
    Mail {
        kind: "ready_for_pickup",
        to: order.email.clone(),
        subject: format!("Ready for pickup — {}", order.title),
        text,
        html,
    }
}

/// The customer's "printing now" message: on which printer, and when it should be done.
pub fn order_printing(order: &OrderView, details: &str) -> Mail {
    let (text, html) = to_customer(
        order,
        "Printing now".to_string(),
        vec![
            format!("{} is printing now.", order.title),
            details.to_string(),
            "We email you again when it is ready.".to_string(),
        ],
    );
    Mail {
        kind: "order_printing",
        to: order.email.clone(),
        subject: format!("Printing now — {}", order.title),
        text,
        html,
    }
}

/// The customer's "on its way" message.
pub fn order_shipped(order: &OrderView, tracking_numbers: &[String]) -> Mail {
    let tracking = match tracking_numbers {
        [] => "The carrier's tracking number follows when we have it.".to_string(),
        numbers => format!("Tracking number: {}", numbers.join(", ")),
    };
    let address = order.address.as_ref().map(|a| a.lines().join("\n")).unwrap_or_default();
    let (text, html) = to_customer(
        order,
        "On its way".to_string(),
        vec![format!("{} is on its way to:\n{address}", order.title), tracking],
    );
    Mail {
        kind: "shipped",
        to: order.email.clone(),
        subject: format!("Your keepsake is on its way — {}", order.title),
        text,
        html,
    }
}
