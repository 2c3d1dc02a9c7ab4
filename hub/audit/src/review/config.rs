//! `[audit.review]`: what the monthly review counts as unusual. Every threshold is here, with
//! its default, so an auditor can read what a flag means.

use chrono::{NaiveDate, NaiveTime};
use serde::{Deserialize, Deserializer};

/// Thresholds and calendars of the monthly access review.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ReviewConfig {
    /// Office hours on weekdays, KST, `"HH:MM-HH:MM"`; default `"08:30-18:30"`. A look-up
    /// outside them, on a weekend or on a listed holiday is an off-hours look-up.
    #[serde(deserialize_with = "office_hours")]
    pub office_hours: (NaiveTime, NaiveTime),
    /// Public holidays (`"YYYY-MM-DD"`, KST) that count as off-hours all day. Default: the
    /// Korean public holidays of 2026 (including substitute days); keep it up to date yearly.
    pub holidays: Vec<NaiveDate>,
    /// An account's distinct data subjects in one day are flagged when above BOTH this floor…
    pub distinct_subjects_floor: u32,
    /// …and this many times the median of its role (over the accounts and days of that role
    /// with look-ups in the month).
    pub distinct_subjects_factor: f64,
    /// One account looking at the same data subject at least this many times in the month.
    pub repeated_subject_min: u32,
    /// At least this many denials of one account…
    pub denial_burst_count: u32,
    /// …within this many minutes.
    pub denial_burst_minutes: u32,
}

/// 2026's public holidays (관공서의 공휴일에 관한 규정), substitute holidays included.
const HOLIDAYS_2026: [&str; 18] = [
    "2026-01-01",
    "2026-02-16",
    "2026-02-17",
    "2026-02-18",
    "2026-03-01",
    "2026-03-02",
    "2026-05-05",
    "2026-05-24",
    "2026-05-25",
    "2026-06-06",
    "2026-08-15",
    "2026-08-17",
    "2026-09-24",
    "2026-09-25",
    "2026-09-26",
    "2026-10-03",
    "2026-10-05",
    "2026-10-09",
];

impl Default for ReviewConfig {
    fn default() -> Self {
        ReviewConfig {
            office_hours: (
                NaiveTime::from_hms_opt(8, 30, 0).expect("valid"),
                NaiveTime::from_hms_opt(18, 30, 0).expect("valid"),
            ),
            holidays: HOLIDAYS_2026
                .iter()
                .chain(&["2026-12-25"])
                .map(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").expect("valid date"))
                .collect(),
            distinct_subjects_floor: 30,
            distinct_subjects_factor: 3.0,
            repeated_subject_min: 5,
            denial_burst_count: 5,
            denial_burst_minutes: 10,
        }
    }
}

/// Reads `"HH:MM-HH:MM"` with start before end.
pub fn parse_office_hours(text: &str) -> Result<(NaiveTime, NaiveTime), String> {
    let bad =
        || format!("office_hours: expected \"HH:MM-HH:MM\" (e.g. \"08:30-18:30\"), got {text:?}");
    let (a, b) = text.split_once('-').ok_or_else(bad)?;
    let start = NaiveTime::parse_from_str(a.trim(), "%H:%M").map_err(|_| bad())?;
    let end = NaiveTime::parse_from_str(b.trim(), "%H:%M").map_err(|_| bad())?;
    if start >= end {
        return Err("office_hours: the start must be before the end".to_string());
    }
    Ok((start, end))
}

fn office_hours<'de, D: Deserializer<'de>>(d: D) -> Result<(NaiveTime, NaiveTime), D::Error> {
    let text = String::deserialize(d)?;
    parse_office_hours(&text).map_err(serde::de::Error::custom)
}

impl ReviewConfig {
    /// Checks the numbers make sense; the message names the key.
    pub fn validate(&self) -> Result<(), String> {
        if !(self.distinct_subjects_factor.is_finite() && self.distinct_subjects_factor >= 1.0) {
            return Err("audit.review.distinct_subjects_factor: at least 1.0".to_string());
        }
        if self.repeated_subject_min < 2 {
            return Err("audit.review.repeated_subject_min: at least 2".to_string());
        }
        if self.denial_burst_count < 2 || self.denial_burst_minutes == 0 {
            return Err(
                "audit.review.denial_burst_count: at least 2, denial_burst_minutes: at least 1"
                    .to_string(),
            );
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn office_hours_read_and_bad_ones_name_the_key() {
        let (s, e) = parse_office_hours("09:00-18:00").unwrap();
        assert_eq!(
            (s.to_string(), e.to_string()),
            ("09:00:00".into(), "18:00:00".into())
        );
        assert!(
            parse_office_hours("18:00-09:00")
                .unwrap_err()
                .contains("office_hours")
        );
        assert!(
            parse_office_hours("9-18")
                .unwrap_err()
                .contains("office_hours")
        );
    }

    #[test]
    fn defaults_are_valid_and_a_partial_table_keeps_the_rest() {
        ReviewConfig::default().validate().unwrap();
        let c: ReviewConfig =
            toml_like(r#"{"office_hours":"09:00-18:00","holidays":["2026-11-03"]}"#);
        assert_eq!(c.distinct_subjects_floor, 30);
        assert_eq!(c.holidays.len(), 1);
        let bad = serde_json::from_str::<ReviewConfig>(r#"{"office_hour":"09:00-18:00"}"#);
        assert!(bad.is_err(), "unknown keys are refused");
    }

    fn toml_like(json: &str) -> ReviewConfig {
        serde_json::from_str(json).unwrap()
    }
}
