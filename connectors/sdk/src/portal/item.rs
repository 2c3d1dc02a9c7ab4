//! Reading typed values out of a portal `<item>`: required and optional fields, won amounts,
//! dates, date-times and small numbers. Every failure is a BadResponse whose message names the
//! item and the field (and what it should be), never the value.

use crate::dates;
use crate::error::ConnectorError;
use crate::portal::Item;
use chrono::{DateTime, NaiveDate, NaiveTime, Utc};

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
    dates::parse_won(v).ok_or_else(|| bad(what, name, "a whole number of won"))
}

/// A whole number within `range` (speeds, minutes, points, sequence numbers, years).
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
    dates::parse_date(v).ok_or_else(|| bad(what, name, "a date"))
}

/// `YYYYMMDDHHMMSS` or `YYYY-MM-DD HH:MM:SS`, in KST.
pub fn datetime_kst(what: &str, name: &str, v: &str) -> Result<DateTime<Utc>, ConnectorError> {
    dates::parse_datetime_kst(v).ok_or_else(|| bad(what, name, "a date-time"))
}

/// `HHMM` or `HH:MM`.
pub fn time_of_day(what: &str, name: &str, v: &str) -> Result<NaiveTime, ConnectorError> {
    dates::parse_time_of_day(v).ok_or_else(|| bad(what, name, "a time of day"))
}

/// An optional field read with `parse` (e.g. [`date`]): absent or empty is `None`.
pub fn optional_with<T>(
    item: &Item,
    what: &str,
    name: &str,
    parse: impl Fn(&str, &str, &str) -> Result<T, ConnectorError>,
) -> Result<Option<T>, ConnectorError> {
    optional(item, name)
        .map(|v| parse(what, name, v))
        .transpose()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn readers_name_the_item_and_field() {
        let mut item = Item::new();
        item.insert("fineAmt", " 1,300,000 ");
        item.insert("dueDe", "20260131");
        item.insert("blank", "  ");
        assert_eq!(optional(&item, "blank"), None);
        let e = required(&item, "fine", "fineNo").unwrap_err();
        assert_eq!(e.message, "fine item without fineNo");
        let amt = optional_with(&item, "fine", "fineAmt", amount).unwrap();
        assert_eq!(amt, Some(1_300_000));
        assert!(
            optional_with(&item, "fine", "dueDe", date)
                .unwrap()
                .is_some()
        );
        assert!(
            optional_with(&item, "fine", "payDe", date)
                .unwrap()
                .is_none()
        );
        assert!(number("fine", "lmtSpd", "0", 1..=300).is_err());
        assert_eq!(number("fine", "lmtSpd", "60", 1..=300).unwrap(), 60);
        assert!(datetime_kst("fine", "vioDt", "202610031435").is_err());
        assert!(time_of_day("bus", "upFirstTm", "2560").is_err());
    }

    #[test]
    fn errors_name_the_field_not_the_value() {
        let e = amount("fine", "fineAmt", "홍길동").unwrap_err();
        assert!(e.message.contains("fineAmt") && !e.message.contains("홍길동"));
        let e = date("tax", "dueDe", "김포시 123").unwrap_err();
        assert!(e.message.contains("dueDe") && !e.message.contains("김포"));
    }
}
