//! Email: an outbox table written in the same transaction as what a message
//! tells about, and a mail worker that sends what is due — over SMTP
//! (lettre) when a server is configured, else as `.eml` files under the
//! data folder — retrying with backoff and keeping a readable last error.

use std::path::{Path, PathBuf};
use std::time::Duration;

use app::order::{Delivery, OrderView};
use app::quote::{duration, money};
use app::staff::OutboxLine;
use lettre::message::{Mailbox, MultiPart};
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Tls, TlsParameters};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use sqlx::Row;

use crate::config::{Config, SmtpTls};
use crate::db::Db;
use crate::state::AppState;
use crate::time::now_ms;

/// A message to queue.
#[derive(Clone, Debug, PartialEq)]
pub struct Mail {
    /// What it is, for the staff's outbox list: `receipt`, `staff_alert`, …
    pub kind: &'static str,
    pub to: String,
    pub subject: String,
    pub text: String,
    pub html: String,
}

/// Attempts before a message is given up (marked failed, kept for staff).
pub const MAX_ATTEMPTS: i64 = 8;

/// Seconds to wait before attempt `n + 1` after `n` failures: 30 s,
/// doubling, at most an hour.
pub fn backoff_s(failures: i64) -> i64 {
    (30_i64 << (failures.clamp(1, 8) - 1)).min(3_600)
}

/// Queues `mail` in the caller's transaction.
pub async fn enqueue(tx: &mut sqlx::Transaction<'_, sqlx::Any>, mail: &Mail) -> sqlx::Result<String> {
    insert(tx, mail, "pending", None).await
}

/// Keeps `mail` about an order unsent until [`release_held`] (a receipt
/// written when the order is placed, sent once its card payment is made:
/// the link in it carries the order's token, which is not kept anywhere else).
pub async fn enqueue_held(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    mail: &Mail,
    order_id: &str,
) -> sqlx::Result<String> {
    insert(tx, mail, "held", Some(order_id)).await
}

/// Sends the order's held mail now; how many messages that was.
pub async fn release_held(tx: &mut sqlx::Transaction<'_, sqlx::Any>, order_id: &str) -> sqlx::Result<u64> {
    let released = sqlx::query(
        "UPDATE outbox SET status = 'pending', next_attempt_at = $1 WHERE order_id = $2 AND status = 'held'",
    )
    .bind(now_ms())
    .bind(order_id)
    .execute(&mut **tx)
    .await?;
    Ok(released.rows_affected())
}

async fn insert(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    mail: &Mail,
    status: &str,
    order_id: Option<&str>,
) -> sqlx::Result<String> {
    let id = crate::creations::new_id();
    let now = now_ms();
    sqlx::query(
        "INSERT INTO outbox (id, kind, recipient, subject, text_body, html_body, status, attempts, \
         next_attempt_at, created_at, order_id) VALUES ($1, $2, $3, $4, $5, $6, $7, 0, $8, $8, $9)",
    )
    .bind(&id)
    .bind(mail.kind)
    .bind(&mail.to)
    .bind(&mail.subject)
    .bind(&mail.text)
    .bind(&mail.html)
    .bind(status)
    .bind(now)
    .bind(order_id)
    .execute(&mut **tx)
    .await?;
    Ok(id)
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

/// Tells the mail worker there is something to send.
pub fn wake(state: &AppState) {
    state.mail_due.notify_one();
}

/// Escapes text for HTML.
fn html_escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

/// A small HTML page around `paragraphs` (already escaped), plus the same as plain text.
pub(crate) fn both(paragraphs: &[String]) -> (String, String) {
    let text = paragraphs.join("\n\n") + "\n";
    let html = format!(
        "<!DOCTYPE html><html><body style=\"font-family: sans-serif; color: #1f2a2a\">{}</body></html>",
        paragraphs
            .iter()
            .map(|p| format!("<p>{}</p>", html_escape(p).replace('\n', "<br>")))
            .collect::<String>()
    );
    (text, html)
}

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
            crate::orders::LAB_LINK_DAYS,
            files.gcode,
            files.model,
            files.picture
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

/// How messages leave.
enum Transport {
    Smtp(AsyncSmtpTransport<Tokio1Executor>),
    /// One `.eml` file per message in this folder.
    Folder(PathBuf),
}

impl Transport {
    fn from_config(config: &Config) -> Result<Transport, String> {
        if config.smtp_host.is_empty() {
            return Ok(Transport::Folder(config.files_dir.join("outbox")));
        }
        let host = config.smtp_host.as_str();
        let tls = || TlsParameters::new(host.to_string()).map_err(|e| format!("SMTP TLS for {host}: {e}"));
        let tls = match config.smtp_tls {
            SmtpTls::None => Tls::None,
            SmtpTls::Starttls => Tls::Required(tls()?),
            SmtpTls::Tls => Tls::Wrapper(tls()?),
        };
        let mut builder = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(host)
            .port(config.smtp_port)
            .tls(tls)
            .timeout(Some(Duration::from_secs(20)));
        if !config.smtp_username.is_empty() {
            let password = std::env::var(crate::config::SMTP_PASSWORD).unwrap_or_default();
            builder = builder.credentials(Credentials::new(config.smtp_username.clone(), password));
        }
        Ok(Transport::Smtp(builder.build()))
    }

    async fn send(&self, id: &str, message: Message) -> Result<(), String> {
        match self {
            Transport::Smtp(smtp) => smtp.send(message).await.map(drop).map_err(|e| e.to_string()),
            Transport::Folder(folder) => write_eml(folder, id, &message.formatted()).await,
        }
    }
}

/// Writes `<id>.eml` whole or not at all (a temporary file renamed into place).
async fn write_eml(folder: &Path, id: &str, bytes: &[u8]) -> Result<(), String> {
    let failed = |e: std::io::Error| format!("cannot write to {}: {e}", folder.display());
    tokio::fs::create_dir_all(folder).await.map_err(failed)?;
    let partial = folder.join(format!(".{id}.eml.partial"));
    tokio::fs::write(&partial, bytes).await.map_err(failed)?;
    tokio::fs::rename(&partial, folder.join(format!("{id}.eml"))).await.map_err(failed)
}

/// A queued message as the worker reads it.
struct Due {
    id: String,
    to: String,
    subject: String,
    text: String,
    html: String,
    attempts: i64,
}

fn message(from: &str, due: &Due) -> Result<Message, String> {
    let from: Mailbox =
        from.parse().map_err(|e| format!("the sender address {from:?} is not usable: {e}"))?;
    let to: Mailbox = due.to.parse().map_err(|e| format!("the address {:?} is not usable: {e}", due.to))?;
    Message::builder()
        .from(from)
        .to(to)
        .subject(&due.subject)
        .multipart(MultiPart::alternative_plain_html(due.text.clone(), due.html.clone()))
        .map_err(|e| e.to_string())
}

/// How long a claimed message is this sender's: past it (the instance
/// stopped mid-send), any instance may send it.
const CLAIM_MS: i64 = 5 * 60_000;

/// Claims the messages due now, oldest first, for this sender: their next
/// attempt moves past the claim, in the same statement that picks them, so
/// another instance's sender never gets the same message (PostgreSQL skips
/// rows another claim holds; SQLite runs one write at a time).
async fn due(db: &Db, limit: i64) -> sqlx::Result<Vec<Due>> {
    let lock = match db.backend() {
        crate::db::Backend::Postgres => " FOR UPDATE SKIP LOCKED",
        crate::db::Backend::Sqlite => "",
    };
    let sql = format!(
        "UPDATE outbox SET next_attempt_at = $1 WHERE id IN (SELECT id FROM outbox \
         WHERE status = 'pending' AND next_attempt_at <= $2 ORDER BY next_attempt_at, id LIMIT $3{lock}) \
         RETURNING id, recipient, subject, text_body, html_body, attempts, created_at"
    );
    let now = now_ms();
    let mut claimed = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(now + CLAIM_MS)
        .bind(now)
        .bind(limit)
        .fetch_all(db.pool())
        .await?;
    claimed.sort_by_key(|row| {
        (
            row.try_get::<i64, _>("created_at").unwrap_or_default(),
            row.try_get::<String, _>("id").unwrap_or_default(),
        )
    });
    claimed
        .into_iter()
        .map(|row| {
            Ok(Due {
                id: row.try_get("id")?,
                to: row.try_get("recipient")?,
                subject: row.try_get("subject")?,
                text: row.try_get("text_body")?,
                html: row.try_get("html_body")?,
                attempts: row.try_get("attempts")?,
            })
        })
        .collect()
}

/// Sends what is due once; returns how many were sent. Each message is
/// marked sent, or put back with a later time and its error, or given up
/// after [`MAX_ATTEMPTS`].
pub async fn send_due(db: &Db, config: &Config) -> sqlx::Result<usize> {
    let transport = match Transport::from_config(config) {
        Ok(transport) => transport,
        Err(error) => {
            tracing::error!(%error, "mail is not configured correctly; nothing sent");
            return Ok(0);
        }
    };
    let mut sent = 0;
    for due in due(db, 50).await? {
        let outcome = match message(&config.mail_from, &due) {
            Ok(message) => transport.send(&due.id, message).await,
            Err(error) => Err(error),
        };
        let now = now_ms();
        match outcome {
            Ok(()) => {
                sent += 1;
                // Sent: the links' tokens have done their work in the
                // recipient's mailbox; the database keeps none of them.
                sqlx::query(
                    "UPDATE outbox SET status = 'sent', attempts = attempts + 1, sent_at = $1, last_error = NULL, \
                     text_body = $2, html_body = $3 WHERE id = $4",
                )
                .bind(now)
                .bind(without_tokens(&due.text))
                .bind(without_tokens(&due.html))
                .bind(&due.id)
                .execute(db.pool())
                .await?;
            }
            Err(error) => {
                let attempts = due.attempts + 1;
                let given_up = attempts >= MAX_ATTEMPTS;
                let status = if given_up { "failed" } else { "pending" };
                tracing::warn!(id = %due.id, attempts, %error, "mail not sent");
                // A message given up on will never carry its links: drop their tokens too.
                let (text, html) = if given_up {
                    (without_tokens(&due.text), without_tokens(&due.html))
                } else {
                    (due.text, due.html)
                };
                sqlx::query(
                    "UPDATE outbox SET status = $1, attempts = $2, next_attempt_at = $3, last_error = $4, \
                     text_body = $5, html_body = $6 WHERE id = $7",
                )
                .bind(status)
                .bind(attempts)
                .bind(now + backoff_s(attempts) * 1_000)
                .bind(&error)
                .bind(text)
                .bind(html)
                .bind(&due.id)
                .execute(db.pool())
                .await?;
            }
        }
    }
    Ok(sent)
}

/// A body with every link's token and signature cut out (`?t=…`, `&sig=…`,
/// the only places our links carry them), the rest as it was.
pub fn without_tokens(body: &str) -> String {
    let mut out = String::with_capacity(body.len());
    let mut rest = body;
    while let Some(at) =
        ["?t=", "&t=", "?sig=", "&sig="].iter().filter_map(|key| rest.find(key).map(|i| (i, key.len()))).min()
    {
        let (start, key) = at;
        out.push_str(&rest[..start + key]);
        rest = &rest[start + key..];
        let end =
            rest.find(|c: char| !(c.is_ascii_alphanumeric() || c == '-' || c == '_')).unwrap_or(rest.len());
        if end > 0 {
            out.push_str("(removed once sent)");
        }
        rest = &rest[end..];
    }
    out.push_str(rest);
    out
}

/// When the soonest pending message falls due, if any.
async fn next_due_at(db: &Db) -> sqlx::Result<Option<i64>> {
    let row = sqlx::query("SELECT MIN(next_attempt_at) AS next FROM outbox WHERE status = 'pending'")
        .fetch_one(db.pool())
        .await?;
    row.try_get("next")
}

/// The mail worker: sends what is due, then sleeps until woken or the next
/// retry falls due (at most a minute, so a message queued by another
/// instance goes out too).
pub async fn run(state: AppState) {
    loop {
        if let Err(error) = send_due(&state.db, &state.config).await {
            tracing::warn!(%error, "cannot read the outbox");
        }
        let wait_ms = match next_due_at(&state.db).await {
            Ok(Some(at)) => (at - now_ms()).clamp(100, 60_000),
            _ => 60_000,
        };
        tokio::select! {
            _ = state.mail_due.notified() => {}
            _ = tokio::time::sleep(Duration::from_millis(wait_ms as u64)) => {}
        }
    }
}

/// The newest `limit` messages, newest first.
pub async fn outbox(db: &Db, limit: i64) -> sqlx::Result<Vec<OutboxLine>> {
    sqlx::query(
        "SELECT id, kind, recipient, subject, status, attempts, last_error, created_at, sent_at FROM outbox \
         ORDER BY created_at DESC, id LIMIT $1",
    )
    .bind(limit)
    .fetch_all(db.pool())
    .await?
    .into_iter()
    .map(|row| {
        Ok(OutboxLine {
            id: row.try_get("id")?,
            kind: row.try_get("kind")?,
            to: row.try_get("recipient")?,
            subject: row.try_get("subject")?,
            status: row.try_get("status")?,
            attempts: row.try_get("attempts")?,
            last_error: row.try_get("last_error")?,
            created_at_ms: row.try_get("created_at")?,
            sent_at_ms: row.try_get("sent_at")?,
            written: String::new(),
            sent: None,
        })
    })
    .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_from_thirty_seconds_up_to_an_hour() {
        let waits: Vec<i64> = (1..=9).map(backoff_s).collect();
        assert_eq!(waits, [30, 60, 120, 240, 480, 960, 1_920, 3_600, 3_600]);
        assert_eq!(backoff_s(0), 30, "a first failure waits half a minute");
        assert!(waits.windows(2).all(|w| w[0] <= w[1]));
    }

    #[test]
    fn tokens_and_signatures_are_cut_from_sent_bodies() {
        let body = "Confirm: https://lab.example/lab/jobs/ab12?t=SeCrEt-_tok3n.\n\
                    G-code: https://lab.example/api/orders/o1/files/model.gcode?exp=1764806400&sig=AbC-d_9 (7 days)\n\
                    <a href=\"https://lab.example/orders/o1?t=Xy_z\">Your order</a>";
        let scrubbed = without_tokens(body);
        for secret in ["SeCrEt-_tok3n", "AbC-d_9", "Xy_z"] {
            assert!(!scrubbed.contains(secret), "{scrubbed}");
        }
        assert!(scrubbed.contains("/lab/jobs/ab12?t=(removed once sent).\n"), "{scrubbed}");
        assert!(scrubbed.contains("exp=1764806400&sig=(removed once sent) (7 days)"), "{scrubbed}");
        assert_eq!(without_tokens("No links here, t= and all."), "No links here, t= and all.");
    }

    #[test]
    fn html_bodies_escape_what_customers_typed() {
        let (text, html) = both(&["Hello <b>Bob</b> & co,".to_string()]);
        assert!(text.contains("<b>Bob</b>"), "plain text keeps it as typed");
        assert!(html.contains("Hello &lt;b&gt;Bob&lt;/b&gt; &amp; co,"), "{html}");
    }
}
