//! Dates, date-times and Korea Standard Time, in one place for every connector.
//!
//! Back-ends send local Korean dates (`YYYYMMDD`, `YYYY-MM-DD`) and date-times without an
//! offset; the unified model holds UTC instants. Korea has had no daylight saving since 1988,
//! so KST is a fixed UTC+9 and the conversion is never ambiguous. The parsers here return
//! `None` on anything else; the field readers ([`crate::portal::item`], [`crate::json`]) turn
//! that into an error naming the field.

use chrono::{DateTime, FixedOffset, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Utc};

mod canonical;

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

/// A date as `YYYY-MM-DD` (what `format("%Y-%m-%d")` writes, without reading a format string).
pub fn format_date_dashed(d: NaiveDate) -> String {
    let mut out = String::with_capacity(10);
    if !canonical::push_date(&mut out, d, "-") {
        return d.format("%Y-%m-%d").to_string();
    }
    out
}

/// A wall-clock time as `YYYYMMDDHHMMSS` (what `format("%Y%m%d%H%M%S")` writes).
pub fn format_compact(t: NaiveDateTime) -> String {
    let mut out = String::with_capacity(14);
    if !canonical::push_date(&mut out, t.date(), "") {
        return t.format("%Y%m%d%H%M%S").to_string();
    }
    canonical::push_time(&mut out, t.time(), "");
    out
}

/// An instant in Korean local time as RFC 3339 to the second, `YYYY-MM-DDTHH:MM:SS+09:00`
/// (what `format("%Y-%m-%dT%H:%M:%S%:z")` writes in KST).
pub fn format_kst_rfc3339(t: DateTime<Utc>) -> String {
    let local = t.with_timezone(&kst()).naive_local();
    let mut out = String::with_capacity(25);
    if !canonical::push_date(&mut out, local.date(), "-") {
        return t
            .with_timezone(&kst())
            .format("%Y-%m-%dT%H:%M:%S%:z")
            .to_string();
    }
    out.push('T');
    canonical::push_time(&mut out, local.time(), ":");
    out.push_str("+09:00");
    out
}

/// `YYYYMMDD` or `YYYY-MM-DD`.
pub fn parse_date(v: &str) -> Option<NaiveDate> {
    let v = v.trim();
    // The all-digit forms directly; anything else as chrono reads it (it is more lenient).
    match v.len() {
        8 => canonical::date_compact(v.as_bytes())
            .or_else(|| NaiveDate::parse_from_str(v, "%Y%m%d").ok()),
        10 => canonical::date_dashed(v.as_bytes())
            .or_else(|| NaiveDate::parse_from_str(v, "%Y-%m-%d").ok()),
        _ => None,
    }
}

/// A date in an explicit `chrono` format (declarative connectors name theirs).
pub fn parse_date_as(v: &str, format: &str) -> Option<NaiveDate> {
    let v = v.trim();
    let fast = match format {
        "%Y%m%d" => canonical::date_compact(v.as_bytes()),
        "%Y-%m-%d" => canonical::date_dashed(v.as_bytes()),
        _ => None,
    };
    fast.or_else(|| NaiveDate::parse_from_str(v, format).ok())
}

/// `YYYYMMDDHHMMSS` or `YYYY-MM-DD HH:MM:SS`, in KST, as a UTC instant.
pub fn parse_datetime_kst(v: &str) -> Option<DateTime<Utc>> {
    let v = v.trim();
    let b = v.as_bytes();
    let naive = match v.len() {
        14 => canonical::date_compact(&b[..8])
            .zip(canonical::time(&b[8..], None))
            .map(|(d, t)| d.and_time(t))
            .or_else(|| NaiveDateTime::parse_from_str(v, "%Y%m%d%H%M%S").ok()),
        19 => canonical::date_dashed(&b[..10])
            .filter(|_| b[10] == b' ')
            .zip(canonical::time(&b[11..], Some(b':')))
            .map(|(d, t)| d.and_time(t))
            .or_else(|| NaiveDateTime::parse_from_str(v, "%Y-%m-%d %H:%M:%S").ok()),
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
        4 => canonical::hour_minute(v.as_bytes())
            .or_else(|| NaiveTime::parse_from_str(v, "%H%M").ok()),
        5 => canonical::hour_minute(v.as_bytes())
            .or_else(|| NaiveTime::parse_from_str(v, "%H:%M").ok()),
        _ => None,
    }
}

/// Won written as digits with optional `,` thousands separators; negative, empty, non-numeric
/// or too large is `None`.
pub fn parse_won(v: &str) -> Option<i64> {
    // Summed digit by digit rather than copied into a string without the commas and parsed.
    let mut any = false;
    let mut n: i64 = 0;
    for b in v.trim().bytes().filter(|b| *b != b',') {
        if !b.is_ascii_digit() {
            return None;
        }
        any = true;
        n = n.checked_mul(10)?.checked_add(i64::from(b - b'0'))?;
    }
    any.then_some(n)
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

    proptest::proptest! {
        #[test]
        fn won_reads_as_the_copy_and_parse_did(v in "[0-9, +-]{0,24}") {
            let digits: String = v.trim().chars().filter(|c| *c != ',').collect();
            let before = (!digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()))
                .then(|| digits.parse::<i64>().ok())
                .flatten();
            proptest::prop_assert_eq!(parse_won(&v), before);
        }
    }
}
