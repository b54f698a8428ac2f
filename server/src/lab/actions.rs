//! What staff do to a print job, each in one transaction: the job's step,
//! its event, and — for a shop order — the order's step, its history and the
//! customer's email; for a student's submission, their email with a fresh
//! link. The job's folder follows once the transaction is committed.

use app::lab::REJECTION_REASONS;
use app::print_job::{PrintJobAction, PrintJobStatus};
use app::quote::money;

use crate::lab::LabContext;
use crate::lab::events::add_event;
use crate::lab::{folders as lab_files, student_links as links, submissions as lab};
use crate::mail::lab as lab_mail;
use crate::mail::lab::Student;
use crate::mail::outbox;
use crate::platform::time::now_ms;

/// What a shop order does when its print job takes a step (`to`, with the
/// step's words): the shop's side, in the step's own transaction. The state
/// gives it (`shop::orders::lab_steps::follow_print_job`), so the lab knows
/// an order only by its id and the shop may build on the lab.
pub type OrderSteps =
    for<'a> fn(
        &'a mut sqlx::Transaction<'static, sqlx::Any>,
        &'a str,
        PrintJobStatus,
        &'a str,
        i64,
    ) -> std::pin::Pin<Box<dyn std::future::Future<Output = sqlx::Result<()>> + Send + 'a>>;

#[derive(thiserror::Error, Debug)]
pub enum ActionError {
    #[error("not found")]
    NotFound,
    /// The step is not one this job can take from where it is.
    #[error("A job that is {from} cannot be {action}.")]
    NotNow { from: &'static str, action: &'static str },
    /// A field the action needs; the message is for staff.
    #[error("{message}")]
    Invalid { field: &'static str, message: String },
    #[error(transparent)]
    Database(#[from] sqlx::Error),
}

/// The job's row as the actions read it.
struct PrintJob {
    from: PrintJobStatus,
    order_id: Option<String>,
    /// A student's submission (emails go to the student; files have a folder).
    student: Option<Student>,
}

async fn load(tx: &mut sqlx::Transaction<'_, sqlx::Any>, job_id: &str) -> Result<PrintJob, ActionError> {
    let row = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT status, order_id, {} FROM print_jobs WHERE id = $1",
        crate::lab::students::COLUMNS
    )))
    .bind(job_id)
    .fetch_optional(&mut **tx)
    .await?
    .ok_or(ActionError::NotFound)?;
    let job: JobRow = sqlx::FromRow::from_row(&row)?;
    let from = PrintJobStatus::parse(&job.status)
        .ok_or_else(|| sqlx::Error::Decode("unknown print job status".into()))?;
    Ok(PrintJob { from, order_id: job.order_id, student: crate::lab::students::of_row(&row)? })
}

/// The columns of the job's row [`load`] reads beside its student's.
#[derive(sqlx::FromRow)]
struct JobRow {
    status: String,
    order_id: Option<String>,
}

/// Applies staff's `action` to the job; the status it is in afterwards.
pub async fn act(
    cx: &LabContext,
    _staff: &crate::staff::StaffSession,
    job_id: &str,
    action: &PrintJobAction,
) -> Result<PrintJobStatus, ActionError> {
    act_as(cx, job_id, action, "staff").await
}

/// Applies `action` for `actor` (`staff`, or `printer` for what a printer
/// reported). [`PrintJobAction::SendToPrinter`] here only records the step:
/// `printers::sending::send` uploads the file first and calls this. A
/// reprint makes a new job: `lab::reprint::reprint`, not this.
pub async fn act_as(
    cx: &LabContext,
    job_id: &str,
    action: &PrintJobAction,
    actor: &str,
) -> Result<PrintJobStatus, ActionError> {
    if let PrintJobAction::Reprint { .. } = action {
        return Err(ActionError::NotNow { from: "asked here", action: "reprinted (lab::reprint does that)" });
    }
    let now = now_ms();
    let mut tx = cx.db.begin_write().await?;
    let PrintJob { from, order_id, mut student } = load(&mut tx, job_id).await?;

    let (to, details) = match action {
        PrintJobAction::MarkReviewed => {
            sqlx::query(
                "UPDATE print_jobs SET reviewed_at = $1, updated_at = $1 WHERE id = $2 AND reviewed_at IS NULL",
            )
            .bind(now)
            .bind(job_id)
            .execute(&mut *tx)
            .await?;
            add_event(&mut tx, job_id, now, (actor, "reviewed"), (Some(from), from), "Marked as reviewed.")
                .await?;
            tx.commit().await?;
            lab_files::settle_after_step(cx, job_id).await;
            return Ok(from);
        }
        PrintJobAction::Approve { weight_g, print_hours } => {
            let Some(student) = student.as_mut() else {
                return Err(ActionError::NotNow { from: "a shop order", action: "approved" });
            };
            if !(0.01..=50_000.0).contains(weight_g) {
                return Err(invalid(
                    "weight_g",
                    "Enter the weight in grams (model and supports, all pieces).",
                ));
            }
            if !(0.01..=2_000.0).contains(print_hours) {
                return Err(invalid("print_hours", "Enter the print time in hours, like 2.5."));
            }
            let hours = lab::quoted_hours(cx, *print_hours);
            let price = cx.config.lab.price(lab::material(student.method), *weight_g);
            sqlx::query(
                "UPDATE print_jobs SET weight_g = $1, print_hours = $2, price_cents = $3, currency = $4 WHERE id = $5",
            )
            .bind(*weight_g)
            .bind(hours)
            .bind(price.total_cents as i64)
            .bind(&price.currency)
            .bind(job_id)
            .execute(&mut *tx)
            .await?;
            student.price_cents = Some(price.total_cents as i64);
            student.currency = Some(price.currency.clone());
            let minimum = if price.minimum_applied { " (the lab's minimum)" } else { "" };
            let details = format!(
                "Approved: {weight_g:.1} g, {hours} h → {} {}{minimum}.",
                money(price.total_cents),
                price.currency
            );
            (PrintJobStatus::Pending, details)
        }
        PrintJobAction::Reject { reasons, note } => {
            let labels = reasons
                .iter()
                .map(|reason| {
                    REJECTION_REASONS
                        .iter()
                        .find(|(key, _)| key == reason)
                        .map(|(_, label)| *label)
                        .ok_or_else(|| invalid("reasons", format!("Unknown reason {reason:?}.")))
                })
                .collect::<Result<Vec<_>, _>>()?;
            let note = note.trim();
            if labels.is_empty() && note.is_empty() {
                return Err(invalid(
                    "reasons",
                    "Tick a reason or write a note, so the student knows what to change.",
                ));
            }
            if note.chars().count() > app::lab::NOTES_MAX_CHARS {
                return Err(invalid("note", "The note can be at most 1000 characters."));
            }
            let mut details = format!("Rejected. {}", labels.join(" "));
            if !note.is_empty() {
                details = format!("{} Note: {note}", details.trim_end());
            }
            (PrintJobStatus::Rejected, details.trim_end().to_string())
        }
        PrintJobAction::StartPrinting { printer } => {
            let printer = printer.trim();
            let details = match printer {
                "" => "Printing.".to_string(),
                printer => format!("Printing on {printer}."),
            };
            (PrintJobStatus::Printing, details)
        }
        PrintJobAction::FailureCause { cause, note } => {
            if from != PrintJobStatus::PrintFailed {
                return Err(ActionError::NotNow { from: from.label(), action: action.past_tense() });
            }
            let details = failure_cause(cause, note)?;
            add_event(&mut tx, job_id, now, (actor, "failure_cause"), (Some(from), from), &details).await?;
            tx.commit().await?;
            return Ok(from);
        }
        PrintJobAction::MoveUp => {
            if from != PrintJobStatus::ReadyToPrint {
                return Err(ActionError::NotNow { from: from.label(), action: action.past_tense() });
            }
            // Ahead of the first in the queue.
            let first: Option<i64> = sqlx::query_scalar(
                "SELECT MIN(COALESCE(queue_at, created_at)) FROM print_jobs WHERE status = $1",
            )
            .bind(from.as_str())
            .fetch_one(&mut *tx)
            .await?;
            sqlx::query("UPDATE print_jobs SET queue_at = $1, updated_at = $2 WHERE id = $3")
                .bind(first.unwrap_or(now) - 1)
                .bind(now)
                .bind(job_id)
                .execute(&mut *tx)
                .await?;
            add_event(
                &mut tx,
                job_id,
                now,
                (actor, "moved_up"),
                (Some(from), from),
                "Moved to the front of the queue.",
            )
            .await?;
            tx.commit().await?;
            lab_files::settle_after_step(cx, job_id).await;
            return Ok(from);
        }
        PrintJobAction::SendToPrinter { printer_id, printer_name } => {
            // Sent by the printers' side (`printers::sending`), which found the
            // printer and named it; the lab keeps the name with the job.
            let file = crate::lab::printing::printer_file_name(job_id);
            let printer = printer_name.trim();
            if printer_id.trim().is_empty() || printer.is_empty() {
                return Err(invalid("printer_id", "There is no such printer."));
            }
            sqlx::query(
                "UPDATE print_jobs SET printer_id = $1, printer_name = $2, printer_file = $3, sent_at = $4, \
                 progress_pct = NULL, time_left_s = NULL, sending_until = NULL WHERE id = $5",
            )
            .bind(printer_id)
            .bind(printer)
            .bind(&file)
            .bind(now)
            .bind(job_id)
            .execute(&mut *tx)
            .await?;
            (
                PrintJobStatus::Printing,
                format!("Printing on {printer} (sent to its printer server as {file})."),
            )
        }
        PrintJobAction::Complete => {
            let printer = printer_of(&mut tx, job_id).await?;
            let details = match printer {
                Some(printer) if actor == "printer" => {
                    format!("Printed on {printer}; the printer reported it done.")
                }
                Some(printer) => format!("Printed on {printer}."),
                None => "Printed.".to_string(),
            };
            sqlx::query("UPDATE print_jobs SET progress_pct = 100, time_left_s = 0 WHERE id = $1")
                .bind(job_id)
                .execute(&mut *tx)
                .await?;
            (PrintJobStatus::Completed, details)
        }
        PrintJobAction::Fail { reason } => {
            let printer = printer_of(&mut tx, job_id).await?.unwrap_or_else(|| "its printer".into());
            let reason: String = reason.trim().chars().take(300).collect();
            if reason.is_empty() {
                return Err(invalid("reason", "Say what went wrong, for the log and the student."));
            }
            (PrintJobStatus::PrintFailed, format!("Print failed on {printer}: {reason}"))
        }
        PrintJobAction::Reprint { .. } => unreachable!("refused above"),
        PrintJobAction::PickedUp { payment } => {
            let payment = payment.trim();
            if payment.is_empty() || payment.chars().count() > 120 {
                return Err(invalid(
                    "payment",
                    "Say how it was paid (e.g. cash, card at the counter, paid online).",
                ));
            }
            (PrintJobStatus::PaidPickedUp, format!("Picked up; payment: {payment}."))
        }
    };
    if !from.can_become(to) {
        return Err(ActionError::NotNow { from: from.label(), action: action.past_tense() });
    }
    // Staff who take a step have seen the job: it is no longer NEW.
    let moved = sqlx::query(
        "UPDATE print_jobs SET status = $1, updated_at = $2, reviewed_at = COALESCE(reviewed_at, $2) \
         WHERE id = $3 AND status = $4",
    )
    .bind(to.as_str())
    .bind(now)
    .bind(job_id)
    .bind(from.as_str())
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if moved != 1 {
        return Err(ActionError::NotNow { from: "changed meanwhile", action: action.past_tense() });
    }
    add_event(&mut tx, job_id, now, (actor, action.kind()), (Some(from), to), &details).await?;
    if let Some(order_id) = order_id {
        (cx.order_steps)(&mut tx, &order_id, to, &details, now).await?;
    }
    if let Some(student) = &student {
        tell_student(cx, &mut tx, job_id, student, (to, &details), now).await?;
    }
    tx.commit().await?;
    lab_files::settle_after_step(cx, job_id).await;
    outbox::wake(&cx.mail_due);
    Ok(to)
}

/// The name of the printer the job was sent to, if any.
async fn printer_of(tx: &mut sqlx::Transaction<'_, sqlx::Any>, job_id: &str) -> sqlx::Result<Option<String>> {
    let name: Option<Option<String>> =
        sqlx::query_scalar("SELECT printer_name FROM print_jobs WHERE id = $1")
            .bind(job_id)
            .fetch_optional(&mut **tx)
            .await?;
    Ok(name.flatten())
}

fn invalid(field: &'static str, message: impl Into<String>) -> ActionError {
    ActionError::Invalid { field, message: message.into() }
}

/// The student's email for the job's new status, with a fresh link to the job
/// (the one with the price also lets them accept it, for the configured days).
async fn tell_student(
    cx: &LabContext,
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    job_id: &str,
    student: &Student,
    (to, details): (PrintJobStatus, &str),
    now: i64,
) -> sqlx::Result<()> {
    const DAY_MS: i64 = 24 * 3600 * 1000;
    let confirm_days = cx.config.lab_confirm_days as i64;
    let (can_confirm, days) = match to {
        PrintJobStatus::Pending => (true, confirm_days),
        PrintJobStatus::Printing | PrintJobStatus::PrintFailed => (false, 30),
        PrintJobStatus::Rejected | PrintJobStatus::Completed | PrintJobStatus::PaidPickedUp => (false, 180),
        _ => return Ok(()),
    };
    let token = crate::platform::tokens::new_token();
    links::add_link(tx, job_id, &token, can_confirm, now + days * DAY_MS).await?;
    let link = links::public_link(cx, job_id, &token);
    // "Your print is ready" shows the print, when its printer's camera took it.
    let snapshot = match to {
        PrintJobStatus::Completed => crate::lab::snapshots::snapshot_of(&mut **tx, job_id).await?,
        _ => None,
    };
    let mail = match to {
        PrintJobStatus::Pending => {
            lab_mail::approved(cx.config.lab_confirm_days, job_id, student, details, &link)
        }
        PrintJobStatus::Rejected => lab_mail::rejected(job_id, student, details, &link),
        PrintJobStatus::Printing => lab_mail::printing(job_id, student, details, &link),
        PrintJobStatus::PrintFailed => lab_mail::print_failed(job_id, student, details, &link),
        PrintJobStatus::PaidPickedUp => lab_mail::picked_up(job_id, student, details, &link),
        _ => lab_mail::ready(job_id, student, &link, snapshot.is_some()),
    };
    match snapshot {
        Some(key) => {
            let name = format!("your-print-{job_id}.{}", key.rsplit('.').next().unwrap_or("jpg"));
            outbox::enqueue_with(tx, &mail, outbox::Attachment { key: &key, name: &name }).await?;
        }
        None => {
            outbox::enqueue(tx, &mail).await?;
        }
    }
    Ok(())
}

/// A cause of failure as the log says it ("Cause: Warping. The corner lifted."),
/// the words the overview counts it by.
fn failure_cause(cause: &str, note: &str) -> Result<String, ActionError> {
    let label = app::lab::FAILURE_CAUSES
        .iter()
        .find(|(key, _)| *key == cause)
        .map(|(_, label)| *label)
        .ok_or_else(|| invalid("cause", "Pick what made it fail."))?;
    let note = note.trim();
    if note.chars().count() > 300 {
        return Err(invalid("note", "Keep the note under 300 characters."));
    }
    if cause == "other" && note.is_empty() {
        return Err(invalid("note", "Say what made it fail."));
    }
    Ok(match note {
        "" => format!("Cause: {label}."),
        note => format!("Cause: {label}. {note}"),
    })
}
