//! The field helpers every JSON connector decodes with, as `deserialize_with` functions:
//!
//! ```ignore
//! #[derive(Deserialize)]
//! #[serde(rename_all = "camelCase")]
//! struct Bill<'a> {
//!     #[serde(borrow, deserialize_with = "json::required")]
//!     bill_no: Cow<'a, str>,
//!     #[serde(default, deserialize_with = "json::won")]
//!     total_amount: Option<i64>,
//!     #[serde(default, deserialize_with = "json::date")]
//!     due_date: Option<NaiveDate>,
//! }
//! ```
//!
//! The rules: absent (with `#[serde(default)]`) and `null` are "no value"; text is trimmed and
//! blank text is no value; won is a non-negative JSON integer or digits with `,` separators;
//! dates are `YYYY-MM-DD` or `YYYYMMDD` ([`crate::dates`]). Text borrows from the body unless
//! the JSON escaped a character. Each problem is worded without the value and starts with
//! `is ` (see [`super::decode`]).

use crate::dates;
use chrono::{DateTime, NaiveDate, Utc};
use serde::Deserialize;
use serde::de::value::MapAccessDeserializer;
use serde::de::{self, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use std::borrow::Cow;
use std::fmt;
use std::marker::PhantomData;

/// A JSON object decoded as `T`. An array is refused: serde derive would otherwise read a
/// struct from an array by position, and a struct whose fields are all optional from `[]`.
#[derive(Debug, Clone, PartialEq)]
pub struct Object<T>(pub T);

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Object<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct ObjectVisitor<T>(PhantomData<T>);
        impl<'de, T: Deserialize<'de>> Visitor<'de> for ObjectVisitor<T> {
            type Value = T;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an object")
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<T, A::Error> {
                T::deserialize(MapAccessDeserializer::new(map))
            }
        }
        d.deserialize_map(ObjectVisitor(PhantomData)).map(Object)
    }
}

/// One JSON value as a field helper sees it: a scalar, or `Compound` for an array or object
/// (already skipped).
#[derive(Debug, Clone, PartialEq)]
pub enum Scalar<'a> {
    /// `null`.
    Null,
    /// `true` or `false`.
    Bool(bool),
    /// A non-negative integer.
    U64(u64),
    /// A negative integer.
    I64(i64),
    /// Any other number.
    F64(f64),
    /// A string, borrowed from the body when it has no escapes.
    Str(Cow<'a, str>),
    /// An array or an object.
    Compound,
}

struct ScalarVisitor;

impl<'de> Visitor<'de> for ScalarVisitor {
    type Value = Scalar<'de>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_unit<E>(self) -> Result<Self::Value, E> {
        Ok(Scalar::Null)
    }
    fn visit_none<E>(self) -> Result<Self::Value, E> {
        Ok(Scalar::Null)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(self)
    }
    fn visit_bool<E>(self, v: bool) -> Result<Self::Value, E> {
        Ok(Scalar::Bool(v))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Self::Value, E> {
        Ok(Scalar::U64(v))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Self::Value, E> {
        Ok(u64::try_from(v).map_or(Scalar::I64(v), Scalar::U64))
    }
    fn visit_f64<E>(self, v: f64) -> Result<Self::Value, E> {
        Ok(Scalar::F64(v))
    }
    fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Self::Value, E> {
        Ok(Scalar::Str(Cow::Borrowed(v)))
    }
    fn visit_str<E>(self, v: &str) -> Result<Self::Value, E> {
        Ok(Scalar::Str(Cow::Owned(v.to_string())))
    }
    fn visit_string<E>(self, v: String) -> Result<Self::Value, E> {
        Ok(Scalar::Str(Cow::Owned(v)))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(Scalar::Compound)
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        Ok(Scalar::Compound)
    }
}

/// Any value as a [`Scalar`], for a connector's own field rule (still worded `is …`).
pub fn scalar<'de, D: Deserializer<'de>>(d: D) -> Result<Scalar<'de>, D::Error> {
    d.deserialize_any(ScalarVisitor)
}

fn problem<E: de::Error>(what: impl fmt::Display) -> E {
    E::custom(what)
}

/// Trimmed, `None` when blank; borrowed text stays borrowed.
fn trimmed(s: Cow<'_, str>) -> Option<Cow<'_, str>> {
    let t = match s {
        Cow::Borrowed(b) => Cow::Borrowed(b.trim()),
        Cow::Owned(o) if o.trim().len() == o.len() => Cow::Owned(o),
        Cow::Owned(o) => Cow::Owned(o.trim().to_string()),
    };
    Some(t).filter(|t| !t.is_empty())
}

/// A string exactly as sent (codes compared verbatim); `null` is `None`.
pub fn string<'de: 'a, 'a, D: Deserializer<'de>>(d: D) -> Result<Option<Cow<'a, str>>, D::Error> {
    match scalar(d)? {
        Scalar::Null => Ok(None),
        Scalar::Str(s) => Ok(Some(s)),
        _ => Err(problem("is not a string")),
    }
}

/// Text, trimmed; `null` or blank is `None`, another type an error.
pub fn text<'de: 'a, 'a, D: Deserializer<'de>>(d: D) -> Result<Option<Cow<'a, str>>, D::Error> {
    Ok(string(d)?.and_then(trimmed))
}

/// [`text`] of at most `MAX` bytes, for a back-end whose fields are short (without a limit,
/// text is bounded only by the body size limit of the HTTP client).
pub fn text_max<'de: 'a, 'a, const MAX: usize, D: Deserializer<'de>>(
    d: D,
) -> Result<Option<Cow<'a, str>>, D::Error> {
    match text(d)? {
        Some(t) if t.len() > MAX => Err(problem(format_args!("is longer than {MAX} bytes"))),
        t => Ok(t),
    }
}

/// Text that must be there: absent is `without <field>`, `null` or blank `is missing`.
pub fn required<'de: 'a, 'a, D: Deserializer<'de>>(d: D) -> Result<Cow<'a, str>, D::Error> {
    text(d)?.ok_or_else(|| problem("is missing"))
}

/// [`required`] of at most `MAX` bytes.
pub fn required_max<'de: 'a, 'a, const MAX: usize, D: Deserializer<'de>>(
    d: D,
) -> Result<Cow<'a, str>, D::Error> {
    text_max::<MAX, D>(d)?.ok_or_else(|| problem("is missing"))
}

/// Won: a non-negative JSON integer, or a string of digits with optional `,` separators.
pub fn won<'de, D: Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
    let bad = || problem("is not a whole number of won");
    match scalar(d)? {
        Scalar::Null => Ok(None),
        Scalar::U64(n) => i64::try_from(n).map(Some).map_err(|_| bad()),
        Scalar::Str(s) => dates::parse_won(&s).map(Some).ok_or_else(bad),
        _ => Err(bad()),
    }
}

/// [`won`] that must be there (`null` is `is missing`).
pub fn required_won<'de, D: Deserializer<'de>>(d: D) -> Result<i64, D::Error> {
    won(d)?.ok_or_else(|| problem("is missing"))
}

/// A whole JSON number from `MIN` to `MAX` (a string is refused).
pub fn number<'de, const MIN: u64, const MAX: u64, D: Deserializer<'de>>(
    d: D,
) -> Result<Option<u64>, D::Error> {
    match scalar(d)? {
        Scalar::Null => Ok(None),
        Scalar::U64(n) if (MIN..=MAX).contains(&n) => Ok(Some(n)),
        _ => Err(problem(format_args!("is not a number from {MIN} to {MAX}"))),
    }
}

/// Text read with `parse`; blank is `None`, unparsable `is not <should>`.
fn parsed<'de, T, D: Deserializer<'de>>(
    d: D,
    should: &str,
    parse: impl Fn(&str) -> Option<T>,
) -> Result<Option<T>, D::Error> {
    text(d)?
        .map(|v| parse(&v).ok_or_else(|| problem(format_args!("is not {should}"))))
        .transpose()
}

/// A date, `YYYY-MM-DD` or `YYYYMMDD`.
pub fn date<'de, D: Deserializer<'de>>(d: D) -> Result<Option<NaiveDate>, D::Error> {
    parsed(d, "a date", dates::parse_date)
}

/// A date written `YYYY-MM-DD` only, for a back-end that writes dates one way.
pub fn date_iso<'de, D: Deserializer<'de>>(d: D) -> Result<Option<NaiveDate>, D::Error> {
    parsed(d, "a YYYY-MM-DD date", |v| {
        dates::parse_date_as(v, "%Y-%m-%d")
    })
}

/// An RFC 3339 instant.
pub fn instant<'de, D: Deserializer<'de>>(d: D) -> Result<Option<DateTime<Utc>>, D::Error> {
    parsed(d, "an RFC 3339 time", dates::parse_rfc3339)
}

/// A boolean; `"Y"`/`"N"` accepted as older systems send them.
pub fn flag<'de, D: Deserializer<'de>>(d: D) -> Result<Option<bool>, D::Error> {
    match scalar(d)? {
        Scalar::Null => Ok(None),
        Scalar::Bool(v) => Ok(Some(v)),
        Scalar::Str(s) if s == "Y" => Ok(Some(true)),
        Scalar::Str(s) if s == "N" => Ok(Some(false)),
        _ => Err(problem("is not a boolean")),
    }
}
