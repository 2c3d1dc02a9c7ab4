//! Mapping between [`AccessRecord`] / [`Checkpoint`] and PostgreSQL rows.
//!
//! The columns are the SQLite store's: lists are JSON arrays in TEXT, time is BIGINT
//! milliseconds UTC. A batch is inserted with ONE statement that unnests one array per column,
//! so a batch of any size is a single prepared statement and a single round trip.

use super::schema::pg_error;
use crate::{AccessRecord, AuditError, Checkpoint, RecordDraft, Subject};
use chrono::DateTime;
use tokio_postgres::Row;

/// The selected columns, in the order [`from_row`] reads them.
pub const COLUMNS: &str = "sequence, audit_id, time_ms, account, role, department, channel, \
    client_address, operation, action, subject_hmac, subject_masked, sources, clear_fields, \
    purpose_code, purpose_note, outcome, trace_id, prev_hash, hash";

/// Inserts a whole batch: one array parameter per column.
pub const INSERT: &str = "INSERT INTO access_record (sequence, audit_id, time_ms, account, role, \
    department, channel, client_address, operation, action, subject_hmac, subject_masked, \
    sources, clear_fields, purpose_code, purpose_note, outcome, trace_id, prev_hash, hash) \
    SELECT * FROM UNNEST($1::bigint[], $2::text[], $3::bigint[], $4::text[], $5::text[], \
    $6::text[], $7::text[], $8::text[], $9::text[], $10::text[], $11::text[], $12::text[], \
    $13::text[], $14::text[], $15::text[], $16::text[], $17::text[], $18::text[], $19::text[], \
    $20::text[])";

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

/// The column arrays of a batch, bound in the order of [`INSERT`].
#[derive(Default)]
pub struct Columns {
    int: [Vec<i64>; 2],
    text: [Vec<String>; 16],
    subject: [Vec<Option<String>>; 2],
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
            c.subject[0].push(d.subject.as_ref().map(|s| s.hmac.clone()));
            c.subject[1].push(d.subject.as_ref().map(|s| s.masked.clone()));
        }
        Ok(c)
    }

    /// Runs [`INSERT`] for these columns on `tx`.
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
                &self.subject[0],
                &self.subject[1],
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
        Ok(())
    }
}

/// Reads one row selected with [`COLUMNS`].
pub fn from_row(row: &Row) -> Result<AccessRecord, AuditError> {
    let raw_seq: i64 = row.try_get(0).map_err(pg_error)?;
    let sequence =
        u64::try_from(raw_seq).map_err(|_| AuditError::corrupt(0, "negative sequence"))?;
    let bad = |reason: &str| AuditError::corrupt(sequence, reason);
    let text = |i: usize| -> Result<String, AuditError> { row.try_get(i).map_err(pg_error) };
    let list = |i: usize, what: &str| -> Result<Vec<String>, AuditError> {
        serde_json::from_str(&text(i)?).map_err(|_| bad(what))
    };
    let time_ms: i64 = row.try_get(2).map_err(pg_error)?;
    let subject_hmac: Option<String> = row.try_get(10).map_err(pg_error)?;
    let subject_masked: Option<String> = row.try_get(11).map_err(pg_error)?;
    let subject = match (subject_hmac, subject_masked) {
        (Some(hmac), Some(masked)) => Some(Subject { hmac, masked }),
        (None, None) => None,
        _ => return Err(bad("subject half missing")),
    };
    let draft = RecordDraft {
        time: DateTime::from_timestamp_millis(time_ms).ok_or_else(|| bad("time out of range"))?,
        account: text(3)?,
        role: text(4)?,
        department: text(5)?,
        channel: text(6)?,
        client_address: text(7)?,
        operation: text(8)?,
        action: text(9)?.parse().map_err(|_| bad("unknown action"))?,
        subject,
        sources: list(12, "sources is not a JSON string list")?,
        clear_fields: list(13, "clear_fields is not a JSON string list")?,
        purpose_code: text(14)?,
        purpose_note: text(15)?,
        outcome: text(16)?.parse().map_err(|_| bad("unknown outcome"))?,
        trace_id: text(17)?,
    };
    Ok(AccessRecord {
        sequence,
        audit_id: text(1)?,
        draft,
        prev_hash: text(18)?,
        hash: text(19)?,
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
