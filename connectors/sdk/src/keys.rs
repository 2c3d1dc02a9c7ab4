//! Validated citizen keys. Parsing is the only way to build them, so a connector never sees an
//! unchecked key; `Debug` prints the masked form, so a key cannot leak into a log by accident.

use crate::mask;
use chrono::{Datelike, NaiveDate};
use std::fmt;

/// Why a key was refused. The message names the field and the rule, never the value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {reason}")]
pub struct KeyError {
    /// The API field name, e.g. `citizen.rrn`.
    pub field: &'static str,
    /// What is wrong, phrased so a person can fix it.
    pub reason: &'static str,
}

/// Which kind of key a source answers from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum KeyKind {
    /// Resident registration number.
    Rrn,
    /// Vehicle plate number.
    VehicleNumber,
    /// Water utility customer number.
    WaterCustomerNo,
}

impl KeyKind {
    /// Stable lower-case name used in the API and config.
    pub fn as_str(self) -> &'static str {
        match self {
            KeyKind::Rrn => "rrn",
            KeyKind::VehicleNumber => "vehicle_number",
            KeyKind::WaterCustomerNo => "water_customer_no",
        }
    }
}

/// A resident registration number (주민등록번호) in canonical `YYMMDD-GNNNNNN` form.
///
/// Accepted input: `YYMMDD-GNNNNNN` or 13 digits. The birth date (century from the gender digit
/// G) must be a real date not in the future. The old check digit is *not* verified: numbers
/// issued since October 2020 have random trailing digits.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Rrn(String);

impl Rrn {
    /// Parses and validates an RRN.
    pub fn parse(input: &str) -> Result<Self, KeyError> {
        const FIELD: &str = "citizen.rrn";
        let s = input.trim();
        let digits: String = match s.len() {
            // Byte 6 is an ASCII '-', so 6 and 7 are character boundaries.
            14 if s.as_bytes()[6] == b'-' => [&s[..6], &s[7..]].concat(),
            13 => s.to_string(),
            _ => {
                return Err(KeyError {
                    field: FIELD,
                    reason: "must be YYMMDD-GNNNNNN or 13 digits",
                });
            }
        };
        if !digits.bytes().all(|b| b.is_ascii_digit()) {
            return Err(KeyError {
                field: FIELD,
                reason: "must be YYMMDD-GNNNNNN or 13 digits",
            });
        }
        let birth = birth_date(&digits).ok_or(KeyError {
            field: FIELD,
            reason: "the first seven digits do not form a real birth date",
        })?;
        if birth > chrono::Utc::now().date_naive() {
            return Err(KeyError {
                field: FIELD,
                reason: "the birth date lies in the future",
            });
        }
        // Concatenated, not `format!`ed: every query parses its RRN.
        Ok(Rrn([&digits[..6], "-", &digits[6..]].concat()))
    }

    /// The canonical `YYMMDD-GNNNNNN` value. Personal data: pass it only to a back-end.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// The 13 digits without the hyphen, as some back-ends expect.
    pub fn digits(&self) -> String {
        self.0.replace('-', "")
    }

    /// Birth date encoded in the number.
    pub fn birth_date(&self) -> NaiveDate {
        birth_date(&self.digits()).expect("validated at parse")
    }

    /// Masked form `YYMMDD-G******`.
    pub fn masked(&self) -> String {
        mask::rrn(&self.0)
    }
}

fn birth_date(digits: &str) -> Option<NaiveDate> {
    let num = |r: std::ops::Range<usize>| digits.get(r)?.parse::<u32>().ok();
    let (yy, mm, dd, g) = (num(0..2)?, num(2..4)?, num(4..6)?, num(6..7)?);
    let century = match g {
        1 | 2 | 5 | 6 => 1900,
        3 | 4 | 7 | 8 => 2000,
        9 | 0 => 1800,
        _ => return None,
    };
    let date = NaiveDate::from_ymd_opt(century + yy as i32, mm, dd)?;
    debug_assert_eq!(date.year() % 100, yy as i32);
    Some(date)
}

impl fmt::Debug for Rrn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Rrn({})", self.masked())
    }
}

/// Regions that may prefix an old-style plate (`서울12가3456`).
const PLATE_REGIONS: [&str; 17] = [
    "서울", "부산", "대구", "인천", "광주", "대전", "울산", "세종", "경기", "강원", "충북", "충남",
    "전북", "전남", "경북", "경남", "제주",
];

/// A Korean vehicle plate number, canonical without spaces: `12가3456`, `123가4567`, or with a
/// region prefix `서울12가3456`.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct VehicleNumber(String);

impl VehicleNumber {
    /// Parses a plate number; spaces are ignored.
    pub fn parse(input: &str) -> Result<Self, KeyError> {
        const ERR: KeyError = KeyError {
            field: "citizen.vehicle_numbers",
            reason: "must be a Korean plate number such as 12가3456, 123가4567 or 서울12가3456",
        };
        if input.chars().count() > 20 {
            return Err(ERR);
        }
        let s: String = input.chars().filter(|c| !c.is_whitespace()).collect();
        let rest = PLATE_REGIONS
            .iter()
            .find_map(|r| s.strip_prefix(r))
            .unwrap_or(&s);
        let chars: Vec<char> = rest.chars().collect();
        let lead = chars.iter().take_while(|c| c.is_ascii_digit()).count();
        let ok = (lead == 2 || lead == 3)
            && chars.len() == lead + 5
            && is_hangul_syllable(chars[lead])
            && chars[lead + 1..].iter().all(|c| c.is_ascii_digit());
        if ok { Ok(VehicleNumber(s)) } else { Err(ERR) }
    }

    /// The canonical plate. Personal data: pass it only to a back-end.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// Masked form `12가****`.
    pub fn masked(&self) -> String {
        mask::vehicle_number(&self.0)
    }
}

fn is_hangul_syllable(c: char) -> bool {
    ('\u{AC00}'..='\u{D7A3}').contains(&c)
}

impl fmt::Debug for VehicleNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "VehicleNumber({})", self.masked())
    }
}

/// A water utility customer number (수용가번호): 6 to 20 digits, hyphens allowed and dropped.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct WaterCustomerNo(String);

impl WaterCustomerNo {
    /// Parses a customer number.
    pub fn parse(input: &str) -> Result<Self, KeyError> {
        const ERR: KeyError = KeyError {
            field: "citizen.water_customer_no",
            reason: "must be 6 to 20 digits (hyphens allowed)",
        };
        if input.len() > 30 {
            return Err(ERR);
        }
        let s: String = input.trim().chars().filter(|c| *c != '-').collect();
        if (6..=20).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_digit()) {
            Ok(WaterCustomerNo(s))
        } else {
            Err(ERR)
        }
    }

    /// The digits. Personal data: pass it only to a back-end.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// Masked form: the first four digits, the rest as `*`.
    pub fn masked(&self) -> String {
        mask::keep_prefix(&self.0, 4)
    }
}

impl fmt::Debug for WaterCustomerNo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "WaterCustomerNo({})", self.masked())
    }
}

/// The validated keys of one query. A source is called when it accepts at least one given key.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CitizenKeys {
    /// Resident registration number.
    pub rrn: Option<Rrn>,
    /// Vehicle plate numbers (at most [`CitizenKeys::MAX_VEHICLES`]).
    pub vehicle_numbers: Vec<VehicleNumber>,
    /// Water customer number.
    pub water_customer_no: Option<WaterCustomerNo>,
}

impl CitizenKeys {
    /// Most vehicle numbers one query may carry.
    pub const MAX_VEHICLES: usize = 10;

    /// Validates raw keys as they arrive from a client; empty strings mean "not given".
    pub fn parse(rrn: &str, vehicles: &[String], water: &str) -> Result<Self, KeyError> {
        if vehicles.len() > Self::MAX_VEHICLES {
            return Err(KeyError {
                field: "citizen.vehicle_numbers",
                reason: "at most 10 vehicle numbers per query",
            });
        }
        let mut keys = CitizenKeys {
            rrn: (!rrn.is_empty()).then(|| Rrn::parse(rrn)).transpose()?,
            vehicle_numbers: vehicles
                .iter()
                .map(|v| VehicleNumber::parse(v))
                .collect::<Result<_, _>>()?,
            water_customer_no: (!water.is_empty())
                .then(|| WaterCustomerNo::parse(water))
                .transpose()?,
        };
        let mut seen = std::collections::HashSet::new();
        keys.vehicle_numbers.retain(|v| seen.insert(v.clone()));
        Ok(keys)
    }

    /// Whether a key of this kind was given.
    pub fn has(&self, kind: KeyKind) -> bool {
        match kind {
            KeyKind::Rrn => self.rrn.is_some(),
            KeyKind::VehicleNumber => !self.vehicle_numbers.is_empty(),
            KeyKind::WaterCustomerNo => self.water_customer_no.is_some(),
        }
    }

    /// True when no key at all was given.
    pub fn is_empty(&self) -> bool {
        self.rrn.is_none() && self.vehicle_numbers.is_empty() && self.water_customer_no.is_none()
    }

    /// Every exposed key value, for tests that check no personal value leaks into text.
    pub fn exposed_values(&self) -> Vec<String> {
        let mut v: Vec<String> = Vec::new();
        if let Some(r) = &self.rrn {
            v.push(r.expose().to_string());
            v.push(r.digits());
        }
        v.extend(self.vehicle_numbers.iter().map(|x| x.expose().to_string()));
        v.extend(
            self.water_customer_no
                .iter()
                .map(|x| x.expose().to_string()),
        );
        v
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rrn_accepts_both_forms_and_canonicalizes() {
        assert_eq!(
            Rrn::parse("900101-1234567").unwrap().expose(),
            "900101-1234567"
        );
        assert_eq!(
            Rrn::parse("9001011234567").unwrap().expose(),
            "900101-1234567"
        );
        assert!(
            Rrn::parse("050229-3000000").is_err(),
            "2005 is no leap year"
        );
        assert!(Rrn::parse("040229-3000000").is_ok(), "2004 is a leap year");
    }

    #[test]
    fn rrn_century_comes_from_gender_digit() {
        assert_eq!(
            Rrn::parse("991231-9123456")
                .unwrap()
                .birth_date()
                .to_string(),
            "1899-12-31"
        );
        assert_eq!(
            Rrn::parse("000101-3123456")
                .unwrap()
                .birth_date()
                .to_string(),
            "2000-01-01"
        );
        assert_eq!(
            Rrn::parse("711231-5123456")
                .unwrap()
                .birth_date()
                .to_string(),
            "1971-12-31"
        );
    }

    #[test]
    fn rrn_rejects_bad_dates_shapes_and_future_births() {
        for bad in [
            "901301-1234567",
            "900132-1234567",
            "90010-11234567",
            "9001011234",
            "90o101-1234567",
            "",
            "991231-4123456",
        ] {
            let e = Rrn::parse(bad).unwrap_err();
            assert_eq!(e.field, "citizen.rrn");
            assert!(!e.to_string().contains(bad) || bad.is_empty());
        }
    }

    #[test]
    fn rrn_does_not_check_the_old_check_digit() {
        // 900101-1234567's old check digit would be 8; post-2020 numbers have none.
        assert!(Rrn::parse("900101-1234567").is_ok());
        assert!(Rrn::parse("900101-1234568").is_ok());
    }

    #[test]
    fn debug_never_prints_the_value() {
        let r = Rrn::parse("900101-1234567").unwrap();
        assert_eq!(format!("{r:?}"), "Rrn(900101-1******)");
        let v = VehicleNumber::parse("12가 3456").unwrap();
        assert_eq!(v.expose(), "12가3456");
        assert_eq!(format!("{v:?}"), "VehicleNumber(12가****)");
    }

    #[test]
    fn plates_in_all_current_shapes() {
        for ok in ["12가3456", "123가4567", "서울12가3456", "경기 123 나 4567"] {
            assert!(VehicleNumber::parse(ok).is_ok(), "{ok}");
        }
        for bad in [
            "1가3456",
            "1234가5678",
            "12A3456",
            "12가345",
            "도쿄12가3456",
            "12가34567",
        ] {
            assert!(VehicleNumber::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn water_customer_numbers() {
        assert_eq!(
            WaterCustomerNo::parse("2024-0012-3456").unwrap().expose(),
            "202400123456"
        );
        assert!(WaterCustomerNo::parse("12345").is_err());
        assert!(WaterCustomerNo::parse("12a456").is_err());
    }
}
