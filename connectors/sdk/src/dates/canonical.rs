//! The canonical digit forms (`YYYYMMDD`, `YYYY-MM-DD`, `YYYYMMDDHHMMSS`, …) read and written
//! by hand. `chrono`'s `parse_from_str`/`format` interpret their format string on every call,
//! which showed in the connectors' profiles (issue 15); these fast paths only ever answer for
//! input `chrono` reads the same way, and the callers fall back to `chrono` for the rest (its
//! leniency — spaces before numbers, short fields, leap seconds — stays exactly as it was).

use chrono::{Datelike, NaiveDate, NaiveTime, Timelike};

/// The value of a run of ASCII digits; `None` if any byte is not a digit.
fn digits(b: &[u8]) -> Option<u32> {
    b.iter().try_fold(0u32, |n, &d| {
        d.is_ascii_digit().then(|| n * 10 + u32::from(d - b'0'))
    })
}

/// `YYYYMMDD`, eight digits.
pub(super) fn date_compact(v: &[u8]) -> Option<NaiveDate> {
    match v {
        [y @ .., m1, m2, d1, d2] if y.len() == 4 => ymd(y, &[*m1, *m2], &[*d1, *d2]),
        _ => None,
    }
}

/// `YYYY-MM-DD`.
pub(super) fn date_dashed(v: &[u8]) -> Option<NaiveDate> {
    match v {
        [y0, y1, y2, y3, b'-', m1, m2, b'-', d1, d2] => {
            ymd(&[*y0, *y1, *y2, *y3], &[*m1, *m2], &[*d1, *d2])
        }
        _ => None,
    }
}

fn ymd(y: &[u8], m: &[u8], d: &[u8]) -> Option<NaiveDate> {
    let y = i32::try_from(digits(y)?).ok()?;
    NaiveDate::from_ymd_opt(y, digits(m)?, digits(d)?)
}

/// `HHMMSS` (`sep` `None`) or `HH:MM:SS`; seconds 0–59 only (a leap second is `chrono`'s).
pub(super) fn time(v: &[u8], sep: Option<u8>) -> Option<NaiveTime> {
    let (h, m, s) = match (v, sep) {
        ([h1, h2, m1, m2, s1, s2], None) => ([*h1, *h2], [*m1, *m2], [*s1, *s2]),
        ([h1, h2, c1, m1, m2, c2, s1, s2], Some(c)) if *c1 == c && *c2 == c => {
            ([*h1, *h2], [*m1, *m2], [*s1, *s2])
        }
        _ => return None,
    };
    NaiveTime::from_hms_opt(digits(&h)?, digits(&m)?, digits(&s)?)
}

/// `HHMM` or `HH:MM`.
pub(super) fn hour_minute(v: &[u8]) -> Option<NaiveTime> {
    let (h, m) = match v {
        [h1, h2, m1, m2] | [h1, h2, b':', m1, m2] => ([*h1, *h2], [*m1, *m2]),
        _ => return None,
    };
    NaiveTime::from_hms_opt(digits(&h)?, digits(&m)?, 0)
}

/// Appends `n` as exactly `width` digits (`n` must fit).
fn push_digits(out: &mut String, n: u32, width: u32) {
    for i in (0..width).rev() {
        let d = (n / 10u32.pow(i)) % 10;
        out.push(char::from(b'0' + d as u8));
    }
}

/// Appends a date as `YYYY{sep}MM{sep}DD`; `false` (nothing written) for a year outside
/// 0–9999, which `chrono` writes with a sign.
pub(super) fn push_date(out: &mut String, d: NaiveDate, sep: &str) -> bool {
    let Ok(year) = u32::try_from(d.year()) else {
        return false;
    };
    if year > 9999 {
        return false;
    }
    push_digits(out, year, 4);
    out.push_str(sep);
    push_digits(out, d.month(), 2);
    out.push_str(sep);
    push_digits(out, d.day(), 2);
    true
}

/// Appends a time as `HH{sep}MM{sep}SS` (a leap second shows as `60`, as `chrono` does).
pub(super) fn push_time(out: &mut String, t: NaiveTime, sep: &str) {
    let leap = u32::from(t.nanosecond() >= 1_000_000_000);
    push_digits(out, t.hour(), 2);
    out.push_str(sep);
    push_digits(out, t.minute(), 2);
    out.push_str(sep);
    push_digits(out, t.second() + leap, 2);
}

#[cfg(test)]
mod tests {
    use super::super::{
        format_compact, format_date_dashed, format_kst_rfc3339, kst, kst_instant, parse_date,
        parse_date_as, parse_datetime_kst, parse_time_of_day,
    };
    use chrono::{DateTime, NaiveDate, NaiveDateTime, NaiveTime, Utc};
    use proptest::prelude::*;

    // What the readers did before the fast paths: chrono alone.
    fn chrono_date(v: &str) -> Option<NaiveDate> {
        let v = v.trim();
        match v.len() {
            8 => NaiveDate::parse_from_str(v, "%Y%m%d").ok(),
            10 => NaiveDate::parse_from_str(v, "%Y-%m-%d").ok(),
            _ => None,
        }
    }

    fn chrono_datetime(v: &str) -> Option<DateTime<Utc>> {
        let v = v.trim();
        let naive = match v.len() {
            14 => NaiveDateTime::parse_from_str(v, "%Y%m%d%H%M%S").ok(),
            19 => NaiveDateTime::parse_from_str(v, "%Y-%m-%d %H:%M:%S").ok(),
            _ => None,
        }?;
        kst_instant(naive)
    }

    fn chrono_time(v: &str) -> Option<NaiveTime> {
        let v = v.trim();
        match v.len() {
            4 => NaiveTime::parse_from_str(v, "%H%M").ok(),
            5 => NaiveTime::parse_from_str(v, "%H:%M").ok(),
            _ => None,
        }
    }

    #[test]
    fn leap_seconds_and_odd_forms_read_as_chrono_reads_them() {
        for v in [
            "20261231235960",
            "2026-12-31 23:59:60",
            "2026 1 3",
            " 2026-1-3 ",
            "0000-01-01",
            "00000101",
            "2026-02-29",
            "2024-02-29",
            "+2026131",
        ] {
            assert_eq!(parse_date(v), chrono_date(v), "{v:?}");
            assert_eq!(parse_datetime_kst(v), chrono_datetime(v), "{v:?}");
        }
        let t = parse_datetime_kst("20261231235960").unwrap();
        assert_eq!(
            format_kst_rfc3339(t),
            t.with_timezone(&kst())
                .format("%Y-%m-%dT%H:%M:%S%:z")
                .to_string()
        );
    }

    proptest! {
        #[test]
        fn readers_agree_with_chrono(v in "[0-9 :+-]{0,20}", digits in "[0-9]{4,14}") {
            for v in [v.as_str(), digits.as_str()] {
                prop_assert_eq!(parse_date(v), chrono_date(v));
                prop_assert_eq!(parse_datetime_kst(v), chrono_datetime(v));
                prop_assert_eq!(parse_time_of_day(v), chrono_time(v));
                for f in ["%Y%m%d", "%Y-%m-%d"] {
                    prop_assert_eq!(
                        parse_date_as(v, f),
                        NaiveDate::parse_from_str(v.trim(), f).ok()
                    );
                }
            }
        }

        #[test]
        fn writers_agree_with_chrono(secs in -70_000_000_000i64..300_000_000_000i64) {
            let t = DateTime::from_timestamp(secs, 0).unwrap();
            prop_assert_eq!(
                format_kst_rfc3339(t),
                t.with_timezone(&kst()).format("%Y-%m-%dT%H:%M:%S%:z").to_string()
            );
            prop_assert_eq!(format_date_dashed(t.date_naive()), t.format("%Y-%m-%d").to_string());
            prop_assert_eq!(
                format_compact(t.naive_utc()),
                t.format("%Y%m%d%H%M%S").to_string()
            );
        }
    }
}
