//! Staff sign-in with the lab's shared password: an argon2 hash in the
//! database, sessions in an HttpOnly, SameSite=Strict cookie (Secure behind
//! HTTPS) that end after the configured idle time, and at most
//! [`MAX_FAILED_PER_MINUTE`] wrong passwords a minute from one address.

use app::error::AppError;
use argon2::Argon2;
use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use http::HeaderMap;

use crate::platform::db::Db;
use crate::platform::secrets;
use crate::platform::signed_links::LinkSigner;
use crate::platform::time::now_ms;
use crate::platform::tokens::{cookie, new_token, token_hash};

pub const COOKIE_NAME: &str = "memoreez_staff";
const PASSWORD_SECRET: &str = "staff_password";
/// Shortest password accepted.
pub const MIN_PASSWORD_CHARS: usize = 10;
pub const MAX_FAILED_PER_MINUTE: i64 = 5;

#[derive(thiserror::Error, Debug)]
pub enum StaffError {
    #[error("The password must be at least {MIN_PASSWORD_CHARS} characters.")]
    TooShort,
    #[error("The two passwords are not the same.")]
    Mismatch,
    #[error("That is not the staff password.")]
    WrongPassword,
    #[error("Too many wrong passwords from here. Try again in {0} s.")]
    TooManyTries(i64),
    /// Past the site's cap on wrong passwords a minute, from everywhere.
    #[error(
        "Too many wrong passwords are being tried on this site just now. Try again in {0} s, or from a computer that has signed in here before."
    )]
    SiteBusy(i64),
    #[error(
        "No staff password is set yet: set one with `memoreez admin set-password` or the setup link in the server's log."
    )]
    NoPassword,
    #[error("A staff password is already set.")]
    AlreadySet,
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
    #[error("password hashing: {0}")]
    Hashing(String),
}

impl From<StaffError> for AppError {
    fn from(error: StaffError) -> Self {
        let field = match &error {
            StaffError::TooManyTries(seconds) | StaffError::SiteBusy(seconds) => {
                let retry_after_s = u64::try_from(*seconds).unwrap_or(60);
                return AppError::TooManyRequests { retry_after_s, message: error.to_string() };
            }
            StaffError::TooShort | StaffError::WrongPassword => "password",
            StaffError::Mismatch => "repeat",
            StaffError::NoPassword | StaffError::AlreadySet => "code",
            StaffError::Database(_) | StaffError::Hashing(_) => {
                return crate::platform::app_error::internal(error);
            }
        };
        AppError::Invalid { field: field.into(), message: error.to_string() }
    }
}

pub async fn password_is_set(db: &Db) -> sqlx::Result<bool> {
    Ok(secrets::get(db, PASSWORD_SECRET).await?.is_some())
}

fn check_new(password: &str, repeat: &str) -> Result<(), StaffError> {
    if password.chars().count() < MIN_PASSWORD_CHARS {
        return Err(StaffError::TooShort);
    }
    if password != repeat {
        return Err(StaffError::Mismatch);
    }
    Ok(())
}

async fn hash(password: &str) -> Result<String, StaffError> {
    let password = password.to_string();
    tokio::task::spawn_blocking(move || {
        Argon2::default().hash_password(password.as_bytes()).map(|h| h.to_string())
    })
    .await
    .map_err(|e| StaffError::Hashing(e.to_string()))?
    .map_err(|e| StaffError::Hashing(e.to_string()))
}

/// Sets (or replaces) the password and signs every browser out.
pub async fn set_password(db: &Db, password: &str, repeat: &str) -> Result<(), StaffError> {
    check_new(password, repeat)?;
    let hashed = hash(password).await?;
    let mut tx = db.begin_write().await?;
    secrets::replace(&mut tx, PASSWORD_SECRET, &hashed).await?;
    sqlx::query("DELETE FROM staff_sessions").execute(&mut *tx).await?;
    tx.commit().await?;
    Ok(())
}

/// The first password, only while none is set (the setup page).
pub async fn set_first_password(db: &Db, password: &str, repeat: &str) -> Result<(), StaffError> {
    check_new(password, repeat)?;
    let hashed = hash(password).await?;
    match secrets::add_if_none(db, PASSWORD_SECRET, &hashed).await? {
        true => Ok(()),
        false => Err(StaffError::AlreadySet),
    }
}

/// Argon2 checks at once, in the whole process: each holds 19 MiB and a
/// core for a moment, so a flood of guesses queues here instead of filling
/// memory with blocking tasks.
static VERIFYING: tokio::sync::Semaphore = tokio::sync::Semaphore::const_new(2);
/// Past this many failed sign-ins a minute from all addresses together (a
/// guess spread over many addresses), a sign-in is refused (429 with
/// `Retry-After`) unless it comes from a computer that has signed in before
/// ([`device_token`]). Each address counts at most [`MAX_FAILED_PER_MINUTE`]
/// toward it, so one address hammering away (locked out on its own) cannot
/// lock out staff elsewhere.
pub const GLOBAL_FAILED_PER_MINUTE: i64 = 30;

/// The cookie that marks a computer where staff signed in before.
pub const DEVICE_COOKIE: &str = "memoreez_staff_device";
/// How long a computer stays known after its last sign-in.
const DEVICE_DAYS: i64 = 90;
const DEVICE_SIGNED: &str = "staff-device";

/// A known computer's cookie value: `<expiry s>.<signature>`.
pub fn device_token(links: &LinkSigner, now_ms: i64) -> String {
    let exp = now_ms / 1000 + DEVICE_DAYS * 86_400;
    format!("{exp}.{}", links.signature(DEVICE_SIGNED, exp))
}

/// The `Set-Cookie` value for a known computer's token.
pub fn set_device_cookie(token: &str, secure: bool) -> String {
    let secure = if secure { "; Secure" } else { "" };
    let age = DEVICE_DAYS * 86_400;
    format!("{DEVICE_COOKIE}={token}; Path=/; HttpOnly; SameSite=Strict; Max-Age={age}{secure}")
}

/// Whether the request carries a known computer's cookie, signed by this site and not expired.
pub fn known_device(links: &LinkSigner, headers: &HeaderMap, now_ms: i64) -> bool {
    cookie(headers, DEVICE_COOKIE).is_some_and(|value| {
        value.split_once('.').is_some_and(|(exp, sig)| {
            exp.parse::<i64>().is_ok_and(|exp| links.verify(DEVICE_SIGNED, exp, sig, now_ms / 1000))
        })
    })
}

/// Checks the password from `ip` (rate limited) and starts a session; its cookie token.
///
/// The attempt is recorded before the password is checked, and the limit
/// counts every attempt recorded so far: of many parallel guesses, the n-th
/// to count sees at least n, so no more than [`MAX_FAILED_PER_MINUTE`] are
/// ever checked, on one instance or several. A right password removes its
/// own record. `known_device`: the request comes from a computer where staff
/// signed in before, which the site-wide cap does not stop.
pub async fn sign_in(db: &Db, ip: &str, password: &str, known_device: bool) -> Result<String, StaffError> {
    let now = now_ms();
    let attempt: i64 = sqlx::query_scalar("INSERT INTO login_attempts (ip, at) VALUES ($1, $2) RETURNING id")
        .bind(ip)
        .bind(now)
        .fetch_one(db.pool())
        .await?;
    let (recent, oldest): (i64, i64) = sqlx::query_as(
        "SELECT COUNT(*) AS n, MIN(at) AS oldest FROM login_attempts WHERE ip = $1 AND at > $2",
    )
    .bind(ip)
    .bind(now - 60_000)
    .fetch_one(db.pool())
    .await?;
    if recent > MAX_FAILED_PER_MINUTE {
        return Err(StaffError::TooManyTries(((oldest + 60_000 - now) / 1000).max(1)));
    }
    if !known_device {
        let (counted, oldest): (i64, Option<i64>) = sqlx::query_as(
            "SELECT CAST(COALESCE(SUM(CASE WHEN n > $2 THEN $2 ELSE n END), 0) AS BIGINT) AS n, \
             MIN(oldest) AS oldest FROM (SELECT COUNT(*) AS n, MIN(at) AS oldest FROM login_attempts WHERE at > $1 GROUP BY ip) AS per_ip",
        )
        .bind(now - 60_000)
        .bind(MAX_FAILED_PER_MINUTE)
        .fetch_one(db.pool())
        .await?;
        if counted > GLOBAL_FAILED_PER_MINUTE {
            // Not checked, so not counted: the window empties as the checked ones age.
            forget(db, attempt).await?;
            let wait = oldest.map_or(60, |oldest| (oldest + 60_000 - now) / 1000);
            return Err(StaffError::SiteBusy(wait.clamp(1, 60)));
        }
    }
    let stored = secrets::get(db, PASSWORD_SECRET).await?;
    let Some(stored) = stored else {
        forget(db, attempt).await?;
        return Err(StaffError::NoPassword);
    };
    let given = password.to_string();
    let permit = VERIFYING.acquire().await.map_err(|e| StaffError::Hashing(e.to_string()))?;
    let matches = tokio::task::spawn_blocking(move || {
        PasswordHash::new(&stored)
            .is_ok_and(|parsed| Argon2::default().verify_password(given.as_bytes(), &parsed).is_ok())
    })
    .await
    .map_err(|e| StaffError::Hashing(e.to_string()))?;
    drop(permit);
    if !matches {
        // Old attempts are of no use: keep the table small.
        sqlx::query("DELETE FROM login_attempts WHERE at < $1")
            .bind(now - 3_600_000)
            .execute(db.pool())
            .await?;
        return Err(StaffError::WrongPassword);
    }
    forget(db, attempt).await?;
    let token = new_token();
    sqlx::query("INSERT INTO staff_sessions (id_hash, created_at, last_seen_at) VALUES ($1, $2, $2)")
        .bind(token_hash(&token))
        .bind(now)
        .execute(db.pool())
        .await?;
    Ok(token)
}

/// Drops an attempt's record: it was not a wrong password.
async fn forget(db: &Db, attempt: i64) -> Result<(), StaffError> {
    sqlx::query("DELETE FROM login_attempts WHERE id = $1").bind(attempt).execute(db.pool()).await?;
    Ok(())
}

/// The staff session's token from the request's cookies, if any.
pub fn cookie_token(headers: &HeaderMap) -> Option<String> {
    cookie(headers, COOKIE_NAME)
}

/// Whether the request comes from a signed-in browser whose session has not
/// been idle longer than `idle_minutes`; using it keeps it alive.
pub async fn signed_in(db: &Db, headers: &HeaderMap, idle_minutes: u64) -> sqlx::Result<bool> {
    let Some(token) = cookie_token(headers) else { return Ok(false) };
    let now = now_ms();
    let idle_ms = idle_minutes as i64 * 60_000;
    let touched =
        sqlx::query("UPDATE staff_sessions SET last_seen_at = $1 WHERE id_hash = $2 AND last_seen_at > $3")
            .bind(now)
            .bind(token_hash(&token))
            .bind(now - idle_ms)
            .execute(db.pool())
            .await?
            .rows_affected();
    if touched == 0 {
        sqlx::query("DELETE FROM staff_sessions WHERE last_seen_at <= $1")
            .bind(now - idle_ms)
            .execute(db.pool())
            .await?;
    }
    Ok(touched == 1)
}

/// Ends the request's session.
pub async fn sign_out(db: &Db, headers: &HeaderMap) -> sqlx::Result<()> {
    if let Some(token) = cookie_token(headers) {
        sqlx::query("DELETE FROM staff_sessions WHERE id_hash = $1")
            .bind(token_hash(&token))
            .execute(db.pool())
            .await?;
    }
    Ok(())
}

/// The `Set-Cookie` value for a session token (`None`: clear it).
pub fn set_cookie(token: Option<&str>, secure: bool) -> String {
    let secure = if secure { "; Secure" } else { "" };
    match token {
        Some(token) => format!("{COOKIE_NAME}={token}; Path=/; HttpOnly; SameSite=Strict{secure}"),
        None => format!("{COOKIE_NAME}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0{secure}"),
    }
}

/// Whether a state-changing request comes from our own pages: a browser
/// sends `Origin` with every cross-site POST, and it must name this host.
/// (With the SameSite=Strict cookie this is the CSRF defence.)
pub fn same_origin(headers: &HeaderMap) -> bool {
    let Some(origin) = headers.get(http::header::ORIGIN).and_then(|v| v.to_str().ok()) else {
        // Not a browser's cross-site request (curl, a same-origin form in old browsers).
        return true;
    };
    let host = headers.get(http::header::HOST).and_then(|v| v.to_str().ok()).unwrap_or_default();
    origin.split_once("://").is_some_and(|(_, rest)| rest.trim_end_matches('/') == host)
}
