//! PostgreSQL session settings, error mapping and the versioned schema.
//!
//! Every pooled connection starts with `synchronous_commit=on` (a commit returns only once
//! its WAL is flushed), bounded `lock_timeout` and `statement_timeout`, and, when the store
//! was opened on a schema, `search_path` set to it. They are passed as startup options, so a
//! connection the pool re-creates after an outage has them too.
//!
//! The schema version lives in the table `audit_schema_migration` (one row per applied
//! version). [`MIGRATIONS`] is append-only: migration *i* moves the schema from version *i* to
//! *i + 1*. Migrating takes a transaction-scoped advisory lock, so replicas starting together
//! migrate once.

use crate::AuditError;
use std::time::Duration;

/// How long a statement waits for a lock (row, table or the append advisory lock).
pub const LOCK_TIMEOUT: Duration = Duration::from_secs(10);
/// Longest a single statement may run.
pub const STATEMENT_TIMEOUT: Duration = Duration::from_secs(30);

/// The schema migrations, oldest first; the schema version is how many have run.
pub const MIGRATIONS: &[&str] = &[V1, V2, V3, V4, V5];

const V1: &str = "
CREATE TABLE access_record (
    sequence        BIGINT PRIMARY KEY CHECK (sequence > 0),
    audit_id        TEXT NOT NULL UNIQUE,
    time_ms         BIGINT NOT NULL,
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
    -- No two records share a predecessor: the chain cannot fork, even past the head check.
    CONSTRAINT access_record_prev_hash_key UNIQUE (prev_hash),
    CONSTRAINT access_record_hash_key UNIQUE (hash),
    CHECK ((subject_hmac IS NULL) = (subject_masked IS NULL))
);
CREATE INDEX access_record_time ON access_record (time_ms);
CREATE INDEX access_record_account ON access_record (account, sequence);
CREATE INDEX access_record_subject ON access_record (subject_hmac, sequence)
    WHERE subject_hmac IS NOT NULL;
-- Append-only: stops mistakes, not an attacker with DDL rights; the chain and the signed
-- checkpoints are what detect those.
CREATE FUNCTION audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit tables are append-only';
END
$$;
CREATE TRIGGER access_record_no_change BEFORE UPDATE OR DELETE ON access_record
    FOR EACH ROW EXECUTE FUNCTION audit_append_only();
CREATE TRIGGER access_record_no_truncate BEFORE TRUNCATE ON access_record
    FOR EACH STATEMENT EXECUTE FUNCTION audit_append_only();
";

const V2: &str = "
CREATE TABLE audit_checkpoint (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    sequence    BIGINT NOT NULL CHECK (sequence > 0),
    head_hash   TEXT NOT NULL,
    time_ms     BIGINT NOT NULL,
    key_id      TEXT NOT NULL,
    signature   TEXT NOT NULL
);
CREATE INDEX audit_checkpoint_sequence ON audit_checkpoint (sequence);
CREATE TRIGGER audit_checkpoint_no_change BEFORE UPDATE OR DELETE ON audit_checkpoint
    FOR EACH ROW EXECUTE FUNCTION audit_append_only();
CREATE TRIGGER audit_checkpoint_no_truncate BEFORE TRUNCATE ON audit_checkpoint
    FOR EACH STATEMENT EXECUTE FUNCTION audit_append_only();
";

/// Version 3: the database itself checks that every inserted record links to its predecessor
/// (record 1 to the genesis hash). With `sequence` the primary key, that forbids a fork and a
/// gap even past the store's head check, which the unique `prev_hash` constraint of version 1
/// only did for forks. The unique constraints on `prev_hash` and `hash` are dropped: their keys
/// are random, so every record dirtied a random index page, while the link check reads the
/// predecessor by primary key. The trigger runs AFTER the row (at the end of the batch's one
/// statement), so it sees the batch's earlier rows whatever order they were inserted in.
const V3: &str = "
ALTER TABLE access_record
    DROP CONSTRAINT access_record_prev_hash_key,
    DROP CONSTRAINT access_record_hash_key;
CREATE FUNCTION audit_check_link() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.prev_hash IS DISTINCT FROM (CASE WHEN NEW.sequence = 1 THEN repeat('0', 64)
        ELSE (SELECT hash FROM access_record WHERE sequence = NEW.sequence - 1) END) THEN
        RAISE EXCEPTION 'access record does not continue the chain';
    END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER access_record_links AFTER INSERT ON access_record
    FOR EACH ROW EXECUTE FUNCTION audit_check_link();
";

/// Version 4: a record names every data subject it is about, each in its own row of
/// `access_subject` (kind, HMAC, masked form; `ordinal` keeps their order), found by any of
/// them through the `hmac` index. The one subject of an older record moves there with an empty
/// kind (it had none; see `chain.rs`, format v1). `subject_hmac`/`subject_masked` of
/// `access_record` stay for the rows written before, as in the SQLite store, and are NULL in
/// every record written since; their index is replaced by the new one. A trigger (not a
/// foreign key, so both stores behave alike) refuses a subject of a record that does not exist.
const V4: &str = "
DROP INDEX access_record_subject;
CREATE TABLE access_subject (
    sequence    BIGINT NOT NULL,
    ordinal     INTEGER NOT NULL CHECK (ordinal >= 0),
    kind        TEXT NOT NULL,
    hmac        TEXT NOT NULL,
    masked      TEXT NOT NULL,
    PRIMARY KEY (sequence, ordinal)
);
CREATE INDEX access_subject_hmac ON access_subject (hmac, sequence);
INSERT INTO access_subject (sequence, ordinal, kind, hmac, masked)
    SELECT sequence, 0, '', subject_hmac, subject_masked FROM access_record
    WHERE subject_hmac IS NOT NULL;
CREATE FUNCTION audit_subject_of_a_record() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM access_record WHERE sequence = NEW.sequence) THEN
        RAISE EXCEPTION 'subject of an access record that does not exist';
    END IF;
    RETURN NEW;
END
$$;
CREATE TRIGGER access_subject_of_a_record BEFORE INSERT ON access_subject
    FOR EACH ROW EXECUTE FUNCTION audit_subject_of_a_record();
CREATE TRIGGER access_subject_no_change BEFORE UPDATE OR DELETE ON access_subject
    FOR EACH ROW EXECUTE FUNCTION audit_append_only();
CREATE TRIGGER access_subject_no_truncate BEFORE TRUNCATE ON access_subject
    FOR EACH STATEMENT EXECUTE FUNCTION audit_append_only();
";

/// Version 5: the two insert checks of versions 3 and 4 run once per statement over its new
/// rows (a transition table) instead of once per row. A batch is one INSERT of its records and
/// one of their subjects, so a batch of 64 ran 64 + 64 PL/pgSQL calls, each with its own
/// query; now it runs two set-based queries. What they refuse is unchanged: a record whose
/// `prev_hash` is not its predecessor's hash (record 1: the genesis hash), a subject of a
/// record that does not exist — both still inside the inserting statement, so nothing of a
/// refused batch is written.
const V5: &str = "
DROP TRIGGER access_record_links ON access_record;
DROP FUNCTION audit_check_link();
CREATE FUNCTION audit_check_links() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM audit_new_records n
               LEFT JOIN access_record p ON p.sequence = n.sequence - 1
               WHERE n.prev_hash IS DISTINCT FROM
                   (CASE WHEN n.sequence = 1 THEN repeat('0', 64) ELSE p.hash END)) THEN
        RAISE EXCEPTION 'access record does not continue the chain';
    END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER access_record_links AFTER INSERT ON access_record
    REFERENCING NEW TABLE AS audit_new_records
    FOR EACH STATEMENT EXECUTE FUNCTION audit_check_links();
DROP TRIGGER access_subject_of_a_record ON access_subject;
DROP FUNCTION audit_subject_of_a_record();
CREATE FUNCTION audit_subjects_of_records() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM audit_new_subjects n
               WHERE NOT EXISTS (SELECT 1 FROM access_record r WHERE r.sequence = n.sequence)) THEN
        RAISE EXCEPTION 'subject of an access record that does not exist';
    END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER access_subject_of_a_record AFTER INSERT ON access_subject
    REFERENCING NEW TABLE AS audit_new_subjects
    FOR EACH STATEMENT EXECUTE FUNCTION audit_subjects_of_records();
";

/// Maps a PostgreSQL error to [`AuditError::Unavailable`].
///
/// Only the SQLSTATE, the constraint name and the primary message are kept: PostgreSQL's
/// DETAIL line can quote a whole failing row ("Failing row contains (…)"), which would put
/// personal data into logs.
pub fn pg_error(e: tokio_postgres::Error) -> AuditError {
    match e.as_db_error() {
        Some(db) => {
            let constraint = db
                .constraint()
                .map(|c| format!(" [{c}]"))
                .unwrap_or_default();
            AuditError::Unavailable(format!(
                "postgres {}{constraint}: {}",
                db.code().code(),
                db.message()
            ))
        }
        None => AuditError::Unavailable(format!("postgres: {e}")),
    }
}

/// Maps a pool error (no connection within the wait or connect timeout, server down, ...).
pub fn pool_error(e: deadpool_postgres::PoolError) -> AuditError {
    match e {
        deadpool_postgres::PoolError::Backend(e) => pg_error(e),
        other => AuditError::Unavailable(format!("postgres pool: {other}")),
    }
}

/// Checks that `schema` is a plain lower-case identifier (`[a-z_][a-z0-9_]*`, at most 63
/// bytes), so it can be used in `search_path` and DDL without quoting issues.
pub fn check_schema_name(schema: &str) -> Result<(), AuditError> {
    let mut chars = schema.chars();
    let first_ok = chars
        .next()
        .is_some_and(|c| c.is_ascii_lowercase() || c == '_');
    let rest_ok = chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
    if first_ok && rest_ok && schema.len() <= 63 {
        Ok(())
    } else {
        Err(AuditError::Unavailable(
            "postgres: schema name must match [a-z_][a-z0-9_]* (at most 63 bytes)".to_string(),
        ))
    }
}

/// The startup options every connection gets (see the module docs).
pub fn session_options(existing: Option<&str>, schema: Option<&str>) -> String {
    let mut options = existing.map(str::to_string).unwrap_or_default();
    let mut add = |setting: String| {
        if !options.is_empty() {
            options.push(' ');
        }
        options.push_str("-c ");
        options.push_str(&setting);
    };
    add("synchronous_commit=on".to_string());
    add(format!("lock_timeout={}", LOCK_TIMEOUT.as_millis()));
    add(format!(
        "statement_timeout={}",
        STATEMENT_TIMEOUT.as_millis()
    ));
    add("idle_in_transaction_session_timeout=60000".to_string());
    if let Some(schema) = schema {
        add(format!("search_path={schema}"));
    }
    options
}

/// Brings the schema to the newest version in one transaction (creating `schema` first if
/// given), under an advisory lock so concurrent starters migrate once.
pub async fn migrate(
    client: &mut tokio_postgres::Client,
    schema: Option<&str>,
    lock_key: i64,
) -> Result<(), AuditError> {
    let tx = client.transaction().await.map_err(pg_error)?;
    let migrated = migrate_in(&tx, schema, lock_key).await;
    match migrated {
        Ok(()) => tx.commit().await.map_err(pg_error),
        Err(error) => {
            // Roll back now, so no half-migrated transaction keeps its locks.
            let _ = tx.rollback().await;
            Err(error)
        }
    }
}

async fn migrate_in(
    tx: &tokio_postgres::Transaction<'_>,
    schema: Option<&str>,
    lock_key: i64,
) -> Result<(), AuditError> {
    tx.batch_execute(&format!("SELECT pg_advisory_xact_lock({lock_key})"))
        .await
        .map_err(pg_error)?;
    if let Some(schema) = schema {
        tx.batch_execute(&format!("CREATE SCHEMA IF NOT EXISTS {schema}"))
            .await
            .map_err(pg_error)?;
    }
    tx.batch_execute(
        "CREATE TABLE IF NOT EXISTS audit_schema_migration (
            version     INTEGER PRIMARY KEY,
            applied_at  TIMESTAMPTZ NOT NULL DEFAULT now()
        )",
    )
    .await
    .map_err(pg_error)?;
    let version: i32 = tx
        .query_one(
            "SELECT COALESCE(MAX(version), 0) FROM audit_schema_migration",
            &[],
        )
        .await
        .map_err(pg_error)?
        .get(0);
    let known = MIGRATIONS.len() as i32;
    if !(0..=known).contains(&version) {
        return Err(AuditError::Unavailable(format!(
            "postgres: schema version {version} is not supported by this build (newest {known})"
        )));
    }
    for (index, sql) in MIGRATIONS.iter().enumerate().skip(version as usize) {
        tx.batch_execute(sql).await.map_err(pg_error)?;
        tx.execute(
            "INSERT INTO audit_schema_migration (version) VALUES ($1)",
            &[&(index as i32 + 1)],
        )
        .await
        .map_err(pg_error)?;
    }
    Ok(())
}
