//! Mapping between [`AccessRecord`] / [`Checkpoint`] and PostgreSQL rows.
//!
//! The columns are the SQLite store's: lists are JSON arrays in TEXT, time is BIGINT
//! milliseconds UTC, every data subject a row of `access_subject`. A batch is inserted with
//! one statement that unnests one array per column (and one more for its subjects), so a
//! batch of any size is at most two prepared statements and two round trips. A query reads
//! records joined with their subjects, one row per subject (or one for a record without).

use super::schema::pg_error;
use crate::store::push_joined_row;
use crate::{AccessRecord, AuditError, Checkpoint, RecordDraft, Subject};
use chrono::DateTime;
use tokio_postgres::Row;

/// The selected columns of `r` (a page of `access_record`) LEFT JOIN `s` (`access_subject`),
/// in the order [`push_row`] reads them.
pub const COLUMNS: &str = "r.sequence, r.audit_id, r.time_ms, r.account, r.role, r.department, \
    r.channel, r.client_address, r.operation, r.action, r.sources, r.clear_fields, \
    r.purpose_code, r.purpose_note, r.outcome, r.trace_id, r.prev_hash, r.hash, \
    s.ordinal, s.kind, s.hmac, s.masked";

/// Inserts a whole batch: one array parameter per column. The legacy `subject_hmac` and
/// `subject_masked` columns stay NULL: subjects live in `access_subject` since version 4.
pub const INSERT: &str = "INSERT INTO access_record (sequence, audit_id, time_ms, account, role, \
    department, channel, client_address, operation, action, sources, clear_fields, \
    purpose_code, purpose_note, outcome, trace_id, prev_hash, hash) \
    SELECT * FROM UNNEST($1::bigint[], $2::text[], $3::bigint[], $4::text[], $5::text[], \
    $6::text[], $7::text[], $8::text[], $9::text[], $10::text[], $11::text[], $12::text[], \
    $13::text[], $14::text[], $15::text[], $16::text[], $17::text[], $18::text[])";

/// Inserts every subject of a batch, after its records, in one statement.
pub const INSERT_SUBJECTS: &str = "INSERT INTO access_subject \
    (sequence, ordinal, kind, hmac, masked) \
    SELECT * FROM UNNEST($1::bigint[], $2::int[], $3::text[], $4::text[], $5::text[])";

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

/// The column arrays of a batch, bound in the order of [`INSERT`] and [`INSERT_SUBJECTS`].
#[derive(Default)]
pub struct Columns {
    int: [Vec<i64>; 2],
    text: [Vec<String>; 16],
    subject_sequence: Vec<i64>,
    subject_ordinal: Vec<i32>,
    subject_text: [Vec<String>; 3],
}

impl Columns {
    /// Splits `records` into column arrays.
    pub fn from_records(records: &[AccessRecord]) -> Result<Columns, AuditError> {
        let mut c = Columns::default();
        for r in records {
            let d = &r.draft;
            let json = |list: &Vec<String>| {
                serde_json::to_string(list)
                    .map_err(|_| AuditError::corrupt(r.sequence, "list not encodable"))
            };
            c.int[0].push(seq_to_sql(r.sequence)?);
            c.int[1].push(d.time.timestamp_millis());
            let texts = [
                r.audit_id.clone(),
                d.account.clone(),
                d.role.clone(),
                d.department.clone(),
                d.channel.clone(),
                d.client_address.clone(),
                d.operation.clone(),
                d.action.as_str().to_string(),
                json(&d.sources)?,
                json(&d.clear_fields)?,
                d.purpose_code.clone(),
                d.purpose_note.clone(),
                d.outcome.as_str().to_string(),
                d.trace_id.clone(),
                r.prev_hash.clone(),
                r.hash.clone(),
            ];
            for (column, value) in c.text.iter_mut().zip(texts) {
                column.push(value);
            }
            for (ordinal, s) in d.subjects.iter().enumerate() {
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

    /// Runs [`INSERT`] (then [`INSERT_SUBJECTS`] when there are subjects) on `tx`.
    pub async fn insert(&self, tx: &deadpool_postgres::Transaction<'_>) -> Result<(), AuditError> {
        let stmt = tx.prepare_cached(INSERT).await.map_err(pg_error)?;
        let t = &self.text;
        tx.execute(
            &stmt,
            &[
                &self.int[0],
                &t[0],
                &self.int[1],
                &t[1],
                &t[2],
                &t[3],
                &t[4],
                &t[5],
                &t[6],
                &t[7],
                &t[8],
                &t[9],
                &t[10],
                &t[11],
                &t[12],
                &t[13],
                &t[14],
                &t[15],
            ],
        )
        .await
        .map_err(pg_error)?;
        if self.subject_sequence.is_empty() {
            return Ok(());
        }
        let stmt = tx.prepare_cached(INSERT_SUBJECTS).await.map_err(pg_error)?;
        let s = &self.subject_text;
        tx.execute(
            &stmt,
            &[
                &self.subject_sequence,
                &self.subject_ordinal,
                &s[0],
                &s[1],
                &s[2],
            ],
        )
        .await
        .map_err(pg_error)?;
        Ok(())
    }
}

/// Reads one row selected with [`COLUMNS`] into `out` (see [`push_joined_row`]).
pub fn push_row(out: &mut Vec<AccessRecord>, row: &Row) -> Result<(), AuditError> {
    let raw_seq: i64 = row.try_get(0).map_err(pg_error)?;
    let sequence =
        u64::try_from(raw_seq).map_err(|_| AuditError::corrupt(0, "negative sequence"))?;
    let ordinal: Option<i32> = row.try_get(18).map_err(pg_error)?;
    let subject = match ordinal {
        None => None,
        Some(ordinal) => Some((
            i64::from(ordinal),
            Subject {
                kind: row.try_get(19).map_err(pg_error)?,
                hmac: row.try_get(20).map_err(pg_error)?,
                masked: row.try_get(21).map_err(pg_error)?,
            },
        )),
    };
    push_joined_row(out, sequence, || record_from_row(sequence, row), subject)
}

/// The record part of a row, without subjects.
fn record_from_row(sequence: u64, row: &Row) -> Result<AccessRecord, AuditError> {
    let bad = |reason: &str| AuditError::corrupt(sequence, reason);
    let text = |i: usize| -> Result<String, AuditError> { row.try_get(i).map_err(pg_error) };
    let list = |i: usize, what: &str| -> Result<Vec<String>, AuditError> {
        serde_json::from_str(&text(i)?).map_err(|_| bad(what))
    };
    let time_ms: i64 = row.try_get(2).map_err(pg_error)?;
    let draft = RecordDraft {
        time: DateTime::from_timestamp_millis(time_ms).ok_or_else(|| bad("time out of range"))?,
        account: text(3)?,
        role: text(4)?,
        department: text(5)?,
        channel: text(6)?,
        client_address: text(7)?,
        operation: text(8)?,
        action: text(9)?.parse().map_err(|_| bad("unknown action"))?,
        subjects: Vec::new(),
        sources: list(10, "sources is not a JSON string list")?,
        clear_fields: list(11, "clear_fields is not a JSON string list")?,
        purpose_code: text(12)?,
        purpose_note: text(13)?,
        outcome: text(14)?.parse().map_err(|_| bad("unknown outcome"))?,
        trace_id: text(15)?,
    };
    Ok(AccessRecord {
        sequence,
        audit_id: text(1)?,
        draft,
        prev_hash: text(16)?,
        hash: text(17)?,
    })
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
