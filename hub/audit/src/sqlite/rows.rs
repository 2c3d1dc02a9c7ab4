//! Mapping between [`AccessRecord`] and `access_record` rows plus their `access_subject`
//! rows (one per data subject, schema version 4).
//!
//! Lists are JSON arrays in TEXT columns, time is integer milliseconds UTC. A query reads
//! records joined with their subjects, one row per subject (or one row for a record without). A row that cannot
//! be read back (bad JSON, unknown enum name, time out of range) is reported as
//! [`AuditError::Corrupt`] for its sequence.

use super::schema::db_error;
use crate::store::push_joined_row;
use crate::{AccessRecord, AuditError, Checkpoint, RecordDraft, Subject};
use chrono::DateTime;
use rusqlite::{Row, Transaction, params};

/// The selected columns of `r` (a page of `access_record`) LEFT JOIN `s` (`access_subject`),
/// in the order [`push_row`] reads them.
pub const COLUMNS: &str = "r.sequence, r.audit_id, r.time_ms, r.account, r.role, r.department, \
    r.channel, r.client_address, r.operation, r.action, r.sources, r.clear_fields, \
    r.purpose_code, r.purpose_note, r.outcome, r.trace_id, r.prev_hash, r.hash, \
    s.ordinal, s.kind, s.hmac, s.masked";

/// The legacy `subject_hmac`/`subject_masked` columns are left NULL: subjects live in
/// `access_subject` since schema version 4.
const INSERT: &str = "INSERT INTO access_record (sequence, audit_id, time_ms, account, role, \
    department, channel, client_address, operation, action, sources, clear_fields, \
    purpose_code, purpose_note, outcome, trace_id, prev_hash, hash) \
    VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18)";

const INSERT_SUBJECT: &str = "INSERT INTO access_subject (sequence, ordinal, kind, hmac, masked) \
    VALUES (?1, ?2, ?3, ?4, ?5)";

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

/// Inserts records and their subjects inside an open transaction.
pub fn insert(tx: &Transaction<'_>, records: &[AccessRecord]) -> Result<(), AuditError> {
    let mut stmt = tx.prepare_cached(INSERT).map_err(db_error)?;
    let mut subject_stmt = tx.prepare_cached(INSERT_SUBJECT).map_err(db_error)?;
    for r in records {
        let d = &r.draft;
        let json = |list: &Vec<String>| {
            serde_json::to_string(list)
                .map_err(|_| AuditError::corrupt(r.sequence, "list not encodable"))
        };
        stmt.execute(params![
            seq_to_sql(r.sequence)?,
            r.audit_id,
            d.time.timestamp_millis(),
            d.account,
            d.role,
            d.department,
            d.channel,
            d.client_address,
            d.operation,
            d.action.as_str(),
            json(&d.sources)?,
            json(&d.clear_fields)?,
            d.purpose_code,
            d.purpose_note,
            d.outcome.as_str(),
            d.trace_id,
            r.prev_hash,
            r.hash,
        ])
        .map_err(db_error)?;
        for (ordinal, s) in d.subjects.iter().enumerate() {
            subject_stmt
                .execute(params![
                    seq_to_sql(r.sequence)?,
                    ordinal as i64,
                    s.kind,
                    s.hmac,
                    s.masked
                ])
                .map_err(db_error)?;
        }
    }
    Ok(())
}

/// Reads one row selected with [`COLUMNS`] into `out` (see [`push_joined_row`]).
pub fn push_row(out: &mut Vec<AccessRecord>, row: &Row<'_>) -> Result<(), AuditError> {
    let raw_seq: i64 = row.get(0).map_err(db_error)?;
    let sequence =
        u64::try_from(raw_seq).map_err(|_| AuditError::corrupt(0, "negative sequence"))?;
    let ordinal: Option<i64> = row.get(18).map_err(db_error)?;
    let subject = match ordinal {
        None => None,
        Some(ordinal) => Some((
            ordinal,
            Subject {
                kind: row.get(19).map_err(db_error)?,
                hmac: row.get(20).map_err(db_error)?,
                masked: row.get(21).map_err(db_error)?,
            },
        )),
    };
    push_joined_row(out, sequence, || record_from_row(sequence, row), subject)
}

/// The record part of a row, without subjects.
fn record_from_row(sequence: u64, row: &Row<'_>) -> Result<AccessRecord, AuditError> {
    let bad = |reason: &str| AuditError::corrupt(sequence, reason);
    let text = |i: usize| -> Result<String, AuditError> { row.get(i).map_err(db_error) };
    let list = |i: usize, what: &str| -> Result<Vec<String>, AuditError> {
        serde_json::from_str(&text(i)?).map_err(|_| bad(what))
    };
    let time_ms: i64 = row.get(2).map_err(db_error)?;
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
