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

/// A UTC time (milliseconds) as the lab reads it: `2026-11-22 15:05 CST` in
/// `zone` (an IANA name such as `America/Chicago`; daylight saving included).
pub fn lab_time(at_ms: i64, zone: chrono_tz::Tz) -> String {
    chrono::DateTime::from_timestamp_millis(at_ms)
        .map(|utc| utc.with_timezone(&zone).format("%Y-%m-%d %H:%M %Z").to_string())
        .unwrap_or_default()
}

/// The time of day to the second in `zone`, e.g. `15:05:09 CST` (for "last updated").
pub fn lab_clock(at_ms: i64, zone: chrono_tz::Tz) -> String {
    chrono::DateTime::from_timestamp_millis(at_ms)
        .map(|utc| utc.with_timezone(&zone).format("%H:%M:%S %Z").to_string())
        .unwrap_or_default()
}

/// The calendar day in `zone`, `2026-12-04`: the lab's day, for daily counts.
pub fn lab_day(at_ms: i64, zone: chrono_tz::Tz) -> String {
    chrono::DateTime::from_timestamp_millis(at_ms)
        .map(|utc| utc.with_timezone(&zone).format("%Y-%m-%d").to_string())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    #[test]
    fn lab_times_follow_daylight_saving() {
        let chicago: chrono_tz::Tz = "America/Chicago".parse().unwrap();
        // 2026-07-01 12:00 UTC and 2026-12-01 12:00 UTC.
        assert_eq!(super::lab_time(1_782_907_200_000, chicago), "2026-07-01 07:00 CDT");
        assert_eq!(super::lab_time(1_796_126_400_000, chicago), "2026-12-01 06:00 CST");
        // The night the clocks go back (2026-11-01, 01:30 happens twice).
        assert_eq!(super::lab_time(1_793_514_600_000, chicago), "2026-11-01 01:30 CDT");
        // 2026-12-01 03:00 UTC is still the evening before in Chicago.
        assert_eq!(super::lab_day(1_796_094_000_000, chicago), "2026-11-30");
        assert_eq!(super::lab_time(1_793_518_200_000, chicago), "2026-11-01 01:30 CST");
        assert_eq!(super::lab_clock(1_793_518_209_000, chicago), "01:30:09 CST");
    }
}
