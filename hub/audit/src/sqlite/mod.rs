//! The embedded default store: one SQLite file, pooled with deadpool.
//!
//! Durability: WAL + `synchronous=FULL` on every connection, each append one `BEGIN
//! IMMEDIATE … COMMIT` transaction (so a batch is one fsync'd commit), `sequence` the primary
//! key, and the head check inside that transaction, so two writers cannot fork the chain; a
//! trigger also refuses any record that does not link to its predecessor (schema version 3).
//! Signed checkpoints live in `audit_checkpoint` (schema version 2). Every data subject of a
//! record is a row of `access_subject`, indexed by HMAC (schema version 4).
//!
//! The [`crate::AuditLog`] writer appends through the `appender` module: a connection of its
//! own on the writer's own thread, whose WAL checkpoints run on a thread of their own (the `wal`
//! module) so no commit waits for one. The pool serves everything else (queries, head reads,
//! checkpoints, and [`AuditStore::append`] for any other caller).

mod appender;
mod rows;
mod schema;
mod wal;

pub use schema::{BUSY_TIMEOUT, MIGRATIONS};

use crate::store::{check_continues, check_sealed_continue};
use crate::{AccessRecord, AuditError, AuditStore, BlockingAppender, Checkpoint, RecordFilter};
use async_trait::async_trait;
use deadpool_sqlite::{Config, Hook, HookError, Pool, Runtime};
use rusqlite::types::Value;
use rusqlite::{Connection, OptionalExtension, TransactionBehavior};
use schema::db_error;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Connections in the pool: one writer at a time, the rest serve queries.
const POOL_SIZE: usize = 8;
/// How long a caller waits for a free pooled connection.
const POOL_WAIT: Duration = Duration::from_secs(5);

/// An [`AuditStore`] in a SQLite database file.
#[derive(Clone)]
pub struct SqliteStore {
    pool: Pool,
    /// The database file, for the writer's own connection.
    path: PathBuf,
}

impl std::fmt::Debug for SqliteStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqliteStore").finish_non_exhaustive()
    }
}

impl SqliteStore {
    /// Opens (creating if needed) the database at `path`, applies the durability settings and
    /// brings the schema to the newest version. Blocks briefly: call it at startup.
    pub fn open(path: &Path) -> Result<Self, AuditError> {
        let mut conn = Connection::open(path).map_err(db_error)?;
        schema::configure(&conn)?;
        schema::migrate(&mut conn)?;
        drop(conn);

        let pool = Config::new(path)
            .builder(Runtime::Tokio1)
            .map_err(|e| AuditError::Unavailable(format!("sqlite pool: {e}")))?
            .max_size(POOL_SIZE)
            .wait_timeout(Some(POOL_WAIT))
            .create_timeout(Some(POOL_WAIT))
            .recycle_timeout(Some(POOL_WAIT))
            .post_create(Hook::async_fn(|conn, _| {
                Box::pin(async move {
                    conn.interact(|c| schema::configure(c))
                        .await
                        .map_err(|e| HookError::message(format!("sqlite setup: {e}")))?
                        .map_err(|e| HookError::message(e.to_string()))
                })
            }))
            .build()
            .map_err(|e| AuditError::Unavailable(format!("sqlite pool: {e}")))?;
        Ok(SqliteStore {
            pool,
            path: path.to_path_buf(),
        })
    }

    /// Runs `f` on a pooled connection on the blocking thread pool.
    async fn with_conn<T, F>(&self, f: F) -> Result<T, AuditError>
    where
        F: FnOnce(&mut Connection) -> Result<T, AuditError> + Send + 'static,
        T: Send + 'static,
    {
        let conn = self
            .pool
            .get()
            .await
            .map_err(|e| AuditError::Unavailable(format!("sqlite pool: {e}")))?;
        conn.interact(f)
            .await
            .map_err(|e| AuditError::Unavailable(format!("sqlite worker: {e}")))?
    }
}

fn read_head(conn: &Connection) -> Result<Option<(u64, String)>, AuditError> {
    // Cached: read inside every append, so parsing it each time was measurable.
    let row: Option<(i64, String)> = conn
        .prepare_cached("SELECT sequence, hash FROM access_record ORDER BY sequence DESC LIMIT 1")
        .and_then(|mut stmt| {
            stmt.query_row([], |row| Ok((row.get(0)?, row.get(1)?)))
                .optional()
        })
        .map_err(db_error)?;
    row.map(|(seq, hash)| {
        u64::try_from(seq)
            .map(|seq| (seq, hash))
            .map_err(|_| AuditError::corrupt(0, "negative sequence"))
    })
    .transpose()
}

/// How an append checks its batch: every hash recomputed ([`check_continues`], for any
/// caller of [`AuditStore::append`]) or only the links of a batch the audit writer sealed
/// itself ([`check_sealed_continue`], its [`BlockingAppender`]).
type BatchCheck = fn(Option<&(u64, String)>, &[AccessRecord]) -> Result<(), AuditError>;

/// One append transaction on `conn`: the head check inside `BEGIN IMMEDIATE`, the inserts,
/// the commit (one WAL sync). `BEGIN` and `COMMIT` are cached statements like the inserts:
/// parsed for every batch they cost as much as a small batch's inserts. On any error the
/// transaction is rolled back (if a trigger's `RAISE(ROLLBACK)` has not already done so).
fn append_on(
    conn: &mut Connection,
    records: &[AccessRecord],
    check: BatchCheck,
) -> Result<(), AuditError> {
    conn.prepare_cached("BEGIN IMMEDIATE")
        .and_then(|mut begin| begin.execute([]))
        .map_err(db_error)?;
    let written = (|| {
        let head = read_head(conn)?;
        check(head.as_ref(), records)?;
        rows::insert(conn, records)?;
        conn.prepare_cached("COMMIT")
            .and_then(|mut commit| commit.execute([]))
            .map_err(db_error)
    })();
    if written.is_err() && !conn.is_autocommit() {
        // Best effort: the error above is what the caller needs; a failed rollback leaves
        // the transaction to end when the connection does.
        let _ = conn.execute_batch("ROLLBACK");
    }
    written.map(drop)
}

#[async_trait]
impl AuditStore for SqliteStore {
    async fn append(&self, records: &[AccessRecord]) -> Result<(), AuditError> {
        if records.is_empty() {
            return Ok(());
        }
        let records = records.to_vec();
        self.with_conn(move |conn| append_on(conn, &records, check_continues))
            .await
    }

    fn blocking_appender(&self) -> Option<Box<dyn BlockingAppender>> {
        Some(Box::new(appender::SqliteAppender::new(self.path.clone())))
    }

    async fn head(&self) -> Result<Option<(u64, String)>, AuditError> {
        self.with_conn(|conn| read_head(conn)).await
    }

    async fn query(&self, filter: &RecordFilter) -> Result<Vec<AccessRecord>, AuditError> {
        let Ok(after) = i64::try_from(filter.after_sequence) else {
            return Ok(Vec::new());
        };
        // A page of records (filtered, ordered, limited), then joined with its subjects.
        let mut sql = String::from("SELECT * FROM access_record WHERE sequence > ?");
        let mut args: Vec<Value> = vec![Value::Integer(after)];
        let mut cond = |clause: &str, value: Value| {
            sql.push_str(" AND ");
            sql.push_str(clause);
            args.push(value);
        };
        if let Some(from) = filter.from {
            cond("time_ms >= ?", Value::Integer(from.timestamp_millis()));
        }
        if let Some(to) = filter.to {
            cond("time_ms < ?", Value::Integer(to.timestamp_millis()));
        }
        if let Some(account) = &filter.account {
            cond("account = ?", Value::Text(account.clone()));
        }
        for hmac in &filter.subject_hmacs {
            cond(
                "sequence IN (SELECT sequence FROM access_subject WHERE hmac = ?)",
                Value::Text(hmac.clone()),
            );
        }
        if let Some(purpose) = &filter.purpose_code {
            cond("purpose_code = ?", Value::Text(purpose.clone()));
        }
        if let Some(outcome) = filter.outcome {
            cond("outcome = ?", Value::Text(outcome.as_str().to_string()));
        }
        for (column, value) in filter.column_conditions() {
            cond(&format!("{column} = ?"), Value::Text(value));
        }
        if let Some(source) = &filter.source {
            // `sources` is a JSON array of strings.
            cond(
                "EXISTS (SELECT 1 FROM json_each(access_record.sources) WHERE value = ?)",
                Value::Text(source.clone()),
            );
        }
        sql.push_str(" ORDER BY sequence LIMIT ?");
        args.push(Value::Integer(
            i64::try_from(filter.limit).unwrap_or(i64::MAX),
        ));
        let sql = format!(
            "SELECT {} FROM ({sql}) AS r LEFT JOIN access_subject AS s \
             ON s.sequence = r.sequence ORDER BY r.sequence, s.ordinal",
            rows::columns()
        );

        self.with_conn(move |conn| {
            let mut stmt = conn.prepare_cached(&sql).map_err(db_error)?;
            let mut rows = stmt
                .query(rusqlite::params_from_iter(args))
                .map_err(db_error)?;
            let mut out = Vec::new();
            while let Some(row) = rows.next().map_err(db_error)? {
                rows::push_row(&mut out, row)?;
            }
            Ok(out)
        })
        .await
    }

    async fn ping(&self) -> Result<(), AuditError> {
        self.with_conn(|conn| {
            conn.query_row("SELECT 1", [], |row| row.get::<_, i64>(0))
                .map(drop)
                .map_err(db_error)
        })
        .await
    }

    async fn append_checkpoint(&self, checkpoint: &Checkpoint) -> Result<(), AuditError> {
        let checkpoint = checkpoint.clone();
        self.with_conn(move |conn| {
            let tx = conn
                .transaction_with_behavior(TransactionBehavior::Immediate)
                .map_err(db_error)?;
            if !rows::insert_checkpoint(&tx, &checkpoint)? {
                return Err(AuditError::Conflict {
                    sequence: checkpoint.sequence,
                    reason: "checkpoint does not match a stored record".to_string(),
                });
            }
            tx.commit().map_err(db_error)
        })
        .await
    }

    async fn checkpoints(&self, from_sequence: u64) -> Result<Vec<Checkpoint>, AuditError> {
        let Ok(from) = i64::try_from(from_sequence) else {
            return Ok(Vec::new());
        };
        self.with_conn(move |conn| {
            let sql = format!(
                "SELECT {} FROM audit_checkpoint WHERE sequence >= ?1 ORDER BY sequence, id",
                rows::CHECKPOINT_COLUMNS
            );
            let mut stmt = conn.prepare_cached(&sql).map_err(db_error)?;
            let mut rows = stmt.query([from]).map_err(db_error)?;
            let mut out = Vec::new();
            while let Some(row) = rows.next().map_err(db_error)? {
                out.push(rows::checkpoint_from_row(row)?);
            }
            Ok(out)
        })
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn every_pooled_connection_is_wal_and_synchronous_full() {
        let dir = tempfile::tempdir().unwrap();
        let store = SqliteStore::open(&dir.path().join("audit.db")).unwrap();
        // Hold several connections at once so the pool must create distinct ones.
        let mut held = Vec::new();
        for _ in 0..3 {
            held.push(store.pool.get().await.unwrap());
        }
        for conn in &held {
            let (mode, sync, version, busy) = conn
                .interact(|c| {
                    let mode: String = c.pragma_query_value(None, "journal_mode", |r| r.get(0))?;
                    let sync: i64 = c.pragma_query_value(None, "synchronous", |r| r.get(0))?;
                    let version: i64 = c.pragma_query_value(None, "user_version", |r| r.get(0))?;
                    let busy: i64 = c.pragma_query_value(None, "busy_timeout", |r| r.get(0))?;
                    Ok::<_, rusqlite::Error>((mode, sync, version, busy))
                })
                .await
                .unwrap()
                .unwrap();
            assert_eq!(mode, "wal");
            assert_eq!(sync, 2, "2 = FULL");
            assert_eq!(version, MIGRATIONS.len() as i64);
            assert_eq!(busy, BUSY_TIMEOUT.as_millis() as i64);
        }
    }

    #[tokio::test]
    async fn reopening_keeps_the_schema_version() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("audit.db");
        drop(SqliteStore::open(&path).unwrap());
        let store = SqliteStore::open(&path).unwrap();
        store.ping().await.unwrap();
        assert_eq!(store.head().await.unwrap(), None);
    }

    #[tokio::test]
    async fn a_newer_schema_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("audit.db");
        drop(SqliteStore::open(&path).unwrap());
        Connection::open(&path)
            .unwrap()
            .pragma_update(None, "user_version", 99)
            .unwrap();
        let err = SqliteStore::open(&path).unwrap_err();
        assert!(matches!(err, AuditError::Unavailable(_)), "{err:?}");
    }

    /// A batch refused half-way (here by the audit id's UNIQUE constraint, which the
    /// appender does not check beforehand) rolls back as a whole — `INSERT OR ROLLBACK` ends
    /// the transaction, not just the statement — and the connection appends again after it.
    #[tokio::test]
    async fn a_batch_refused_half_way_leaves_nothing_and_the_appender_goes_on() {
        let dir = tempfile::tempdir().unwrap();
        let store = SqliteStore::open(&dir.path().join("audit.db")).unwrap();
        let mut appender = store.blocking_appender().unwrap();
        let good = crate::test_support::chain_of(3);
        let mut bad = good.clone();
        bad[2].audit_id = bad[0].audit_id.clone();
        let err = appender.append(&bad).unwrap_err();
        assert!(matches!(err, AuditError::Unavailable(_)), "{err:?}");
        assert_eq!(
            store.head().await.unwrap(),
            None,
            "nothing of the batch stays"
        );
        appender.append(&good).unwrap();
        assert_eq!(store.head().await.unwrap(), Some((3, good[2].hash.clone())));
        let all = store.query(&RecordFilter::default()).await.unwrap();
        assert_eq!(all, good);
    }

    #[tokio::test]
    async fn records_cannot_be_updated_or_deleted_through_sql() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("audit.db");
        let store = SqliteStore::open(&path).unwrap();
        store
            .append(&crate::test_support::chain_of(2))
            .await
            .unwrap();
        let conn = Connection::open(&path).unwrap();
        assert!(
            conn.execute("UPDATE access_record SET account = 'x'", [])
                .is_err()
        );
        assert!(conn.execute("DELETE FROM access_record", []).is_err());
    }
}
