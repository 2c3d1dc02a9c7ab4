//! Reading typed values out of a portal `<item>`: required and optional fields, won amounts,
//! dates, date-times and small numbers. Every failure is a BadResponse whose message names the
//! field (and what it should be), never the value.

use chrono::{DateTime, FixedOffset, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Utc};
use minwon_connector_sdk::ConnectorError;
use minwon_connector_sdk::portal::Item;

/// Korea Standard Time, UTC+9.
pub fn kst() -> FixedOffset {
    FixedOffset::east_opt(9 * 3600).expect("+09:00 is a valid offset")
}

/// A field's trimmed value, `None` when absent or empty.
pub fn optional<'a>(item: &'a Item, name: &str) -> Option<&'a str> {
    item.get(name).map(|v| v.trim()).filter(|v| !v.is_empty())
}

/// A field that must be present; `what` names the kind of item in the error.
pub fn required<'a>(item: &'a Item, what: &str, name: &str) -> Result<&'a str, ConnectorError> {
    optional(item, name)
        .ok_or_else(|| ConnectorError::bad_response(format!("{what} item without {name}")))
}

fn bad(what: &str, name: &str, should: &str) -> ConnectorError {
    ConnectorError::bad_response(format!("{what} item {name} is not {should}"))
}

/// Won, digits with optional thousands separators; negative or non-numeric is refused.
pub fn amount(what: &str, name: &str, v: &str) -> Result<i64, ConnectorError> {
    let digits: String = v.chars().filter(|c| *c != ',').collect();
    let ok = !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit());
    ok.then(|| digits.parse::<i64>().ok())
        .flatten()
        .ok_or_else(|| bad(what, name, "a whole number of won"))
}

/// A whole number within `range` (speeds, minutes, points, sequence numbers).
pub fn number(
    what: &str,
    name: &str,
    v: &str,
    range: std::ops::RangeInclusive<u32>,
) -> Result<u32, ConnectorError> {
    v.parse::<u32>()
        .ok()
        .filter(|n| range.contains(n))
        .ok_or_else(|| {
            bad(
                what,
                name,
                &format!("a number from {} to {}", range.start(), range.end()),
            )
        })
}

/// `YYYYMMDD` (the portal's form) or `YYYY-MM-DD`.
pub fn date(what: &str, name: &str, v: &str) -> Result<NaiveDate, ConnectorError> {
    NaiveDate::parse_from_str(v, "%Y%m%d")
        .or_else(|_| NaiveDate::parse_from_str(v, "%Y-%m-%d"))
        .ok()
        .filter(|_| v.len() == 8 || v.len() == 10)
        .ok_or_else(|| bad(what, name, "a date"))
}

/// `YYYYMMDDHHMMSS` or `YYYY-MM-DD HH:MM:SS`, in KST.
pub fn datetime_kst(what: &str, name: &str, v: &str) -> Result<DateTime<Utc>, ConnectorError> {
    let naive = NaiveDateTime::parse_from_str(v, "%Y%m%d%H%M%S")
        .ok()
        .filter(|_| v.len() == 14)
        .or_else(|| {
            NaiveDateTime::parse_from_str(v, "%Y-%m-%d %H:%M:%S")
                .ok()
                .filter(|_| v.len() == 19)
        })
        .ok_or_else(|| bad(what, name, "a date-time"))?;
    kst_instant(naive).ok_or_else(|| bad(what, name, "a date-time"))
}

/// `HHMM` or `HH:MM`.
pub fn time_of_day(what: &str, name: &str, v: &str) -> Result<NaiveTime, ConnectorError> {
    NaiveTime::parse_from_str(v, "%H%M")
        .ok()
        .filter(|_| v.len() == 4)
        .or_else(|| {
            NaiveTime::parse_from_str(v, "%H:%M")
                .ok()
                .filter(|_| v.len() == 5)
        })
        .ok_or_else(|| bad(what, name, "a time of day"))
}

/// Midnight of a date in Korea, as a UTC instant.
pub fn kst_midnight(d: NaiveDate) -> DateTime<Utc> {
    let naive = d.and_time(NaiveTime::MIN);
    // A fixed offset is never ambiguous; fall back to UTC midnight anyway.
    kst_instant(naive).unwrap_or_else(|| naive.and_utc())
}

fn kst_instant(naive: NaiveDateTime) -> Option<DateTime<Utc>> {
    match kst().from_local_datetime(&naive) {
        chrono::LocalResult::Single(t) => Some(t.with_timezone(&Utc)),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_dates_and_times() {
        assert_eq!(amount("fine", "fineAmt", "1,300,000").unwrap(), 1_300_000);
        for v in ["-1", "12만", "", "99999999999999999999"] {
            assert!(amount("fine", "fineAmt", v).is_err(), "{v}");
        }
        assert_eq!(
            date("fine", "dueDe", "2026-01-31").unwrap(),
            date("fine", "dueDe", "20260131").unwrap()
        );
        assert!(date("fine", "dueDe", "2026131").is_err());
        let t = datetime_kst("fine", "vioDt", "20261003143512").unwrap();
        assert_eq!(t.to_rfc3339(), "2026-10-03T05:35:12+00:00");
        assert_eq!(
            datetime_kst("fine", "vioDt", "2026-10-03 14:35:12").unwrap(),
            t
        );
        assert!(datetime_kst("fine", "vioDt", "202610031435").is_err());
        assert_eq!(
            time_of_day("bus", "upFirstTm", "0530").unwrap(),
            NaiveTime::from_hms_opt(5, 30, 0).unwrap()
        );
        assert!(time_of_day("bus", "upFirstTm", "2560").is_err());
        assert!(number("fine", "lmtSpd", "0", 1..=300).is_err());
        assert_eq!(number("fine", "lmtSpd", "60", 1..=300).unwrap(), 60);
    }

    #[test]
    fn errors_name_the_field_not_the_value() {
        let e = amount("fine", "fineAmt", "홍길동").unwrap_err();
        assert!(e.message.contains("fineAmt") && !e.message.contains("홍길동"));
    }
}
