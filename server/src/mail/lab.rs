//! The print lab's emails to students: received, approved (with the price
//! and the link that accepts it), rejected (with the reasons), ready for pickup.

use app::lab::CheckedSubmission;
use app::lab::PrintMethod;
use app::quote::money;

use crate::mail::outbox::{Mail, both};
use crate::state::AppState;

/// Who a lab email goes to, and what it says of their job.
pub struct Student {
    pub name: String,
    pub email: String,
    pub method: PrintMethod,
    pub file_name: String,
    pub price_cents: Option<i64>,
    pub currency: Option<String>,
}

const SIGNATURE: &str = "— The print lab";

pub fn received(form: &CheckedSubmission, id: &str, file_name: &str, link: &str) -> Mail {
    let (text, html) = both(&[
        format!("Hello {},", form.name),
        format!(
            "We have your print request for {file_name} ({}, {}). Job number: {id}.",
            form.method.label(),
            form.color
        ),
        "Staff check every model before printing. You will get an email with the price and print time, \
         and a link to accept it; nothing is printed until you do."
            .to_string(),
        format!("Follow your job here (keep this link to yourself):\n{link}"),
        SIGNATURE.to_string(),
    ]);
    Mail {
        kind: "lab_received",
        to: form.email.clone(),
        subject: format!("Print request received — job {id}"),
        text,
        html,
    }
}

pub fn approved(state: &AppState, id: &str, student: &Student, details: &str, link: &str) -> Mail {
    let price = price(student);
    let (text, html) = both(&[
        format!("Hello {},", student.name),
        format!("Your print request for {} (job {id}) is approved.", student.file_name),
        details.trim_start_matches("Approved: ").to_string(),
        format!(
            "To have it printed, accept the price of {price} within {} days here:\n{link}",
            state.config.lab_confirm_days
        ),
        "You pay when you pick it up.".to_string(),
        SIGNATURE.to_string(),
    ]);
    Mail {
        kind: "lab_approved",
        to: student.email.clone(),
        subject: format!("Approved: {price} — please confirm job {id}"),
        text,
        html,
    }
}

pub fn rejected(id: &str, student: &Student, details: &str, link: &str) -> Mail {
    let (text, html) = both(&[
        format!("Hello {},", student.name),
        format!("We cannot print {} (job {id}) as it is.", student.file_name),
        details.trim_start_matches("Rejected.").trim().to_string(),
        "You are welcome to fix the model and submit it again.".to_string(),
        format!("Your job's page: {link}"),
        SIGNATURE.to_string(),
    ]);
    Mail {
        kind: "lab_rejected",
        to: student.email.clone(),
        subject: format!("Not printed: job {id}"),
        text,
        html,
    }
}

pub fn ready(id: &str, student: &Student, link: &str) -> Mail {
    let (text, html) = both(&[
        format!("Hello {},", student.name),
        format!("{} (job {id}) is printed and ready for pickup at the lab.", student.file_name),
        format!("Please bring {} when you collect it.", price(student)),
        format!("Your job's page: {link}"),
        SIGNATURE.to_string(),
    ]);
    Mail {
        kind: "lab_ready",
        to: student.email.clone(),
        subject: format!("Ready for pickup — job {id}"),
        text,
        html,
    }
}

fn price(student: &Student) -> String {
    match (student.price_cents, &student.currency) {
        (Some(cents), Some(currency)) => format!("{} {currency}", money(cents.max(0) as u64)),
        _ => "the price staff tell you".to_string(),
    }
}
