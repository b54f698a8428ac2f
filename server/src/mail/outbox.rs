//! The outbox: each message is a row written in the same transaction as
//! what it tells about, so a message is queued exactly when its news is
//! committed. `mail::sender` sends the rows; `mail::shop` and `mail::lab`
//! write each message's words.

use app::staff::OutboxLine;

use crate::platform::db::Db;
use crate::platform::time::now_ms;

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

/// Queues `mail` in the caller's transaction.
pub async fn enqueue(tx: &mut sqlx::Transaction<'_, sqlx::Any>, mail: &Mail) -> sqlx::Result<String> {
    insert(tx, mail, "pending", None, None).await
}

/// A file a message carries: where it is stored, and the name its recipient sees.
#[derive(Clone, Copy, Debug)]
pub struct Attachment<'a> {
    pub key: &'a str,
    pub name: &'a str,
}

/// Queues `mail` with `attachment`, read from storage when it is sent.
pub async fn enqueue_with(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    mail: &Mail,
    attachment: Attachment<'_>,
) -> sqlx::Result<String> {
    insert(tx, mail, "pending", None, Some(attachment)).await
}

/// Keeps `mail` about an order unsent until [`release_held`] (a receipt
/// written when the order is placed, sent once its card payment is made:
/// the link in it carries the order's token, which is not kept anywhere else).
pub async fn enqueue_held(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    mail: &Mail,
    order_id: &str,
) -> sqlx::Result<String> {
    insert(tx, mail, "held", Some(order_id), None).await
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
    attachment: Option<Attachment<'_>>,
) -> sqlx::Result<String> {
    let id = crate::platform::tokens::new_id();
    let now = now_ms();
    sqlx::query(
        "INSERT INTO outbox (id, kind, recipient, subject, text_body, html_body, status, attempts, \
         next_attempt_at, created_at, order_id, attachment_key, attachment_name) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, 0, $8, $8, $9, $10, $11)",
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
    .bind(attachment.map(|file| file.key))
    .bind(attachment.map(|file| file.name))
    .execute(&mut **tx)
    .await?;
    Ok(id)
}

/// The newest `limit` messages, newest first.
pub async fn outbox(
    db: &Db,
    _staff: &crate::staff::StaffSession,
    limit: i64,
) -> sqlx::Result<Vec<OutboxLine>> {
    let rows = sqlx::query_as::<_, OutboxRow>(
        "SELECT id, kind, recipient, subject, status, attempts, last_error, created_at, sent_at FROM outbox \
         ORDER BY created_at DESC, id LIMIT $1",
    )
    .bind(limit)
    .fetch_all(db.pool())
    .await?;
    Ok(rows
        .into_iter()
        .map(|row| OutboxLine {
            id: row.id,
            kind: row.kind,
            to: row.recipient,
            subject: row.subject,
            status: row.status,
            attempts: row.attempts,
            last_error: row.last_error,
            created_at_ms: row.created_at,
            sent_at_ms: row.sent_at,
            written: String::new(),
            sent: None,
        })
        .collect())
}

/// An `outbox` row as the staff's outbox page lists it.
#[derive(sqlx::FromRow)]
struct OutboxRow {
    id: String,
    kind: String,
    recipient: String,
    subject: String,
    status: String,
    attempts: i64,
    last_error: Option<String>,
    created_at: i64,
    sent_at: Option<i64>,
}

/// How many emails are queued and not yet sent (for `/metrics`).
pub async fn pending(db: &Db) -> sqlx::Result<i64> {
    sqlx::query_scalar("SELECT COUNT(*) FROM outbox WHERE status = 'pending'").fetch_one(db.pool()).await
}

/// Tells the mail worker there is something to send.
pub fn wake(due: &tokio::sync::Notify) {
    due.notify_one();
}

/// Escapes text for HTML.
pub fn html_escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}
