//! Time as we store it: UTC milliseconds since the Unix epoch.
//!
//! An integer is the one time representation that SQLite and PostgreSQL
//! share through sqlx's `Any` driver, sorts correctly, and makes durations
//! plain subtraction.

use std::time::{SystemTime, UNIX_EPOCH};

pub fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|elapsed| i64::try_from(elapsed.as_millis()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}
