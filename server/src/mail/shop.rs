//! The shop's emails: the customer's receipt and the lab's alert for a new
//! order, "ready for pickup", and "on its way".

use app::order::{Delivery, OrderView};
use app::quote::{duration, money};

use crate::mail::outbox::{Mail, both, html_escape};
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
    let total = format!("{} {}", money(amounts.total_cents), amounts.currency);
    let lines = format!(
        "{} × {} at {} {}{}\nTotal: {total}",
        amounts.quantity,
        order.title,
        money(amounts.unit_cents),
        amounts.currency,
        match amounts.shipping_cents {
            0 => String::new(),
            cents => format!("\nShipping: {} {}", money(cents), amounts.currency),
        }
    );
    let delivery = match (&order.delivery, &order.address) {
        (Delivery::Ship, Some(address)) => format!("We will ship it to:\n{}", address.lines().join("\n")),
        _ => "You collect it at the lab; we email you when it is ready.".to_string(),
    };
    let payment = match order.pay_online {
        true => "Paid by card. Thank you!",
        false => "You pay when you collect it.",
    };
    let (text, html) = both(&[
        format!("Hello {},", order.name),
        "Thank you for your order. We have it, and it joins our print queue.".to_string(),
        lines.clone(),
        payment.to_string(),
        delivery.clone(),
        format!("Follow your order here (keep this link to yourself):\n{link}"),
        "— Memoreez".to_string(),
    ]);
    // The keepsake as ordered, by its link (shown where the reader's mail lets it load).
    let html = match &order.thumbnail_url {
        Some(src) => html.replacen(
            "<body style=\"font-family: sans-serif; color: #1f2a2a\">",
            &format!(
                "<body style=\"font-family: sans-serif; color: #1f2a2a\"><img src=\"{}\" alt=\"{}\" width=\"192\" height=\"192\">",
                html_escape(src),
                html_escape(&order.title)
            ),
            1,
        ),
        None => html,
    };
    let receipt = Mail {
        kind: "receipt",
        to: order.email.clone(),
        subject: format!("Your Memoreez order — {total}"),
        text,
        html,
    };
    let (text, html) = both(&[
        format!("New order from {} <{}>.", order.name, order.email),
        lines,
        payment.to_string(),
        format!(
            "Sliced: {:.1} g model + {:.1} g supports, about {} a piece.",
            order.model_g,
            order.support_g,
            duration(order.print_time_s),
        ),
        delivery,
        format!("Order page: {link}"),
        format!(
            "Files (these links work for {} days):\nG-code as priced: {}\nModel (STL): {}\nReference picture: {}",
            LAB_LINK_DAYS, files.gcode, files.model, files.picture
        ),
    ]);
    let alert = Mail {
        kind: "staff_alert",
        to: config.staff_email.clone(),
        subject: format!("New order: {total}"),
        text,
        html,
    };
    vec![receipt, alert]
}

/// The customer's "ready for pickup" message.
pub fn order_ready_for_pickup(order: &OrderView) -> Mail {
    let payment = match order.pay_online {
        true => "It is paid: just bring this email or your name.",
        false => "You pay when you collect it.",
    };
    let (text, html) = both(&[
        format!("Hello {},", order.name),
        format!("{} is printed and ready for pickup at the lab.", order.title),
        payment.to_string(),
        "Your order page shows every step; keep its link from your receipt.".to_string(),
        "— Memoreez".to_string(),
    ]);
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
    let (text, html) = both(&[
        format!("Hello {},", order.name),
        format!("{} is printing now.", order.title),
        details.to_string(),
        "Your order page shows how far it is; we email you again when it is ready.".to_string(),
        "— Memoreez".to_string(),
    ]);
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
    let (text, html) = both(&[
        format!("Hello {},", order.name),
        format!("{} is on its way to:\n{address}", order.title),
        tracking,
        "Your order page shows every step; keep its link from your receipt.".to_string(),
        "— Memoreez".to_string(),
    ]);
    Mail {
        kind: "shipped",
        to: order.email.clone(),
        subject: format!("Your keepsake is on its way — {}", order.title),
        text,
        html,
    }
}
