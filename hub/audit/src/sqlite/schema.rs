//! SQLite connection settings and the versioned schema.
//!
//! Every connection runs in WAL mode with `synchronous=FULL`, so a committed append survives a
//! power cut, and waits up to [`BUSY_TIMEOUT`] for a lock instead of failing at once.
//!
//! The schema version lives in `PRAGMA user_version`. [`MIGRATIONS`] is an append-only list:
//! migration *i* moves a database from version *i* to *i + 1*, inside one transaction. To
//! extend the schema, add an entry; never edit a released one.

use crate::AuditError;
use rusqlite::{Connection, TransactionBehavior};
use std::time::Duration;

/// How long a connection waits for a database lock before giving up.
pub const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// The schema migrations, oldest first; the database version is how many have run.
pub const MIGRATIONS: &[&str] = &[V1, V2, V3, V4, V5];

const V1: &str = "
CREATE TABLE access_record (
    sequence        INTEGER PRIMARY KEY CHECK (sequence > 0),
    audit_id        TEXT NOT NULL UNIQUE,
    time_ms         INTEGER NOT NULL,
    account         TEXT NOT NULL,
    role            TEXT NOT NULL,
    department      TEXT NOT NULL,
    channel         TEXT NOT NULL,
    client_address  TEXT NOT NULL,
    operation       TEXT NOT NULL,
    action          TEXT NOT NULL,
    subject_hmac    TEXT,
    subject_masked  TEXT,
    sources         TEXT NOT NULL,  -- JSON array of strings
    clear_fields    TEXT NOT NULL,  -- JSON array of strings
    purpose_code    TEXT NOT NULL,
    purpose_note    TEXT NOT NULL,
    outcome         TEXT NOT NULL,
    trace_id        TEXT NOT NULL,
    prev_hash       TEXT NOT NULL,
    hash            TEXT NOT NULL,
    CHECK ((subject_hmac IS NULL) = (subject_masked IS NULL))
) STRICT;
CREATE INDEX access_record_time ON access_record (time_ms);
CREATE INDEX access_record_account ON access_record (account, sequence);
CREATE INDEX access_record_subject ON access_record (subject_hmac, sequence)
    WHERE subject_hmac IS NOT NULL;
-- Append-only: the application never changes or removes a record. (This stops mistakes, not
-- an attacker with the file; the hash chain is what detects those.)
CREATE TRIGGER access_record_no_update BEFORE UPDATE ON access_record
    BEGIN SELECT RAISE(ABORT, 'access records are append-only'); END;
CREATE TRIGGER access_record_no_delete BEFORE DELETE ON access_record
    BEGIN SELECT RAISE(ABORT, 'access records are append-only'); END;
";

/// Version 2: signed checkpoints, and no two records with the same predecessor (no fork, even
/// if a writer bypassed the head check).
const V2: &str = "
CREATE UNIQUE INDEX access_record_prev_hash ON access_record (prev_hash);
CREATE TABLE audit_checkpoint (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    sequence    INTEGER NOT NULL CHECK (sequence > 0),
    head_hash   TEXT NOT NULL,
    time_ms     INTEGER NOT NULL,
    key_id      TEXT NOT NULL,
    signature   TEXT NOT NULL
) STRICT;
CREATE INDEX audit_checkpoint_sequence ON audit_checkpoint (sequence);
CREATE TRIGGER audit_checkpoint_no_update BEFORE UPDATE ON audit_checkpoint
    BEGIN SELECT RAISE(ABORT, 'checkpoints are append-only'); END;
CREATE TRIGGER audit_checkpoint_no_delete BEFORE DELETE ON audit_checkpoint
    BEGIN SELECT RAISE(ABORT, 'checkpoints are append-only'); END;
";

/// Version 3: the database itself checks that every inserted record links to its predecessor
/// (record 1 to the genesis hash). With `sequence` the primary key, that forbids a fork and a
/// gap even past the store's head check, which the unique `prev_hash` index of version 2 only
/// did for forks. That index is dropped: its keys are random, so every record dirtied a random
/// page and each 64-record commit wrote ~64 extra pages to the WAL, while the link check
/// reads the predecessor by primary key, a page the commit touches anyway.
const V3: &str = "
DROP INDEX access_record_prev_hash;
CREATE TRIGGER access_record_links BEFORE INSERT ON access_record
    WHEN NEW.prev_hash IS NOT (CASE WHEN NEW.sequence = 1
        THEN '0000000000000000000000000000000000000000000000000000000000000000'
        ELSE (SELECT hash FROM access_record WHERE sequence = NEW.sequence - 1) END)
    BEGIN SELECT RAISE(ABORT, 'access record does not continue the chain'); END;
";

/// Version 4: a record names every data subject it is about, each in its own row of
/// `access_subject` (kind, HMAC, masked form; `ordinal` keeps their order), found by any of
/// them through the `hmac` index. The one subject of an older record moves there with an empty
/// kind (it had none; see `chain.rs`, format v1). `subject_hmac`/`subject_masked` of
/// `access_record` stay for the rows written before (SQLite cannot drop a column a CHECK names)
/// and are NULL in every record written since; their index is replaced by the new one.
const V4: &str = "
DROP INDEX access_record_subject;
CREATE TABLE access_subject (
    sequence    INTEGER NOT NULL,
    ordinal     INTEGER NOT NULL CHECK (ordinal >= 0),
    kind        TEXT NOT NULL,
    hmac        TEXT NOT NULL,
    masked      TEXT NOT NULL,
    PRIMARY KEY (sequence, ordinal)
) STRICT, WITHOUT ROWID;
CREATE INDEX access_subject_hmac ON access_subject (hmac, sequence);
INSERT INTO access_subject (sequence, ordinal, kind, hmac, masked)
    SELECT sequence, 0, '', subject_hmac, subject_masked FROM access_record
    WHERE subject_hmac IS NOT NULL;
CREATE TRIGGER access_subject_of_a_record BEFORE INSERT ON access_subject
    WHEN NOT EXISTS (SELECT 1 FROM access_record WHERE sequence = NEW.sequence)
    BEGIN SELECT RAISE(ABORT, 'subject of an access record that does not exist'); END;
CREATE TRIGGER access_subject_no_update BEFORE UPDATE ON access_subject
    BEGIN SELECT RAISE(ABORT, 'access records are append-only'); END;
CREATE TRIGGER access_subject_no_delete BEFORE DELETE ON access_subject
    BEGIN SELECT RAISE(ABORT, 'access records are append-only'); END;
";

/// Version 5: the two insert checks refuse with `RAISE(ROLLBACK)` instead of `RAISE(ABORT)`,
/// which they refuse exactly as before, but ending the whole transaction rather than the one
/// statement. An append is all or nothing anyway, and a statement that can only abort its
/// transaction needs no statement journal: with `ABORT`, SQLite copied every page an INSERT
/// touched that the transaction had already changed into an in-memory journal before each
/// record and each subject row (≈ 13% of the SQLite work of an append, `append_cost` bench).
/// The store's own inserts say `INSERT OR ROLLBACK` for the same reason (their UNIQUE, CHECK
/// and primary-key checks would otherwise abort statements, too).
const V5: &str = "
DROP TRIGGER access_record_links;
CREATE TRIGGER access_record_links BEFORE INSERT ON access_record
    WHEN NEW.prev_hash IS NOT (CASE WHEN NEW.sequence = 1
        THEN '0000000000000000000000000000000000000000000000000000000000000000'
        ELSE (SELECT hash FROM access_record WHERE sequence = NEW.sequence - 1) END)
    BEGIN SELECT RAISE(ROLLBACK, 'access record does not continue the chain'); END;
DROP TRIGGER access_subject_of_a_record;
CREATE TRIGGER access_subject_of_a_record BEFORE INSERT ON access_subject
    WHEN NOT EXISTS (SELECT 1 FROM access_record WHERE sequence = NEW.sequence)
    BEGIN SELECT RAISE(ROLLBACK, 'subject of an access record that does not exist'); END;
";

/// Maps a SQLite error to [`AuditError::Unavailable`]. SQLite messages name tables, columns
/// and constraints, never bound values, so no personal data gets through.
pub fn db_error(e: rusqlite::Error) -> AuditError {
    AuditError::Unavailable(format!("sqlite: {e}"))
}

/// Applies the durability settings to one connection and checks they took effect.
pub fn configure(conn: &Connection) -> Result<(), AuditError> {
    conn.busy_timeout(BUSY_TIMEOUT).map_err(db_error)?;
    let mode: String = conn
        .pragma_update_and_check(None, "journal_mode", "WAL", |row| row.get(0))
        .map_err(db_error)?;
    if !mode.eq_ignore_ascii_case("wal") {
        return Err(AuditError::Unavailable(format!(
            "sqlite: journal_mode is {mode}, WAL required (in-memory databases are not supported)"
        )));
    }
    conn.pragma_update(None, "synchronous", "FULL")
        .map_err(db_error)?;
    Ok(())
}

/// Brings the schema up to the newest version, in one transaction.
pub fn migrate(conn: &mut Connection) -> Result<(), AuditError> {
    let tx = conn
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .map_err(db_error)?;
    let version: i64 = tx
        .pragma_query_value(None, "user_version", |row| row.get(0))
        .map_err(db_error)?;
    let known = MIGRATIONS.len() as i64;
    if !(0..=known).contains(&version) {
        return Err(AuditError::Unavailable(format!(
            "sqlite: schema version {version} is not supported by this build (newest {known})"
        )));
    }
    for (index, sql) in MIGRATIONS.iter().enumerate().skip(version as usize) {
        tx.execute_batch(sql).map_err(db_error)?;
        tx.pragma_update(None, "user_version", index as i64 + 1)
            .map_err(db_error)?;
    }
    tx.commit().map_err(db_error)
}
