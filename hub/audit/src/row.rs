//! The one row type both stores read and write: the `access_record` columns, named once
//! ([`RECORD_COLUMNS`]), with their SQL kinds, and the conversion to and from
//! [`AccessRecord`]. Subjects are rows of `access_subject` ([`SUBJECT_COLUMNS`]); a query
//! joins them (see `store::push_joined_row`). Stores read columns by name, never by
//! position, through [`ColumnSource`].

use crate::{AccessRecord, AuditError, RecordDraft, Subject};
use chrono::DateTime;

/// How a column is stored: BIGINT/INTEGER or TEXT.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A 64-bit integer.
    Int,
    /// Text (lists are JSON arrays in TEXT).
    Text,
}

/// Every `access_record` column a store writes and reads, in one order. The legacy
/// `subject_hmac`/`subject_masked` columns (before schema version 4) are left NULL.
pub const RECORD_COLUMNS: [(&str, Kind); 18] = [
    ("sequence", Kind::Int),
    ("audit_id", Kind::Text),
    ("time_ms", Kind::Int),
    ("account", Kind::Text),
    ("role", Kind::Text),
    ("department", Kind::Text),
    ("channel", Kind::Text),
    ("client_address", Kind::Text),
    ("operation", Kind::Text),
    ("action", Kind::Text),
    ("sources", Kind::Text),
    ("clear_fields", Kind::Text),
    ("purpose_code", Kind::Text),
    ("purpose_note", Kind::Text),
    ("outcome", Kind::Text),
    ("trace_id", Kind::Text),
    ("prev_hash", Kind::Text),
    ("hash", Kind::Text),
];

/// The `access_subject` columns a joined read selects (besides its `sequence`).
pub const SUBJECT_COLUMNS: [&str; 4] = ["ordinal", "kind", "hmac", "masked"];

/// The select list of `r` (a page of `access_record`) LEFT JOIN `s` (`access_subject`).
pub fn joined_select() -> String {
    let record = RECORD_COLUMNS.iter().map(|(c, _)| format!("r.{c}"));
    let subject = SUBJECT_COLUMNS.iter().map(|c| format!("s.{c}"));
    record.chain(subject).collect::<Vec<_>>().join(", ")
}

/// The record column names, comma-separated, for an INSERT.
pub fn insert_columns() -> String {
    RECORD_COLUMNS
        .iter()
        .map(|(c, _)| *c)
        .collect::<Vec<_>>()
        .join(", ")
}

/// One column value of a [`RecordRow`], borrowed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Value<'a> {
    /// An integer column.
    Int(i64),
    /// A text column.
    Text(&'a str),
}

/// Reading a column by name from a store's row type.
pub trait ColumnSource {
    /// An integer column.
    fn int(&self, column: &str) -> Result<i64, AuditError>;
    /// A nullable integer column (the joined subject's ordinal).
    fn opt_int(&self, column: &str) -> Result<Option<i64>, AuditError>;
    /// A text column.
    fn text(&self, column: &str) -> Result<String, AuditError>;
}

/// An `access_record` row as stored: the record without subjects, lists as JSON text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordRow {
    sequence: i64,
    time_ms: i64,
    /// The text columns, in [`RECORD_COLUMNS`] order.
    text: Vec<String>,
}

/// The column values of `r` in [`RECORD_COLUMNS`] order, borrowed from it, for an insert.
/// The two lists become JSON text in `lists` (`sources`, `clear_fields`), buffers a batch
/// reuses, so binding a record copies no field.
pub fn record_values<'a>(
    r: &'a AccessRecord,
    lists: &'a mut [String; 2],
) -> Result<[Value<'a>; 18], AuditError> {
    let d = &r.draft;
    let [sources, clear_fields] = lists;
    json_into(sources, &d.sources, r.sequence)?;
    json_into(clear_fields, &d.clear_fields, r.sequence)?;
    let sequence = i64::try_from(r.sequence)
        .map_err(|_| AuditError::corrupt(r.sequence, "sequence out of range"))?;
    Ok([
        Value::Int(sequence),
        Value::Text(&r.audit_id),
        Value::Int(d.time.timestamp_millis()),
        Value::Text(&d.account),
        Value::Text(&d.role),
        Value::Text(&d.department),
        Value::Text(&d.channel),
        Value::Text(&d.client_address),
        Value::Text(&d.operation),
        Value::Text(d.action.as_str()),
        Value::Text(sources),
        Value::Text(clear_fields),
        Value::Text(&d.purpose_code),
        Value::Text(&d.purpose_note),
        Value::Text(d.outcome.as_str()),
        Value::Text(&d.trace_id),
        Value::Text(&r.prev_hash),
        Value::Text(&r.hash),
    ])
}

/// Writes `list` as a JSON array into `out`, reusing its buffer.
fn json_into(out: &mut String, list: &[String], sequence: u64) -> Result<(), AuditError> {
    let bad = || AuditError::corrupt(sequence, "list not encodable");
    let mut bytes = std::mem::take(out).into_bytes();
    bytes.clear();
    serde_json::to_writer(&mut bytes, list).map_err(|_| bad())?;
    *out = String::from_utf8(bytes).map_err(|_| bad())?;
    Ok(())
}

impl RecordRow {
    /// The row of `r` (owned; an insert binds [`record_values`] instead).
    pub fn from_record(r: &AccessRecord) -> Result<RecordRow, AuditError> {
        let mut lists = Default::default();
        let values = record_values(r, &mut lists)?;
        let mut row = RecordRow {
            sequence: 0,
            time_ms: 0,
            text: Vec::with_capacity(16),
        };
        for ((name, _), value) in RECORD_COLUMNS.iter().zip(values) {
            match value {
                Value::Int(i) if *name == "sequence" => row.sequence = i,
                Value::Int(i) => row.time_ms = i,
                Value::Text(t) => row.text.push(t.to_string()),
            }
        }
        Ok(row)
    }

    /// The values in [`RECORD_COLUMNS`] order.
    pub fn values(&self) -> Vec<Value<'_>> {
        let mut text = self.text.iter();
        RECORD_COLUMNS
            .iter()
            .map(|(name, kind)| match (kind, *name) {
                (Kind::Int, "sequence") => Value::Int(self.sequence),
                (Kind::Int, _) => Value::Int(self.time_ms),
                (Kind::Text, _) => Value::Text(text.next().map_or("", String::as_str)),
            })
            .collect()
    }

    /// Reads the record columns of a row by name.
    pub fn read(src: &impl ColumnSource) -> Result<RecordRow, AuditError> {
        let mut text = Vec::with_capacity(16);
        for (name, kind) in RECORD_COLUMNS {
            if kind == Kind::Text {
                text.push(src.text(name)?);
            }
        }
        Ok(RecordRow {
            sequence: src.int("sequence")?,
            time_ms: src.int("time_ms")?,
            text,
        })
    }

    /// The stored sequence, checked non-negative.
    pub fn sequence(&self) -> Result<u64, AuditError> {
        u64::try_from(self.sequence).map_err(|_| AuditError::corrupt(0, "negative sequence"))
    }

    /// The record (without subjects); an unreadable value is corrupt for its sequence.
    pub fn into_record(self) -> Result<AccessRecord, AuditError> {
        let sequence = self.sequence()?;
        let bad = |reason: &str| AuditError::corrupt(sequence, reason);
        let [
            audit_id,
            account,
            role,
            department,
            channel,
            client_address,
            operation,
            action,
            sources,
            clear_fields,
            purpose_code,
            purpose_note,
            outcome,
            trace_id,
            prev_hash,
            hash,
        ]: [String; 16] = self
            .text
            .try_into()
            .map_err(|_| bad("wrong number of columns"))?;
        let list = |text: &str, what: &str| -> Result<Vec<String>, AuditError> {
            serde_json::from_str(text).map_err(|_| bad(what))
        };
        let draft = RecordDraft {
            time: DateTime::from_timestamp_millis(self.time_ms)
                .ok_or_else(|| bad("time out of range"))?,
            account,
            role,
            department,
            channel,
            client_address,
            operation,
            action: action.parse().map_err(|_| bad("unknown action"))?,
            subjects: Vec::new(),
            sources: list(&sources, "sources is not a JSON string list")?,
            clear_fields: list(&clear_fields, "clear_fields is not a JSON string list")?,
            purpose_code,
            purpose_note,
            outcome: outcome.parse().map_err(|_| bad("unknown outcome"))?,
            trace_id,
        };
        Ok(AccessRecord {
            sequence,
            audit_id,
            draft,
            prev_hash,
            hash,
        })
    }
}

/// Reads one joined row (record columns + the subject's, NULL without one) into `out`.
pub fn push_joined(out: &mut Vec<AccessRecord>, src: &impl ColumnSource) -> Result<(), AuditError> {
    let sequence = u64::try_from(src.int("sequence")?)
        .map_err(|_| AuditError::corrupt(0, "negative sequence"))?;
    let subject = match src.opt_int("ordinal")? {
        None => None,
        Some(ordinal) => Some((
            ordinal,
            Subject {
                kind: src.text("kind")?,
                hmac: src.text("hmac")?,
                masked: src.text("masked")?,
            },
        )),
    };
    // The record's columns are read once, on its first joined row.
    let record = || RecordRow::read(src)?.into_record();
    crate::store::push_joined_row(out, sequence, record, subject)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::chain_of;

    /// A row as a name → value map, like a store's.
    struct Map(std::collections::HashMap<&'static str, (Option<i64>, String)>);

    impl ColumnSource for Map {
        fn int(&self, c: &str) -> Result<i64, AuditError> {
            self.0[c].0.ok_or_else(|| AuditError::corrupt(0, "null"))
        }
        fn opt_int(&self, c: &str) -> Result<Option<i64>, AuditError> {
            Ok(self.0.get(c).and_then(|v| v.0))
        }
        fn text(&self, c: &str) -> Result<String, AuditError> {
            Ok(self.0[c].1.clone())
        }
    }

    #[test]
    fn a_record_round_trips_through_its_row_by_column_name() {
        let mut r = chain_of(1).remove(0);
        r.draft.subjects.clear();
        let row = RecordRow::from_record(&r).unwrap();
        let mut map = std::collections::HashMap::new();
        for ((name, _), v) in RECORD_COLUMNS.iter().zip(row.values()) {
            match v {
                Value::Int(i) => map.insert(*name, (Some(i), String::new())),
                Value::Text(t) => map.insert(*name, (None, t.to_string())),
            };
        }
        let mut out = Vec::new();
        push_joined(&mut out, &Map(map)).unwrap();
        assert_eq!(out, vec![r.clone()]);
        // The borrowed values an insert binds have the columns' kinds, in their order.
        let mut lists = Default::default();
        let values = record_values(&r, &mut lists).unwrap();
        for ((name, kind), value) in RECORD_COLUMNS.iter().zip(values) {
            let matches = matches!(
                (kind, value),
                (Kind::Int, Value::Int(_)) | (Kind::Text, Value::Text(_))
            );
            assert!(matches, "{name}");
        }
        assert!(joined_select().starts_with("r.sequence, r.audit_id, r.time_ms"));
        assert!(joined_select().ends_with("s.ordinal, s.kind, s.hmac, s.masked"));
    }
}
