//! Dates, date-times and Korea Standard Time, in one place for every connector.
//!
//! Back-ends send local Korean dates (`YYYYMMDD`, `YYYY-MM-DD`) and date-times without an
//! offset; the unified model holds UTC instants. Korea has had no daylight saving since 1988,
//! so KST is a fixed UTC+9 and the conversion is never ambiguous. The parsers here return
//! `None` on anything else; the field readers ([`crate::portal::item`], [`crate::json`]) turn
//! that into an error naming the field.

use chrono::{DateTime, FixedOffset, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Utc};

/// Korea Standard Time, UTC+9.
pub fn kst() -> FixedOffset {
    FixedOffset::east_opt(9 * 3600).expect("+09:00 is a valid offset")
}

/// Midnight of a date in Korea, as a UTC instant.
pub fn kst_midnight(d: NaiveDate) -> DateTime<Utc> {
    let naive = d.and_time(NaiveTime::MIN);
    // A fixed offset is never ambiguous; fall back to UTC midnight anyway.
    kst_instant(naive).unwrap_or_else(|| naive.and_utc())
}

/// A local Korean date-time as a UTC instant.
pub fn kst_instant(naive: NaiveDateTime) -> Option<DateTime<Utc>> {
    match kst().from_local_datetime(&naive) {
        chrono::LocalResult::Single(t) => Some(t.with_timezone(&Utc)),
        _ => None,
    }
}

/// An instant shown in Korean local time, `YYYY-MM-DD HH:MM` (for people, never parsed back).
pub fn kst_display(t: DateTime<Utc>) -> String {
    t.with_timezone(&kst()).format("%Y-%m-%d %H:%M").to_string()
}

/// `YYYYMMDD` or `YYYY-MM-DD`.
pub fn parse_date(v: &str) -> Option<NaiveDate> {
    let v = v.trim();
    match v.len() {
        8 => NaiveDate::parse_from_str(v, "%Y%m%d").ok(),
        10 => NaiveDate::parse_from_str(v, "%Y-%m-%d").ok(),
        _ => None,
    }
}

/// A date in an explicit `chrono` format (declarative connectors name theirs).
pub fn parse_date_as(v: &str, format: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(v.trim(), format).ok()
}

/// `YYYYMMDDHHMMSS` or `YYYY-MM-DD HH:MM:SS`, in KST, as a UTC instant.
pub fn parse_datetime_kst(v: &str) -> Option<DateTime<Utc>> {
    let v = v.trim();
    let naive = match v.len() {
        14 => NaiveDateTime::parse_from_str(v, "%Y%m%d%H%M%S").ok(),
        19 => NaiveDateTime::parse_from_str(v, "%Y-%m-%d %H:%M:%S").ok(),
        _ => None,
    }?;
    kst_instant(naive)
}

/// An RFC 3339 instant (it carries its own offset).
pub fn parse_rfc3339(v: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(v.trim())
        .ok()
        .map(|t| t.with_timezone(&Utc))
}

/// `HHMM` or `HH:MM`.
pub fn parse_time_of_day(v: &str) -> Option<NaiveTime> {
    let v = v.trim();
    match v.len() {
        4 => NaiveTime::parse_from_str(v, "%H%M").ok(),
        5 => NaiveTime::parse_from_str(v, "%H:%M").ok(),
        _ => None,
    }
}

/// Won written as digits with optional `,` thousands separators; negative, empty, non-numeric
/// or too large is `None`.
pub fn parse_won(v: &str) -> Option<i64> {
    let digits: String = v.trim().chars().filter(|c| *c != ',').collect();
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse::<i64>().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_in_both_forms_and_nothing_else() {
        let d = NaiveDate::from_ymd_opt(2026, 1, 31);
        assert_eq!(parse_date("20260131"), d);
        assert_eq!(parse_date("2026-01-31"), d);
        for v in ["2026131", "2026-1-31", "20261331", "", "31.01.2026"] {
            assert_eq!(parse_date(v), None, "{v}");
        }
        assert_eq!(parse_date_as("31.01.2026", "%d.%m.%Y"), d);
    }

    #[test]
    fn kst_is_nine_hours_ahead() {
        let d = NaiveDate::from_ymd_opt(2026, 10, 3).unwrap();
        assert_eq!(kst_midnight(d).to_rfc3339(), "2026-10-02T15:00:00+00:00");
        let t = parse_datetime_kst("20261003143512").unwrap();
        assert_eq!(t.to_rfc3339(), "2026-10-03T05:35:12+00:00");
        assert_eq!(parse_datetime_kst("2026-10-03 14:35:12"), Some(t));
        assert_eq!(parse_datetime_kst("202610031435"), None);
        assert_eq!(kst_display(t), "2026-10-03 14:35");
    }

    #[test]
    fn won_and_times() {
        assert_eq!(parse_won("1,300,000"), Some(1_300_000));
        for v in ["-1", "12만", "", "99999999999999999999"] {
            assert_eq!(parse_won(v), None, "{v}");
        }
        assert_eq!(parse_time_of_day("0530"), NaiveTime::from_hms_opt(5, 30, 0));
        assert_eq!(parse_time_of_day("2560"), None);
    }
}
