//! Mapping between [`AccessRecord`] and `access_record` rows plus their `access_subject`
//! rows (one per data subject, schema version 4).
//!
//! Lists are JSON arrays in TEXT columns, time is integer milliseconds UTC. A query reads
//! records joined with their subjects, one row per subject (or one row for a record without). A row that cannot
//! be read back (bad JSON, unknown enum name, time out of range) is reported as
//! [`AuditError::Corrupt`] for its sequence.

use super::schema::db_error;
use crate::row::{ColumnSource, Value, push_joined, record_values};
use crate::{AccessRecord, AuditError, Checkpoint};
use rusqlite::{Connection, Row, Transaction, params};
use std::sync::LazyLock;

/// The select list of a joined read (see [`crate::row::joined_select`]).
pub fn columns() -> String {
    crate::row::joined_select()
}

/// `INSERT OR ROLLBACK INTO access_record (…) VALUES (?1, …)` (see schema v5) over
/// [`crate::row::RECORD_COLUMNS`].
fn insert_sql() -> String {
    let n = crate::row::RECORD_COLUMNS.len();
    let slots: Vec<String> = (1..=n).map(|i| format!("?{i}")).collect();
    format!(
        "INSERT OR ROLLBACK INTO access_record ({}) VALUES ({})",
        crate::row::insert_columns(),
        slots.join(", ")
    )
}

const INSERT_SUBJECT: &str = "INSERT OR ROLLBACK INTO access_subject \
    (sequence, ordinal, kind, hmac, masked) VALUES (?1, ?2, ?3, ?4, ?5)";

/// Selected checkpoint columns, in the order [`checkpoint_from_row`] reads them.
pub const CHECKPOINT_COLUMNS: &str = "sequence, head_hash, time_ms, key_id, signature";

/// Inserts a checkpoint if the record it names is stored with that hash; returns whether it
/// was inserted.
pub fn insert_checkpoint(tx: &Transaction<'_>, cp: &Checkpoint) -> Result<bool, AuditError> {
    let inserted = tx
        .execute(
            "INSERT INTO audit_checkpoint (sequence, head_hash, time_ms, key_id, signature) \
             SELECT ?1, ?2, ?3, ?4, ?5 WHERE EXISTS \
             (SELECT 1 FROM access_record WHERE sequence = ?1 AND hash = ?2)",
            params![
                seq_to_sql(cp.sequence)?,
                cp.head_hash,
                cp.time_ms,
                cp.key_id,
                cp.signature
            ],
        )
        .map_err(db_error)?;
    Ok(inserted == 1)
}

/// Reads one row selected with [`CHECKPOINT_COLUMNS`].
pub fn checkpoint_from_row(row: &Row<'_>) -> Result<Checkpoint, AuditError> {
    let raw_seq: i64 = row.get(0).map_err(db_error)?;
    Ok(Checkpoint {
        sequence: u64::try_from(raw_seq)
            .map_err(|_| AuditError::corrupt(0, "negative checkpoint sequence"))?,
        head_hash: row.get(1).map_err(db_error)?,
        time_ms: row.get(2).map_err(db_error)?,
        key_id: row.get(3).map_err(db_error)?,
        signature: row.get(4).map_err(db_error)?,
    })
}

/// Converts a sequence to SQLite's signed integer.
pub fn seq_to_sql(sequence: u64) -> Result<i64, AuditError> {
    i64::try_from(sequence).map_err(|_| AuditError::corrupt(sequence, "sequence out of range"))
}

/// Inserts records and their subjects inside the connection's open transaction: both
/// statements cached, every value bound straight from the record (no copy of a field per
/// record).
pub fn insert(conn: &Connection, records: &[AccessRecord]) -> Result<(), AuditError> {
    static INSERT_RECORD: LazyLock<String> = LazyLock::new(insert_sql);
    let mut stmt = conn.prepare_cached(&INSERT_RECORD).map_err(db_error)?;
    let mut subject_stmt = conn.prepare_cached(INSERT_SUBJECT).map_err(db_error)?;
    let mut lists = Default::default();
    for r in records {
        for (i, value) in record_values(r, &mut lists)?.into_iter().enumerate() {
            match value {
                Value::Int(v) => stmt.raw_bind_parameter(i + 1, v),
                Value::Text(t) => stmt.raw_bind_parameter(i + 1, t),
            }
            .map_err(db_error)?;
        }
        stmt.raw_execute().map_err(db_error)?;
        let sequence = seq_to_sql(r.sequence)?;
        for (ordinal, s) in r.draft.subjects.iter().enumerate() {
            subject_stmt
                .execute(params![sequence, ordinal as i64, s.kind, s.hmac, s.masked])
                .map_err(db_error)?;
        }
    }
    Ok(())
}

/// A SQLite row read by column name.
struct Named<'a, 'b>(&'a Row<'b>);

impl ColumnSource for Named<'_, '_> {
    fn int(&self, column: &str) -> Result<i64, AuditError> {
        self.0.get(column).map_err(db_error)
    }
    fn opt_int(&self, column: &str) -> Result<Option<i64>, AuditError> {
        self.0.get(column).map_err(db_error)
    }
    fn text(&self, column: &str) -> Result<String, AuditError> {
        self.0.get(column).map_err(db_error)
    }
}

/// Reads one row selected with [`columns`] into `out`.
pub fn push_row(out: &mut Vec<AccessRecord>, row: &Row<'_>) -> Result<(), AuditError> {
    push_joined(out, &Named(row))
}
