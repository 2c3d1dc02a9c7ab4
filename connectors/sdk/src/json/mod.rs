//! JSON answers, one set of rules for every JSON connector: a back-end whose shape is fixed
//! is decoded with `serde` derive straight from the body bytes ([`decode`]), its structs
//! borrowing text from the body (`Cow<'a, str>`, no copy unless the JSON escapes a
//! character), and its fields read by the shared helpers in [`field`] through
//! `#[serde(deserialize_with = "json::…")]` — won amounts, dates, instants, flags, trimmed
//! text. Open shapes (the declarative `rest-json` kind's configured paths) use [`at`].
//!
//! Every failure is a BadResponse naming what was read and the **path** of the field
//! (`water answer bills[3].dueDate is not a date`), never the value, which may be personal:
//! serde's own messages quote the offending value, so they are translated here and never
//! passed on.

use crate::error::ConnectorError;
use serde::Deserialize;
use serde_json::Value;
use serde_json::error::Category;

pub mod field;
mod result;

pub use field::{
    Object, Scalar, date, date_iso, flag, instant, number, required, required_max, required_won,
    scalar, string, text, text_max, won,
};
pub use result::{ResultCode, ResultHead};

/// The value at a dotted `path` below `v` (`""` is `v` itself); `None` when any step is
/// missing or not an object.
pub fn at<'a>(v: &'a Value, path: &str) -> Option<&'a Value> {
    if path.is_empty() {
        return Some(v);
    }
    path.split('.')
        .try_fold(v, |cur, step| cur.as_object()?.get(step))
}

/// Decodes a whole body into `T`, borrowing from it; `what` names the answer in errors
/// (`water answer`). A failure names the path of the field and what is wrong with it.
pub fn decode<'de, T: Deserialize<'de>>(body: &'de [u8], what: &str) -> Result<T, ConnectorError> {
    // The usual answer decodes: read it without tracking the path (serde_path_to_error keeps
    // every key it passes as a new string) and from text validated once (`from_slice`
    // validates each string on its own). Only a failure is read again, the way it always
    // was, for the error naming the path — decoding is deterministic, so it fails the same
    // way at the same place.
    if let Ok(text) = std::str::from_utf8(body) {
        let mut de = serde_json::Deserializer::from_str(text);
        if let Ok(value) = T::deserialize(&mut de)
            && de.end().is_ok()
        {
            return Ok(value);
        }
    }
    let mut de = serde_json::Deserializer::from_slice(body);
    let value = serde_path_to_error::deserialize(&mut de).map_err(|e| {
        let path = render_path(e.path());
        problem_error(what, &path, e.inner())
    })?;
    de.end().map_err(|e| problem_error(what, "", &e))?;
    Ok(value)
}

/// The error for one decoding failure at `path`.
fn problem_error(what: &str, path: &str, e: &serde_json::Error) -> ConnectorError {
    let problem = match e.classify() {
        Category::Data => problem_text(e),
        Category::Syntax | Category::Eof | Category::Io => {
            return ConnectorError::bad_response(format!(
                "{what} is not JSON (line {}, column {})",
                e.line(),
                e.column()
            ));
        }
    };
    let sep = if path.is_empty() { "" } else { " " };
    ConnectorError::bad_response(format!("{what}{sep}{path} {problem}"))
}

/// What is wrong, without the value. The helpers in [`field`] word their own problems and
/// always start them with `is ` (which no serde message does); serde's messages are reduced
/// to the field name (`missing field`) or the expected shape (`invalid type`).
fn problem_text(e: &serde_json::Error) -> String {
    let full = e.to_string();
    let msg = full
        .rsplit_once(" at line ")
        .map_or(full.as_str(), |(m, _)| m);
    if msg.starts_with("is ") {
        return msg.to_string();
    }
    if let Some(name) = msg
        .strip_prefix("missing field `")
        .and_then(|r| r.strip_suffix('`'))
    {
        // The name is the derive's own, from our struct, never from the body.
        return format!("without {name}");
    }
    if msg.starts_with("invalid type: ") || msg.starts_with("invalid length ") {
        let expected = msg.rsplit_once(", expected ").map_or("", |(_, e)| e);
        return format!("is not {}", shape(expected));
    }
    "is not as expected".to_string()
}

/// serde's "expected …" wording as a JSON shape.
fn shape(expected: &str) -> &'static str {
    if expected.starts_with("struct ") || expected.contains("map") || expected.contains("object") {
        "an object"
    } else if expected.contains("sequence") || expected.starts_with("tuple") {
        "an array"
    } else if expected.contains("string") {
        "a string"
    } else if expected.contains("bool") {
        "a boolean"
    } else {
        "of the expected type"
    }
}

/// The path as `records[3].dueDate`. A key is shown only when it looks like a field name:
/// the keys of an ignored or open object come from the body and could be anything.
fn render_path(path: &serde_path_to_error::Path) -> String {
    use serde_path_to_error::Segment;
    let mut out = String::new();
    for seg in path.iter() {
        match seg {
            Segment::Seq { index } => out.push_str(&format!("[{index}]")),
            Segment::Map { key } | Segment::Enum { variant: key } => {
                if !out.is_empty() {
                    out.push('.');
                }
                let plain = (1..=40).contains(&key.len())
                    && key
                        .bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
                out.push_str(if plain { key } else { "?" });
            }
            Segment::Unknown => out.push_str(".?"),
        }
    }
    out
}

#[cfg(test)]
mod tests;
