//! The stretches of time staff reports cover, as the lab lives them: days,
//! weeks (Monday to Sunday) and months in the lab's time zone, turned into
//! the UTC milliseconds the database keeps.

use app::error::AppError;
use app::report::{Grain, MAX_PERIODS};
use chrono::{Datelike, Days as DayCount, NaiveDate, TimeZone};
use chrono_tz::Tz;

/// The longest funnel period, in days.
pub const MAX_DAYS: u64 = 3660;
/// The period when none is chosen.
pub const DEFAULT_DAYS: u64 = 30;

/// Days `from` to `to`, both included.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Days {
    pub from: NaiveDate,
    pub to: NaiveDate,
    /// Midnight starting `from`, and midnight ending `to` (UTC ms).
    pub start_ms: i64,
    pub end_ms: i64,
}

/// A period a staff form asked for that cannot be read.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct PeriodError {
    pub field: &'static str,
    pub message: String,
}

/// A report's period that cannot be read, next to its field.
impl From<PeriodError> for AppError {
    fn from(error: PeriodError) -> Self {
        AppError::Invalid { field: error.field.into(), message: error.message }
    }
}

fn refuse(field: &'static str, message: impl Into<String>) -> PeriodError {
    PeriodError { field, message: message.into() }
}

impl Days {
    /// From the form's `YYYY-MM-DD` days; an empty one is the last
    /// [`DEFAULT_DAYS`] days up to today, or the day count from the other.
    pub fn parse(from: &str, to: &str, now_ms: i64, zone: Tz) -> Result<Days, PeriodError> {
        let day = |field: &'static str, text: &str| -> Result<Option<NaiveDate>, PeriodError> {
            match text.trim() {
                "" => Ok(None),
                text => NaiveDate::parse_from_str(text, "%Y-%m-%d")
                    .map(Some)
                    .map_err(|_| refuse(field, "Enter a day as YYYY-MM-DD, like 2026-11-01.")),
            }
        };
        let span = DayCount::new(DEFAULT_DAYS - 1);
        let (from, to) = match (day("from", from)?, day("to", to)?) {
            (Some(from), Some(to)) => (from, to),
            (Some(from), None) => (from, from + span),
            (None, Some(to)) => (to - span, to),
            (None, None) => {
                let today = local_date(now_ms, zone);
                (today - span, today)
            }
        };
        if from > to {
            return Err(refuse("to", "The last day comes before the first."));
        }
        if (to - from).num_days() as u64 >= MAX_DAYS {
            return Err(refuse("to", format!("Choose at most {MAX_DAYS} days.")));
        }
        let end = to.succ_opt().ok_or_else(|| refuse("to", "That day is too far away."))?;
        Ok(Days { from, to, start_ms: midnight(from, zone), end_ms: midnight(end, zone) })
    }
}

/// One week or month.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Period {
    /// `2026-W47` (ISO week) or `2026-11`.
    pub label: String,
    pub starts: NaiveDate,
    pub start_ms: i64,
    pub end_ms: i64,
}

/// The form's period count: empty means 12.
fn period_count(text: &str) -> Result<u32, PeriodError> {
    match text.trim() {
        "" => Ok(12),
        text => text
            .parse::<u32>()
            .ok()
            .filter(|count| (1..=MAX_PERIODS).contains(count))
            .ok_or_else(|| refuse("periods", format!("Choose 1 to {MAX_PERIODS} periods."))),
    }
}

/// The overview form's grain (empty: week) and period count.
pub fn grain_and_count(grain: &str, count: &str) -> Result<(Grain, u32), PeriodError> {
    let grain = match grain.trim() {
        "" => Grain::Week,
        name => Grain::parse(name).ok_or_else(|| refuse("grain", "Choose week or month."))?,
    };
    Ok((grain, period_count(count)?))
}

/// The `count` weeks or months up to and including the one holding `now_ms`, oldest first.
pub fn periods(now_ms: i64, zone: Tz, grain: Grain, count: u32) -> Vec<Period> {
    let today = local_date(now_ms, zone);
    let mut start = match grain {
        Grain::Week => today - DayCount::new(u64::from(today.weekday().num_days_from_monday())),
        Grain::Month => today.with_day(1).expect("every month has a first day"),
    };
    let mut starts = vec![start];
    for _ in 1..count {
        start = match grain {
            Grain::Week => start - DayCount::new(7),
            Grain::Month => start - chrono::Months::new(1),
        };
        starts.push(start);
    }
    starts.reverse();
    starts
        .into_iter()
        .map(|starts| {
            let next = match grain {
                Grain::Week => starts + DayCount::new(7),
                Grain::Month => starts + chrono::Months::new(1),
            };
            let label = match grain {
                Grain::Week => {
                    let week = starts.iso_week();
                    format!("{}-W{:02}", week.year(), week.week())
                }
                Grain::Month => format!("{}-{:02}", starts.year(), starts.month()),
            };
            Period { label, starts, start_ms: midnight(starts, zone), end_ms: midnight(next, zone) }
        })
        .collect()
}

/// The day `at_ms` falls on in `zone`.
pub fn local_date(at_ms: i64, zone: Tz) -> NaiveDate {
    chrono::DateTime::from_timestamp_millis(at_ms).unwrap_or_default().with_timezone(&zone).date_naive()
}

/// The first moment of `day` in `zone` (UTC ms). Where a clock change skips
/// midnight, the first moment that exists.
fn midnight(day: NaiveDate, zone: Tz) -> i64 {
    let mut local = day.and_hms_opt(0, 0, 0).expect("midnight exists");
    for _ in 0..4 {
        if let Some(at) = zone.from_local_datetime(&local).earliest() {
            return at.timestamp_millis();
        }
        local += chrono::TimeDelta::minutes(30);
    }
    zone.from_utc_datetime(&local).timestamp_millis()
}

#[cfg(test)]
mod tests {
    use app::report::Grain;
    use chrono::NaiveDate;

    use super::{Days, periods};

    const CHICAGO: chrono_tz::Tz = chrono_tz::America::Chicago;
    /// 2026-11-23 18:00 UTC, a Monday (noon in Chicago).
    const NOW: i64 = 1_795_456_800_000;

    #[test]
    fn weeks_start_on_monday_in_the_lab_and_cross_the_clock_change() {
        let weeks = periods(NOW, CHICAGO, Grain::Week, 4);
        let labels: Vec<&str> = weeks.iter().map(|week| week.label.as_str()).collect();
        assert_eq!(labels, ["2026-W45", "2026-W46", "2026-W47", "2026-W48"]);
        assert_eq!(weeks[3].starts, NaiveDate::from_ymd_opt(2026, 11, 23).unwrap());
        // Monday 2026-11-23 00:00 CST is 06:00 UTC.
        assert_eq!(weeks[3].start_ms, 1_795_413_600_000);
        // Back to back, and each 7 × 24 h (CST all along since 2026-11-01).
        for pair in weeks.windows(2) {
            assert_eq!(pair[0].end_ms, pair[1].start_ms);
            assert_eq!(pair[0].end_ms - pair[0].start_ms, 7 * 24 * 3_600_000);
        }
        // Week 45 (2 to 8 November) began on CST; the week of 26 October had an hour more.
        let earlier = periods(NOW, CHICAGO, Grain::Week, 5);
        assert_eq!(earlier[0].end_ms - earlier[0].start_ms, (7 * 24 + 1) * 3_600_000);
    }

    #[test]
    fn months_and_the_new_year() {
        let months = periods(NOW, CHICAGO, Grain::Month, 12);
        assert_eq!(months[0].label, "2025-12");
        assert_eq!(months[1].label, "2026-01");
        assert_eq!(months[11].label, "2026-11");
        assert_eq!(months[11].starts, NaiveDate::from_ymd_opt(2026, 11, 1).unwrap());
        assert_eq!(months[0].end_ms, months[1].start_ms);
    }

    #[test]
    fn days_default_to_the_last_thirty_and_refuse_nonsense() {
        let days = Days::parse("", "", NOW, CHICAGO).unwrap();
        assert_eq!(days.to, NaiveDate::from_ymd_opt(2026, 11, 23).unwrap());
        assert_eq!(days.from, NaiveDate::from_ymd_opt(2026, 10, 25).unwrap());
        let one = Days::parse("2026-11-23", "2026-11-23", NOW, CHICAGO).unwrap();
        assert_eq!((one.start_ms, one.end_ms - one.start_ms), (1_795_413_600_000, 24 * 3_600_000));
        assert_eq!(Days::parse("2026-11-31", "", NOW, CHICAGO).unwrap_err().field, "from");
        assert_eq!(Days::parse("2026-11-20", "2026-11-01", NOW, CHICAGO).unwrap_err().field, "to");
        assert_eq!(Days::parse("2000-01-01", "2026-01-01", NOW, CHICAGO).unwrap_err().field, "to");
    }
}
