//! The mail worker: sends what the outbox holds — over SMTP (lettre) when a
//! server is configured, else as `.eml` files under the data folder —
//! retrying with backoff and keeping a readable last error. Any number of
//! instances may run it: each claims the rows it sends. A message's
//! attachment (a print's snapshot) is read from storage as it is sent; one
//! that has gone is left out rather than holding the message back.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use lettre::message::header::ContentType;
use lettre::message::{Attachment, Mailbox, MultiPart};
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Tls, TlsParameters};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

use crate::platform::config::{Config, SmtpTls};
use crate::platform::db::Db;
use crate::platform::storage::Storage;
use crate::platform::time::now_ms;

/// Attempts before a message is given up (marked failed, kept for staff).
pub const MAX_ATTEMPTS: i64 = 8;

/// Seconds to wait before attempt `n + 1` after `n` failures: 30 s,
/// doubling, at most an hour.
pub fn backoff_s(failures: i64) -> i64 {
    (30_i64 << (failures.clamp(1, 8) - 1)).min(3_600)
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
            let password = std::env::var(crate::platform::config::SMTP_PASSWORD).unwrap_or_default();
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
    /// (storage key, the name the recipient sees).
    attachment: Option<(String, String)>,
}

/// A file attached to a message: its name, bytes and type.
struct File {
    name: String,
    bytes: Vec<u8>,
}

/// The type of an attached file, by its name (we attach only pictures).
fn content_type(name: &str) -> ContentType {
    let kind = match name.rsplit('.').next().map(str::to_ascii_lowercase).as_deref() {
        Some("jpg" | "jpeg") => "image/jpeg",
        Some("png") => "image/png",
        _ => "application/octet-stream",
    };
    ContentType::parse(kind).expect("a MIME type we wrote")
}

/// The message's attachment from storage; `None` when it has none, or it
/// has gone (then the message goes without it).
async fn attachment(storage: &Storage, due: &Due) -> Option<File> {
    let (key, name) = due.attachment.as_ref()?;
    match storage.get(key).await {
        Ok(bytes) => Some(File { name: name.clone(), bytes: bytes.to_vec() }),
        Err(error) => {
            tracing::warn!(id = %due.id, key, %error, "an attachment is missing; the message goes without it");
            None
        }
    }
}

fn message(from: &str, due: &Due, file: Option<File>) -> Result<Message, String> {
    let from: Mailbox =
        from.parse().map_err(|e| format!("the sender address {from:?} is not usable: {e}"))?;
    let to: Mailbox = due.to.parse().map_err(|e| format!("the address {:?} is not usable: {e}", due.to))?;
    let message = Message::builder().from(from).to(to).subject(&due.subject);
    let body = MultiPart::alternative_plain_html(due.text.clone(), due.html.clone());
    let body = match file {
        None => body,
        Some(file) => {
            let kind = content_type(&file.name);
            MultiPart::mixed().multipart(body).singlepart(Attachment::new(file.name).body(file.bytes, kind))
        }
    };
    message.multipart(body).map_err(|e| e.to_string())
}

/// How long a claimed message is this sender's: past it (the instance
/// stopped mid-send), any instance may send it.
const CLAIM_MS: i64 = 5 * 60_000;

/// Claims the messages due now, oldest first, for this sender: their next
/// attempt moves past the claim, in the same statement that picks them, so
/// another instance's sender never gets the same message (PostgreSQL skips
/// rows another claim holds; SQLite runs one write at a time).
async fn due(db: &Db, limit: i64) -> sqlx::Result<Vec<Due>> {
    let lock = match db.kind() {
        crate::platform::db::DatabaseKind::Postgres => " FOR UPDATE SKIP LOCKED",
        crate::platform::db::DatabaseKind::Sqlite => "",
    };
    let sql = format!(
        "UPDATE outbox SET next_attempt_at = $1 WHERE id IN (SELECT id FROM outbox \
         WHERE status = 'pending' AND next_attempt_at <= $2 ORDER BY next_attempt_at, id LIMIT $3{lock}) \
         RETURNING id, recipient, subject, text_body, html_body, attempts, created_at, attachment_key, \
         attachment_name"
    );
    let now = now_ms();
    let mut claimed = sqlx::query_as::<_, DueRow>(sqlx::AssertSqlSafe(sql))
        .bind(now + CLAIM_MS)
        .bind(now)
        .bind(limit)
        .fetch_all(db.pool())
        .await?;
    claimed.sort_by(|a, b| (a.created_at, &a.id).cmp(&(b.created_at, &b.id)));
    Ok(claimed
        .into_iter()
        .map(|row| Due {
            id: row.id,
            to: row.recipient,
            subject: row.subject,
            text: row.text_body,
            html: row.html_body,
            attempts: row.attempts,
            attachment: row
                .attachment_key
                .map(|key| (key, row.attachment_name.unwrap_or_else(|| "file".into()))),
        })
        .collect())
}

/// A claimed `outbox` row, as [`due`] reads it.
#[derive(sqlx::FromRow)]
struct DueRow {
    id: String,
    recipient: String,
    subject: String,
    text_body: String,
    html_body: String,
    attempts: i64,
    created_at: i64,
    attachment_key: Option<String>,
    attachment_name: Option<String>,
}

/// Sends what is due once; returns how many were sent. Each message is
/// marked sent, or put back with a later time and its error, or given up
/// after [`MAX_ATTEMPTS`].
pub async fn send_due(db: &Db, storage: &Storage, config: &Config) -> sqlx::Result<usize> {
    let transport = match Transport::from_config(config) {
        Ok(transport) => transport,
        Err(error) => {
            tracing::error!(%error, "mail is not configured correctly; nothing sent");
            return Ok(0);
        }
    };
    let mut sent = 0;
    for due in due(db, 50).await? {
        let file = attachment(storage, &due).await;
        let outcome = match message(&config.mail_from, &due, file) {
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
    sqlx::query_scalar("SELECT MIN(next_attempt_at) AS next FROM outbox WHERE status = 'pending'")
        .fetch_one(db.pool())
        .await
}

/// The mail worker: sends what is due, then sleeps until woken or the next
/// retry falls due (at most a minute, so a message queued by another
/// instance goes out too).
pub async fn run(db: Db, storage: Storage, config: Arc<Config>, due: Arc<tokio::sync::Notify>) {
    loop {
        if let Err(error) = send_due(&db, &storage, &config).await {
            tracing::warn!(%error, "cannot read the outbox");
        }
        let wait_ms = match next_due_at(&db).await {
            Ok(Some(at)) => (at - now_ms()).clamp(100, 60_000),
            _ => 60_000,
        };
        tokio::select! {
            _ = due.notified() => {}
            _ = tokio::time::sleep(Duration::from_millis(wait_ms as u64)) => {}
        }
    }
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
}
