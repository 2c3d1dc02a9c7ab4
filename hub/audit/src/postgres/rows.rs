//! Mapping between [`AccessRecord`] / [`Checkpoint`] and PostgreSQL rows.
//!
//! The columns are the SQLite store's: lists are JSON arrays in TEXT, time is BIGINT
//! milliseconds UTC, every data subject a row of `access_subject`. A batch is inserted with
//! one statement that unnests one array per column (and one more for its subjects), so a
//! batch of any size is at most two prepared statements, sent in the append's one pipelined
//! round trip (see the store's `append`). A query reads
//! records joined with their subjects, one row per subject (or one for a record without).

use super::schema::pg_error;
use crate::row::{ColumnSource, Kind, RECORD_COLUMNS, Value, push_joined, record_values};
use crate::{AccessRecord, AuditError, Checkpoint};
use tokio_postgres::Row;
use tokio_postgres::types::ToSql;

/// The select list of a joined read (see [`crate::row::joined_select`]).
pub fn columns() -> String {
    crate::row::joined_select()
}

/// The stored head, as the append reads it inside its transaction.
pub const READ_HEAD: &str =
    "SELECT sequence, hash FROM access_record ORDER BY sequence DESC LIMIT 1";

/// Inserts a whole batch: one array parameter per column of
/// [`crate::row::RECORD_COLUMNS`], unnested — only if the batch continues the stored head
/// (record `$19` is the last one, with hash `$20`; NULL for the empty trail), so a stale or
/// forked batch inserts nothing even with the tables' triggers disabled.
///
/// "Record `$19` is the last one" is asked as `max(sequence) = $19`, which PostgreSQL answers
/// from the primary key's last entry whatever the plan. The earlier `NOT EXISTS (… WHERE
/// sequence > $19)` was planned, once the prepared statement went generic, as a sequential
/// scan that reads the whole trail to find nothing: every batch cost time linear in the
/// trail's size (18 ms at 300,000 records here).
pub fn insert_sql() -> String {
    let arrays: Vec<String> = RECORD_COLUMNS
        .iter()
        .enumerate()
        .map(|(i, (_, kind))| match kind {
            Kind::Int => format!("${}::bigint[]", i + 1),
            Kind::Text => format!("${}::text[]", i + 1),
        })
        .collect();
    let head_sequence = RECORD_COLUMNS.len() + 1;
    format!(
        "INSERT INTO access_record ({}) SELECT * FROM UNNEST({}) \
         WHERE COALESCE((SELECT max(sequence) FROM access_record), 0) = ${head_sequence}::bigint \
         AND (SELECT hash FROM access_record WHERE sequence = ${head_sequence}::bigint) \
         IS NOT DISTINCT FROM ${}::text",
        crate::row::insert_columns(),
        arrays.join(", "),
        head_sequence + 1
    )
}

/// Inserts every subject of a batch, after its records, in one statement — only if the
/// batch's last record (`$6`, hash `$7`) is stored, i.e. the record insert took the batch.
pub const INSERT_SUBJECTS: &str = "INSERT INTO access_subject \
    (sequence, ordinal, kind, hmac, masked) \
    SELECT * FROM UNNEST($1::bigint[], $2::int[], $3::text[], $4::text[], $5::text[]) \
    WHERE EXISTS (SELECT 1 FROM access_record WHERE sequence = $6::bigint AND hash = $7::text)";

/// Selected checkpoint columns, in the order [`checkpoint_from_row`] reads them.
pub const CHECKPOINT_COLUMNS: &str = "sequence, head_hash, time_ms, key_id, signature";

/// Inserts a checkpoint only if the record it names is stored with that hash.
pub const INSERT_CHECKPOINT: &str = "INSERT INTO audit_checkpoint \
    (sequence, head_hash, time_ms, key_id, signature) \
    SELECT $1, $2, $3, $4, $5 WHERE EXISTS \
    (SELECT 1 FROM access_record WHERE sequence = $1 AND hash = $2)";

/// Converts a sequence to PostgreSQL's BIGINT.
pub fn seq_to_sql(sequence: u64) -> Result<i64, AuditError> {
    i64::try_from(sequence).map_err(|_| AuditError::corrupt(sequence, "sequence out of range"))
}

/// One column of a batch, as the array bound for it.
enum Array {
    Int(Vec<i64>),
    Text(Vec<String>),
}

/// The column arrays of a batch, bound in the order of the record insert and
/// [`INSERT_SUBJECTS`].
pub struct Columns {
    record: Vec<Array>,
    /// The head the batch continues: its sequence and hash (`None` for the empty trail).
    head: (i64, Option<String>),
    /// The batch's last record: sequence and hash.
    last: (i64, String),
    subject_sequence: Vec<i64>,
    subject_ordinal: Vec<i32>,
    subject_text: [Vec<String>; 3],
}

impl Columns {
    /// Splits `records` into column arrays.
    pub fn from_records(records: &[AccessRecord]) -> Result<Columns, AuditError> {
        let (Some(first), Some(last)) = (records.first(), records.last()) else {
            return Err(AuditError::Unavailable("postgres: empty batch".to_string()));
        };
        let head_sequence = seq_to_sql(first.sequence)? - 1;
        let mut c = Columns {
            head: (
                head_sequence,
                (head_sequence > 0).then(|| first.prev_hash.clone()),
            ),
            last: (seq_to_sql(last.sequence)?, last.hash.clone()),
            record: RECORD_COLUMNS
                .iter()
                .map(|(_, kind)| match kind {
                    Kind::Int => Array::Int(Vec::with_capacity(records.len())),
                    Kind::Text => Array::Text(Vec::with_capacity(records.len())),
                })
                .collect(),
            subject_sequence: Vec::new(),
            subject_ordinal: Vec::new(),
            subject_text: Default::default(),
        };
        let mut lists = Default::default();
        for r in records {
            for (array, value) in c.record.iter_mut().zip(record_values(r, &mut lists)?) {
                match (array, value) {
                    (Array::Int(a), Value::Int(v)) => a.push(v),
                    (Array::Text(a), Value::Text(v)) => a.push(v.to_string()),
                    _ => return Err(AuditError::corrupt(r.sequence, "column kind mismatch")),
                }
            }
            for (ordinal, s) in r.draft.subjects.iter().enumerate() {
                c.subject_sequence.push(seq_to_sql(r.sequence)?);
                c.subject_ordinal.push(
                    i32::try_from(ordinal)
                        .map_err(|_| AuditError::corrupt(r.sequence, "too many subjects"))?,
                );
                let texts = [s.kind.clone(), s.hmac.clone(), s.masked.clone()];
                for (column, value) in c.subject_text.iter_mut().zip(texts) {
                    column.push(value);
                }
            }
        }
        Ok(c)
    }

    /// The parameters of the record insert ([`insert_sql`]).
    pub fn record_params(&self) -> Vec<&(dyn ToSql + Sync)> {
        let mut params: Vec<&(dyn ToSql + Sync)> = self
            .record
            .iter()
            .map(|a| match a {
                Array::Int(v) => v as &(dyn ToSql + Sync),
                Array::Text(v) => v as &(dyn ToSql + Sync),
            })
            .collect();
        params.push(&self.head.0);
        params.push(&self.head.1);
        params
    }

    /// How many records the batch holds.
    pub fn len(&self) -> usize {
        match self.record.first() {
            Some(Array::Int(v)) => v.len(),
            Some(Array::Text(v)) => v.len(),
            None => 0,
        }
    }

    /// The parameters of [`INSERT_SUBJECTS`], `None` for a batch without subjects.
    pub fn subject_params(&self) -> Option<[&(dyn ToSql + Sync); 7]> {
        if self.subject_sequence.is_empty() {
            return None;
        }
        let s = &self.subject_text;
        Some([
            &self.subject_sequence,
            &self.subject_ordinal,
            &s[0],
            &s[1],
            &s[2],
            &self.last.0,
            &self.last.1,
        ])
    }
}

/// A PostgreSQL row read by column name.
struct Named<'a>(&'a Row);

impl ColumnSource for Named<'_> {
    fn int(&self, column: &str) -> Result<i64, AuditError> {
        self.0.try_get(column).map_err(pg_error)
    }
    fn opt_int(&self, column: &str) -> Result<Option<i64>, AuditError> {
        // The subject ordinal is an INTEGER column.
        let v: Option<i32> = self.0.try_get(column).map_err(pg_error)?;
        Ok(v.map(i64::from))
    }
    fn text(&self, column: &str) -> Result<String, AuditError> {
        self.0.try_get(column).map_err(pg_error)
    }
}

/// Reads one row selected with [`columns`] into `out`.
pub fn push_row(out: &mut Vec<AccessRecord>, row: &Row) -> Result<(), AuditError> {
    push_joined(out, &Named(row))
}

/// Reads one row selected with [`CHECKPOINT_COLUMNS`].
pub fn checkpoint_from_row(row: &Row) -> Result<Checkpoint, AuditError> {
    let raw_seq: i64 = row.try_get(0).map_err(pg_error)?;
    Ok(Checkpoint {
        sequence: u64::try_from(raw_seq)
            .map_err(|_| AuditError::corrupt(0, "negative checkpoint sequence"))?,
        head_hash: row.try_get(1).map_err(pg_error)?,
        time_ms: row.try_get(2).map_err(pg_error)?,
        key_id: row.try_get(3).map_err(pg_error)?,
        signature: row.try_get(4).map_err(pg_error)?,
    })
}
