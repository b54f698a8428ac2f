//! The print lab's emails to students, one at every step: received, approved
//! (with the price and the link that accepts it), rejected (with the
//! reasons), queued, printing (on which printer), print failed (and what
//! happens next), reprinting, ready for pickup, picked up (the receipt).

use app::lab::CheckedSubmission;
use app::lab::PrintMethod;
use app::quote::money;

use crate::mail::letter::Letter;
use crate::mail::outbox::Mail;

/// Who a lab email goes to, and what it says of their job (the lab reads
/// it from the job: `lab::students`).
pub struct Student {
    pub name: String,
    pub email: String,
    pub method: PrintMethod,
    pub file_name: String,
    pub price_cents: Option<i64>,
    pub currency: Option<String>,
}

const SIGNATURE: &str = "— The print lab";

/// A lab message: a heading, the greeting, the words, and a button to the
/// job's page (its link works without signing in: keep it to yourself).
fn letter(heading: String, name: &str, lines: Vec<String>, button: (&str, &str)) -> (String, String) {
    let mut paragraphs = vec![format!("Hello {name},")];
    paragraphs.extend(lines);
    Letter {
        from: "The print lab",
        heading,
        paragraphs,
        button: Some((button.0.to_string(), button.1.to_string())),
        after: vec!["The link opens your job without signing in: keep it to yourself.".to_string()],
        sign_off: SIGNATURE,
        ..Default::default()
    }
    .render()
}

pub fn received(form: &CheckedSubmission, id: &str, file_name: &str, link: &str) -> Mail {
    let (text, html) = letter(
        "We have your print request".to_string(),
        &form.name,
        vec![
            format!(
                "We have your print request for {file_name} ({}, {}, {}). Job number: {id}.",
                form.method.label(),
                form.color,
                app::lab::copies_label(form.copies)
            ),
            "Staff check every model before printing. You will get an email with the price and print time, \
             and a link to accept it; nothing is printed until you do."
                .to_string(),
        ],
        ("Follow your job", link),
    );
    Mail {
        kind: "lab_received",
        to: form.email.clone(),
        subject: format!("Print request received — job {id}"),
        text,
        html,
    }
}

/// `confirm_days`: how long the link to accept the price works (`MEMOREEZ_LAB_CONFIRM_DAYS`).
pub fn approved(confirm_days: u64, id: &str, student: &Student, details: &str, link: &str) -> Mail {
    let price = price(student);
    let (text, html) = letter(
        format!("Approved: {price}"),
        &student.name,
        vec![
            format!("Your print request for {} (job {id}) is approved.", student.file_name),
            details.trim_start_matches("Approved: ").to_string(),
            format!("To have it printed, accept the price of {price} within {confirm_days} days."),
            "You pay when you pick it up.".to_string(),
        ],
        ("Accept the price", link),
    );
    Mail {
        kind: "lab_approved",
        to: student.email.clone(),
        subject: format!("Approved: {price} — please confirm job {id}"),
        text,
        html,
    }
}

pub fn rejected(id: &str, student: &Student, details: &str, link: &str) -> Mail {
    let (text, html) = letter(
        "Not printed as it is".to_string(),
        &student.name,
        vec![
            format!("We cannot print {} (job {id}) as it is.", student.file_name),
            details.trim_start_matches("Rejected.").trim().to_string(),
            "You are welcome to fix the model and submit it again.".to_string(),
        ],
        ("See your job", link),
    );
    Mail {
        kind: "lab_rejected",
        to: student.email.clone(),
        subject: format!("Not printed: job {id}"),
        text,
        html,
    }
}

/// `with_picture`: the printer's camera picture of it is attached.
pub fn ready(id: &str, student: &Student, link: &str, with_picture: bool) -> Mail {
    let mut lines = vec![
        format!("{} (job {id}) is printed and ready for pickup at the lab.", student.file_name),
        format!("Please bring {} when you collect it.", price(student)),
    ];
    if with_picture {
        lines.push("The printer's camera took the attached picture of it as it finished.".to_string());
    }
    let (text, html) = letter("Ready for pickup".to_string(), &student.name, lines, ("See your job", link));
    Mail {
        kind: "lab_ready",
        to: student.email.clone(),
        subject: format!("Ready for pickup — job {id}"),
        text,
        html,
    }
}

/// A message about the job's step: `lines` between the greeting and the link.
fn step(kind: &'static str, subject: String, student: &Student, lines: Vec<String>, link: &str) -> Mail {
    // The subject reads "What happened — job N": its first part heads the message.
    let heading = subject.split(" — ").next().unwrap_or(&subject).to_string();
    let (text, html) = letter(heading, &student.name, lines, ("See your job", link));
    Mail { kind, to: student.email.clone(), subject, text, html }
}

/// The student accepted the price: the job is in the queue.
pub fn queued(id: &str, student: &Student, link: &str) -> Mail {
    let lines = vec![
        format!("Thank you: {} (job {id}) is in the print queue at {}.", student.file_name, price(student)),
        "We email you when it starts printing and when it is ready.".to_string(),
    ];
    step("lab_queued", format!("In the print queue — job {id}"), student, lines, link)
}

/// On a printer now; `details` names it.
pub fn printing(id: &str, student: &Student, details: &str, link: &str) -> Mail {
    let lines = vec![
        format!("{} (job {id}) is printing now.", student.file_name),
        details.to_string(),
        "The page below shows how far it is; we email you when it is ready.".to_string(),
    ];
    step("lab_printing", format!("Printing now — job {id}"), student, lines, link)
}

/// The print stopped on its printer; `details` says why.
pub fn print_failed(id: &str, student: &Student, details: &str, link: &str) -> Mail {
    let lines = vec![
        format!("The print of {} (job {id}) did not finish.", student.file_name),
        details.to_string(),
        "Nothing for you to do: staff will print it again (at no extra cost) or write to you if the          model needs a change."
            .to_string(),
    ];
    step("lab_print_failed", format!("Print stopped — job {id}"), student, lines, link)
}

/// A failed print is printed again as job `new_id`.
pub fn reprinting(old_id: &str, new_id: &str, student: &Student, note: &str, link: &str) -> Mail {
    let mut lines = vec![format!(
        "{} is back in the print queue as job {new_id} (it replaces job {old_id}).",
        student.file_name
    )];
    if !note.is_empty() {
        lines.push(format!("Staff's note: {note}"));
    }
    lines.push(format!("The price stays {}.", price(student)));
    step("lab_reprinting", format!("Printing again — job {new_id}"), student, lines, link)
}

/// Handed over: the receipt.
pub fn picked_up(id: &str, student: &Student, details: &str, link: &str) -> Mail {
    let lines = vec![
        format!("Receipt for job {id}: {} ({}).", student.file_name, student.method.label()),
        format!("Price: {}. {details}", price(student)),
        "Thank you for printing with us.".to_string(),
    ];
    step("lab_picked_up", format!("Receipt — job {id}"), student, lines, link)
}

fn price(student: &Student) -> String {
    match (student.price_cents, &student.currency) {
        (Some(cents), Some(currency)) => format!("{} {currency}", money(cents.max(0) as u64)),
        _ => "the price staff tell you".to_string(),
    }
}
