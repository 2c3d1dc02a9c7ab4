//! Typed reads of JSON fields, one set of rules for every JSON connector (and the declarative
//! `rest-json` kind): a field is named by a dotted path (`result.code`, `applicant.name`),
//! absent and `null` are "no value", and every wrong type is a BadResponse whose message
//! names what was read and the path — never the value, which may be personal.
//!
//! Where a back-end's JSON shape is fixed, prefer `serde` derive on a struct and
//! [`decode`]; these readers are for open shapes and configured mappings.

use crate::dates;
use crate::error::ConnectorError;
use chrono::{DateTime, NaiveDate, Utc};
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

/// The value at a dotted `path` below `v` (`""` is `v` itself); `None` when any step is
/// missing or not an object.
pub fn at<'a>(v: &'a Value, path: &str) -> Option<&'a Value> {
    if path.is_empty() {
        return Some(v);
    }
    path.split('.')
        .try_fold(v, |cur, step| cur.as_object()?.get(step))
}

/// Decodes a whole body with `serde` derive; a failure names `what` and the line/column,
/// never the content.
pub fn decode<T: DeserializeOwned>(body: &[u8], what: &str) -> Result<T, ConnectorError> {
    serde_json::from_slice(body).map_err(|e| {
        ConnectorError::bad_response(format!(
            "{what} is not the expected JSON (line {}, column {}: {:?})",
            e.line(),
            e.column(),
            e.classify()
        ))
    })
}

/// Field readers over one JSON object; `what` names the object in errors (`booking`, `bill`).
#[derive(Debug, Clone, Copy)]
pub struct Fields<'a> {
    obj: &'a Map<String, Value>,
    what: &'a str,
    max_text: usize,
}

impl<'a> Fields<'a> {
    /// Readers over `v`, which must be a JSON object.
    pub fn new(v: &'a Value, what: &'a str) -> Result<Self, ConnectorError> {
        match v {
            Value::Object(obj) => Ok(Self::object(obj, what)),
            _ => Err(ConnectorError::bad_response(format!(
                "a {what} is not a JSON object"
            ))),
        }
    }

    /// Readers over an object already in hand.
    pub fn object(obj: &'a Map<String, Value>, what: &'a str) -> Self {
        Fields {
            obj,
            what,
            max_text: usize::MAX,
        }
    }

    /// The same readers with a limit on text length, for a back-end whose fields are short
    /// (without one, text is bounded only by the body size limit of the HTTP client).
    pub fn max_text(self, max_text: usize) -> Self {
        Fields { max_text, ..self }
    }

    /// The raw value at `path`, `None` when absent or `null`.
    pub fn value(&self, path: &str) -> Option<&'a Value> {
        let (first, rest) = path.split_once('.').unwrap_or((path, ""));
        let v = self.obj.get(first)?;
        at(v, rest).filter(|v| !v.is_null())
    }

    fn bad(&self, path: &str, should: &str) -> ConnectorError {
        ConnectorError::bad_response(format!("{} {path} is not {should}", self.what))
    }

    /// A string, trimmed; `None` when absent, null or blank; an error for another type or a
    /// string longer than the limit set by [`Self::max_text`].
    pub fn text(&self, path: &str) -> Result<Option<&'a str>, ConnectorError> {
        match self.value(path) {
            None => Ok(None),
            Some(Value::String(s)) if s.len() > self.max_text => {
                Err(ConnectorError::bad_response(format!(
                    "{} {path} is longer than {} bytes",
                    self.what, self.max_text
                )))
            }
            Some(Value::String(s)) => Ok(Some(s.trim()).filter(|s| !s.is_empty())),
            Some(_) => Err(self.bad(path, "a string")),
        }
    }

    /// A string that must be present.
    pub fn required(&self, path: &str) -> Result<&'a str, ConnectorError> {
        self.text(path)?
            .ok_or_else(|| ConnectorError::bad_response(format!("{} without {path}", self.what)))
    }

    /// A string or a number, as text (codes and ids some back-ends send either way).
    pub fn text_or_number(&self, path: &str) -> Result<Option<String>, ConnectorError> {
        match self.value(path) {
            Some(Value::Number(n)) => Ok(Some(n.to_string())),
            _ => Ok(self.text(path)?.map(str::to_string)),
        }
    }

    /// Won: a non-negative JSON integer, or a string of digits with optional `,` separators.
    pub fn won(&self, path: &str) -> Result<Option<i64>, ConnectorError> {
        let bad = || self.bad(path, "a whole number of won");
        match self.value(path) {
            None => Ok(None),
            Some(Value::Number(n)) => n.as_i64().filter(|v| *v >= 0).map(Some).ok_or_else(bad),
            Some(Value::String(s)) => dates::parse_won(s).map(Some).ok_or_else(bad),
            Some(_) => Err(bad()),
        }
    }

    /// A whole number within `range`.
    pub fn number(
        &self,
        path: &str,
        range: std::ops::RangeInclusive<u64>,
    ) -> Result<Option<u64>, ConnectorError> {
        let bad = || {
            self.bad(
                path,
                &format!("a number from {} to {}", range.start(), range.end()),
            )
        };
        match self.value(path) {
            None => Ok(None),
            Some(Value::Number(n)) => n
                .as_u64()
                .filter(|v| range.contains(v))
                .map(Some)
                .ok_or_else(bad),
            Some(_) => Err(bad()),
        }
    }

    /// A date, `YYYY-MM-DD` or `YYYYMMDD`.
    pub fn date(&self, path: &str) -> Result<Option<NaiveDate>, ConnectorError> {
        self.text(path)?
            .map(|v| dates::parse_date(v).ok_or_else(|| self.bad(path, "a date")))
            .transpose()
    }

    /// A date in an explicit `chrono` format.
    pub fn date_as(&self, path: &str, format: &str) -> Result<Option<NaiveDate>, ConnectorError> {
        self.text(path)?
            .map(|v| dates::parse_date_as(v, format).ok_or_else(|| self.bad(path, "a date")))
            .transpose()
    }

    /// An RFC 3339 instant.
    pub fn instant(&self, path: &str) -> Result<Option<DateTime<Utc>>, ConnectorError> {
        self.text(path)?
            .map(|v| dates::parse_rfc3339(v).ok_or_else(|| self.bad(path, "an RFC 3339 time")))
            .transpose()
    }

    /// A boolean; `"Y"`/`"N"` accepted as older systems send them.
    pub fn flag(&self, path: &str) -> Result<Option<bool>, ConnectorError> {
        match self.value(path) {
            None => Ok(None),
            Some(Value::Bool(v)) => Ok(Some(*v)),
            Some(Value::String(s)) if s == "Y" => Ok(Some(true)),
            Some(Value::String(s)) if s == "N" => Ok(Some(false)),
            Some(_) => Err(self.bad(path, "a boolean")),
        }
    }

    /// An array (absent or null is empty).
    pub fn array(&self, path: &str) -> Result<&'a [Value], ConnectorError> {
        match self.value(path) {
            None => Ok(&[]),
            Some(Value::Array(a)) => Ok(a.as_slice()),
            Some(_) => Err(self.bad(path, "an array")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ErrorKind;
    use serde_json::json;

    fn doc() -> Value {
        json!({
            "no": "B-1", "name": " 김민서 ", "blank": " ", "nul": null, "fee": 14000,
            "feeText": "1,300", "neg": -1, "day": "2026-12-18", "day8": "20261218",
            "at": "2026-12-18T09:00:00+09:00", "yn": "Y", "n": 3,
            "applicant": {"phone": "010-2345-6789"}, "list": [1, 2], "long": "x".repeat(5000)
        })
    }

    #[test]
    fn typed_reads_follow_one_set_of_rules() {
        let d = doc();
        let f = Fields::new(&d, "booking").unwrap();
        assert_eq!(f.text("name").unwrap(), Some("김민서"));
        assert_eq!(f.text("blank").unwrap(), None);
        assert_eq!(f.text("nul").unwrap(), None);
        assert_eq!(f.text("applicant.phone").unwrap(), Some("010-2345-6789"));
        assert_eq!(f.required("no").unwrap(), "B-1");
        assert_eq!(f.won("fee").unwrap(), Some(14_000));
        assert_eq!(f.won("feeText").unwrap(), Some(1_300));
        assert_eq!(f.won("missing").unwrap(), None);
        assert_eq!(f.date("day").unwrap(), f.date("day8").unwrap());
        assert_eq!(
            f.instant("at").unwrap().unwrap().to_rfc3339(),
            "2026-12-18T00:00:00+00:00"
        );
        assert_eq!(f.flag("yn").unwrap(), Some(true));
        assert_eq!(f.number("n", 1..=10).unwrap(), Some(3));
        assert_eq!(f.array("list").unwrap().len(), 2);
        assert_eq!(f.text_or_number("fee").unwrap().as_deref(), Some("14000"));
        assert_eq!(at(&d, "applicant.phone.x"), None);
    }

    #[test]
    fn errors_name_the_path_never_the_value() {
        let d = doc();
        let f = Fields::new(&d, "booking").unwrap();
        let cases: [(ConnectorError, &str); 7] = [
            (
                f.required("missing").unwrap_err(),
                "booking without missing",
            ),
            (f.text("fee").unwrap_err(), "booking fee is not a string"),
            (
                f.won("neg").unwrap_err(),
                "booking neg is not a whole number of won",
            ),
            (
                f.won("name").unwrap_err(),
                "booking name is not a whole number of won",
            ),
            (f.date("name").unwrap_err(), "booking name is not a date"),
            (
                f.number("n", 5..=9).unwrap_err(),
                "booking n is not a number from 5 to 9",
            ),
            (
                f.max_text(4096).text("long").unwrap_err(),
                "booking long is longer than 4096 bytes",
            ),
        ];
        for (e, want) in cases {
            assert_eq!(e.kind, ErrorKind::BadResponse);
            assert_eq!(e.message, want);
            assert!(!e.message.contains("김민서"));
        }
        assert!(Fields::new(&json!([1]), "booking").is_err());
        let short = f.max_text(3);
        assert_eq!(
            short.text("name").unwrap_err().message,
            "booking name is longer than 3 bytes"
        );
        let e = decode::<Vec<u8>>(b"{\"name\":\"secret\"}", "a booking list").unwrap_err();
        assert!(
            e.message
                .starts_with("a booking list is not the expected JSON")
        );
        assert!(!e.message.contains("secret"), "{}", e.message);
    }
}
