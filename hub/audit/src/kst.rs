//! Korean time for auditors: a "day" or a "month" of the trail is one in Asia/Seoul (UTC+9,
//! no daylight saving since 1988), so its boundaries are KST midnights, not UTC ones.

use chrono::{DateTime, Datelike, FixedOffset, NaiveDate, NaiveTime, TimeZone, Utc};

/// Asia/Seoul's offset, +09:00.
pub fn offset() -> FixedOffset {
    FixedOffset::east_opt(9 * 3600).expect("+09:00 is a valid offset")
}

/// A time in KST.
pub fn to_kst(t: DateTime<Utc>) -> DateTime<FixedOffset> {
    t.with_timezone(&offset())
}

/// The KST calendar day of a time.
pub fn day_of(t: DateTime<Utc>) -> NaiveDate {
    to_kst(t).date_naive()
}

/// KST midnight at the start of `day`, in UTC (the previous day 15:00 UTC).
pub fn day_start(day: NaiveDate) -> DateTime<Utc> {
    offset()
        .from_local_datetime(&day.and_time(NaiveTime::MIN))
        .single()
        .expect("a fixed offset has one local midnight")
        .with_timezone(&Utc)
}

/// A month `YYYY-MM` that could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("month: expected YYYY-MM, e.g. 2026-11")]
pub struct BadMonth;

/// A review month, `YYYY-MM` in Asia/Seoul.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Month {
    first: NaiveDate,
}

impl Month {
    /// Reads `YYYY-MM` (years 2000–2999).
    pub fn parse(text: &str) -> Result<Month, BadMonth> {
        let (y, m) = text.trim().split_once('-').ok_or(BadMonth)?;
        if y.len() != 4 || m.len() != 2 {
            return Err(BadMonth);
        }
        let year: i32 = y.parse().map_err(|_| BadMonth)?;
        let month: u32 = m.parse().map_err(|_| BadMonth)?;
        if !(2000..=2999).contains(&year) {
            return Err(BadMonth);
        }
        NaiveDate::from_ymd_opt(year, month, 1)
            .map(|first| Month { first })
            .ok_or(BadMonth)
    }

    /// The KST month a time falls in.
    pub fn of(t: DateTime<Utc>) -> Month {
        let d = day_of(t);
        Month {
            first: d.with_day(1).expect("day 1 exists"),
        }
    }

    /// The first day.
    pub fn first_day(self) -> NaiveDate {
        self.first
    }

    /// The month after this one.
    pub fn next(self) -> Month {
        let (y, m) = match self.first.month() {
            12 => (self.first.year() + 1, 1),
            m => (self.first.year(), m + 1),
        };
        Month {
            first: NaiveDate::from_ymd_opt(y, m, 1).expect("day 1 exists"),
        }
    }

    /// `[start, end)` in UTC: KST midnight of the 1st to KST midnight of the next 1st.
    pub fn range(self) -> (DateTime<Utc>, DateTime<Utc>) {
        (day_start(self.first), day_start(self.next().first))
    }
}

impl std::fmt::Display for Month {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:04}-{:02}", self.first.year(), self.first.month())
    }
}

/// Reads a time bound typed by a person: RFC 3339, or a date-only `YYYY-MM-DD`, which means
/// that day's KST midnight. `None` when neither.
pub fn parse_bound(text: &str) -> Option<DateTime<Utc>> {
    let text = text.trim();
    if let Ok(t) = DateTime::parse_from_rfc3339(text) {
        return Some(t.with_timezone(&Utc));
    }
    NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .ok()
        .map(day_start)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_korean_month_starts_at_kst_midnight_which_is_15_utc_the_day_before() {
        let m = Month::parse("2026-11").unwrap();
        let (from, to) = m.range();
        assert_eq!(from.to_rfc3339(), "2026-10-31T15:00:00+00:00");
        assert_eq!(to.to_rfc3339(), "2026-11-30T15:00:00+00:00");
        let dec = Month::parse("2026-12").unwrap();
        assert_eq!(dec.next().to_string(), "2027-01");
        // 2026-11-30 16:00 UTC is already December 1st in Seoul.
        let t = DateTime::parse_from_rfc3339("2026-11-30T16:00:00Z").unwrap();
        assert_eq!(Month::of(t.with_timezone(&Utc)), dec);
    }

    #[test]
    fn bad_months_are_refused() {
        for bad in [
            "2026-13", "2026-1", "26-11", "2026/11", "", "1999-01", "2026-00",
        ] {
            assert_eq!(Month::parse(bad), Err(BadMonth), "{bad}");
        }
    }

    #[test]
    fn a_date_only_bound_is_kst_midnight() {
        assert_eq!(
            parse_bound("2026-11-02").unwrap().to_rfc3339(),
            "2026-11-01T15:00:00+00:00"
        );
        assert_eq!(
            parse_bound("2026-11-02T00:00:00Z").unwrap().to_rfc3339(),
            "2026-11-02T00:00:00+00:00"
        );
        assert!(parse_bound("yesterday").is_none());
    }
}
