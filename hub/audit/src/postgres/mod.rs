//! The production store: PostgreSQL, pooled with deadpool-postgres, shared by hub replicas.
//!
//! # One chain from many replicas
//!
//! Every append is ONE transaction, sent in one pipelined round trip, that first takes a
//! transaction-scoped advisory lock (`pg_advisory_xact_lock`), then reads the head, inserts
//! the whole batch in one statement (its subjects in a second) and commits; a batch that does
//! not continue the head is refused by the database itself (below) and reported as a
//! conflict when the head read shows it moved ([`check_continues`]). The lock
//! serializes appends across every process sharing the database, so two replicas produce one
//! chain; a replica whose head is stale gets [`AuditError::Conflict`] and its writer re-chains
//! on the fresh head. As defence in depth, `sequence` is the primary key and a trigger refuses
//! any record whose `prev_hash` is not its predecessor's hash (schema version 3), so even a
//! writer that skipped the head check could neither fork nor break the chain. Every data
//! subject of a record is a row of `access_subject`, indexed by HMAC (schema version 4).
//!
//! # Durability and failure
//!
//! `synchronous_commit=on` is a startup option of every connection and is set again inside
//! each append transaction; a commit returns only after its WAL is flushed. Connects are
//! bounded ([`CONNECT_TIMEOUT`]), as are pool waits, lock waits and statements, so a broken
//! server yields [`AuditError::Unavailable`] quickly; the pool re-creates connections on the
//! next call, so the store recovers by itself when the server is back.
//!
//! # TLS
//!
//! The URL's `sslmode` is honoured with rustls ([`tls`]): `disable`, `prefer` (the default:
//! TLS, else plaintext), `require`/`verify-ca`/`verify-full` (TLS with the server's
//! certificate and host name verified against the webpki roots plus an optional CA bundle).
//!
//! # Schema
//!
//! Created or migrated on first contact ([`schema::MIGRATIONS`], versioned in
//! `audit_schema_migration`). [`PostgresStore::connect_with_schema`] keeps every table in a
//! schema of its own (used by tests to run in parallel on one database).

mod rows;
mod schema;
pub mod tls;

pub use schema::{LOCK_TIMEOUT, MIGRATIONS, STATEMENT_TIMEOUT};

use crate::store::check_continues;
use crate::{AccessRecord, AuditError, AuditStore, Checkpoint, RecordFilter};
use async_trait::async_trait;
use deadpool_postgres::{Manager, ManagerConfig, Pool, RecyclingMethod, Runtime};
use schema::{pg_error, pool_error};
use sha2::{Digest, Sha256};
use std::sync::{Arc, LazyLock};
use std::time::Duration;
use tokio::sync::OnceCell;
use tokio_postgres::types::ToSql;

/// Longest wait for a TCP connection and the PostgreSQL handshake.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(3);
/// Longest wait for a free pooled connection.
const POOL_WAIT: Duration = Duration::from_secs(5);

/// An [`AuditStore`] in a PostgreSQL database. Cheap to clone (a handle on a shared pool).
#[derive(Clone)]
pub struct PostgresStore {
    pool: Pool,
    schema: Option<String>,
    append_lock: i64,
    migrate_lock: i64,
    ready: Arc<OnceCell<()>>,
}

impl std::fmt::Debug for PostgresStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PostgresStore")
            .field("schema", &self.schema)
            .finish_non_exhaustive()
    }
}

impl PostgresStore {
    /// Connects to `url` (e.g. `postgres://user@host:5432/db?sslmode=verify-full`) with at most
    /// `pool_size` connections, and creates or migrates the schema. Fails with
    /// [`AuditError::Unavailable`] if the server cannot be reached within the timeouts.
    pub async fn connect(url: &str, pool_size: usize) -> Result<Self, AuditError> {
        let store = Self::connect_lazy(url, None, pool_size)?;
        store.ensure_ready().await?;
        Ok(store)
    }

    /// Like [`PostgresStore::connect`], with every table in `schema` (created if missing;
    /// `[a-z_][a-z0-9_]*`). Each schema is an independent trail with its own append lock.
    pub async fn connect_with_schema(
        url: &str,
        schema: &str,
        pool_size: usize,
    ) -> Result<Self, AuditError> {
        let store = Self::connect_lazy(url, Some(schema), pool_size)?;
        store.ensure_ready().await?;
        Ok(store)
    }

    /// Builds the store without contacting the server: the schema is created or migrated on
    /// the first call that reaches it. Lets a hub start (failing closed) while the database is
    /// down. Fails only for a malformed URL (or `sslmode`) or schema name. TLS trusts the
    /// webpki roots.
    pub fn connect_lazy(
        url: &str,
        schema: Option<&str>,
        pool_size: usize,
    ) -> Result<Self, AuditError> {
        Self::connect_lazy_with_ca(url, schema, pool_size, None)
    }

    /// Like [`PostgresStore::connect_lazy`], with TLS also trusting every certificate of the
    /// PEM bundle `ca_pem` (the city's CA). Fails for a malformed URL, `sslmode`, schema name
    /// or bundle.
    pub fn connect_lazy_with_ca(
        url: &str,
        schema: Option<&str>,
        pool_size: usize,
        ca_pem: Option<&[u8]>,
    ) -> Result<Self, AuditError> {
        if let Some(schema) = schema {
            schema::check_schema_name(schema)?;
        }
        let mut config = tls::parse_url(url)?;
        let connector = tls::TlsConnector::new(ca_pem)?;
        let options = schema::session_options(config.get_options(), schema);
        config
            .options(options)
            .connect_timeout(CONNECT_TIMEOUT)
            .keepalives_idle(Duration::from_secs(30))
            .tcp_user_timeout(Duration::from_secs(30))
            .application_name("minwon-audit");
        let manager = Manager::from_connect(
            config,
            connector,
            ManagerConfig {
                // A broken connection is found and replaced before it is handed out.
                recycling_method: RecyclingMethod::Verified,
            },
        );
        let pool = Pool::builder(manager)
            .max_size(pool_size.max(1))
            .runtime(Runtime::Tokio1)
            .wait_timeout(Some(POOL_WAIT))
            .create_timeout(Some(CONNECT_TIMEOUT + Duration::from_secs(1)))
            .recycle_timeout(Some(POOL_WAIT))
            .build()
            .map_err(|e| AuditError::Unavailable(format!("postgres pool: {e}")))?;
        let namespace = schema.unwrap_or("");
        Ok(PostgresStore {
            pool,
            schema: schema.map(str::to_string),
            append_lock: lock_key("append", namespace),
            migrate_lock: lock_key("migrate", namespace),
            ready: Arc::new(OnceCell::new()),
        })
    }

    /// The schema this store keeps its tables in, if one was given.
    pub fn schema(&self) -> Option<&str> {
        self.schema.as_deref()
    }

    /// Reads a session setting (e.g. `synchronous_commit`) on a pooled connection, as every
    /// connection the store uses has it. For health checks and tests; `name` must be
    /// `[a-z_]+`.
    pub async fn show(&self, name: &str) -> Result<String, AuditError> {
        if name.is_empty() || !name.chars().all(|c| c.is_ascii_lowercase() || c == '_') {
            return Err(AuditError::Unavailable("postgres: bad setting name".into()));
        }
        let client = self.client().await?;
        let row = client
            .query_one(&format!("SHOW {name}"), &[])
            .await
            .map_err(pg_error)?;
        row.try_get(0).map_err(pg_error)
    }

    /// Whether a pooled connection is encrypted (PostgreSQL's own view, `pg_stat_ssl`): for
    /// start-up logs, health checks and tests of the `sslmode` handling.
    pub async fn session_uses_tls(&self) -> Result<bool, AuditError> {
        let client = self.client().await?;
        let row = client
            .query_one(
                "SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()",
                &[],
            )
            .await
            .map_err(pg_error)?;
        row.try_get(0).map_err(pg_error)
    }

    /// Creates or migrates the schema once per store (retried on the next call if it failed).
    async fn ensure_ready(&self) -> Result<(), AuditError> {
        self.ready
            .get_or_try_init(|| async {
                let mut client = self.pool.get().await.map_err(pool_error)?;
                schema::migrate(&mut client, self.schema.as_deref(), self.migrate_lock).await
            })
            .await
            .map(drop)
    }

    /// A pooled connection, schema ready.
    async fn client(&self) -> Result<deadpool_postgres::Object, AuditError> {
        self.ensure_ready().await?;
        self.pool.get().await.map_err(pool_error)
    }
}

/// A 64-bit advisory lock key for one purpose in one namespace (schema), so independent
/// trails on one server never wait on each other.
fn lock_key(purpose: &str, namespace: &str) -> i64 {
    let digest = Sha256::digest(format!("minwon-audit/{purpose}\0{namespace}").as_bytes());
    let mut bytes = [0u8; 8];
    bytes.copy_from_slice(&digest[..8]);
    i64::from_be_bytes(bytes)
}

/// Commits `tx` if `result` is Ok; otherwise rolls it back at once (releasing its locks
/// before the connection goes back to the pool) and returns the error.
async fn finish(
    tx: deadpool_postgres::Transaction<'_>,
    result: Result<(), AuditError>,
) -> Result<(), AuditError> {
    match result {
        Ok(()) => tx.commit().await.map_err(pg_error),
        Err(error) => {
            let _ = tx.rollback().await;
            Err(error)
        }
    }
}

async fn read_head(
    client: &impl deadpool_postgres::GenericClient,
) -> Result<Option<(u64, String)>, AuditError> {
    let row = client
        .query_opt(rows::READ_HEAD, &[])
        .await
        .map_err(pg_error)?;
    head_of(row)
}

/// The head in a row read with [`rows::READ_HEAD`].
fn head_of(row: Option<tokio_postgres::Row>) -> Result<Option<(u64, String)>, AuditError> {
    row.map(|row| {
        let seq: i64 = row.try_get(0).map_err(pg_error)?;
        let hash: String = row.try_get(1).map_err(pg_error)?;
        u64::try_from(seq)
            .map(|seq| (seq, hash))
            .map_err(|_| AuditError::corrupt(0, "negative sequence"))
    })
    .transpose()
}

/// The record insert, built once.
static INSERT_RECORDS: LazyLock<String> = LazyLock::new(rows::insert_sql);

impl PostgresStore {
    /// [`AuditStore::append`]; `rehash`: recompute every record's hash (any caller) or only
    /// check sequences and links (the writer's own sealed batch, [`AuditStore::append_sealed`]).
    async fn append_checked(
        &self,
        records: &[AccessRecord],
        rehash: bool,
    ) -> Result<(), AuditError> {
        if records.is_empty() {
            return Ok(());
        }
        // The batch itself must be a valid chain. That it continues the stored head is
        // checked inside the transaction, by the insert itself (it takes nothing otherwise;
        // the primary key and the link trigger refuse it too), and a refusal is classified
        // with the head read in the same round trip.
        if rehash {
            crate::verify_chain(records, None)?;
        } else {
            crate::chain::verify_links(records, None)?;
        }
        let columns = rows::Columns::from_records(records)?;
        let client = self.client().await?;
        // Prepared once per connection (cached), so the pipeline below sends no Parse.
        let head_stmt = client
            .prepare_cached(rows::READ_HEAD)
            .await
            .map_err(pg_error)?;
        let insert_stmt = client
            .prepare_cached(&INSERT_RECORDS)
            .await
            .map_err(pg_error)?;
        let subject_stmt = client
            .prepare_cached(rows::INSERT_SUBJECTS)
            .await
            .map_err(pg_error)?;
        let (record_params, subject_params) = (columns.record_params(), columns.subject_params());
        let begin = format!(
            "BEGIN; SET LOCAL synchronous_commit = on; SELECT pg_advisory_xact_lock({})",
            self.append_lock
        );
        // One round trip for the whole transaction: tokio-postgres writes a request when its
        // future is first polled, and `biased` polls these in order once before any answer is
        // awaited, so the server gets BEGIN … COMMIT at once and runs it in order. Any error
        // aborts the transaction and the COMMIT then only ends it (the server answers it with
        // ROLLBACK), so nothing of a refused batch is written; every answer is checked. A
        // dropped future (the writer's timeout) leaves the server to finish the same way.
        let (begun, head, inserted, subjects, committed) = tokio::join!(
            biased;
            client.batch_execute(&begin),
            client.query_opt(&head_stmt, &[]),
            client.execute(&insert_stmt, &record_params),
            async {
                match &subject_params {
                    Some(params) => client.execute(&subject_stmt, params).await.map(drop),
                    None => Ok(()),
                }
            },
            client.batch_execute("COMMIT"),
        );
        begun.map_err(pg_error)?;
        let head = head_of(head.map_err(pg_error)?)?;
        match inserted {
            Ok(n) if usize::try_from(n).ok() == Some(columns.len()) => {}
            refused => {
                // Refused because the head moved (another replica appended): a conflict.
                check_continues(head.as_ref(), records)?;
                return Err(match refused {
                    Err(error) => pg_error(error),
                    Ok(_) => AuditError::Unavailable("postgres: the batch was not taken".into()),
                });
            }
        }
        subjects.map_err(pg_error)?;
        committed.map_err(pg_error)
    }
}

#[async_trait]
impl AuditStore for PostgresStore {
    async fn append(&self, records: &[AccessRecord]) -> Result<(), AuditError> {
        self.append_checked(records, true).await
    }

    async fn append_sealed(&self, records: &[AccessRecord]) -> Result<(), AuditError> {
        self.append_checked(records, false).await
    }

    async fn head(&self) -> Result<Option<(u64, String)>, AuditError> {
        read_head(&self.client().await?).await
    }

    async fn query(&self, filter: &RecordFilter) -> Result<Vec<AccessRecord>, AuditError> {
        let Ok(after) = i64::try_from(filter.after_sequence) else {
            return Ok(Vec::new());
        };
        // A page of records (filtered, ordered, limited), then joined with its subjects.
        let mut sql = String::from("SELECT * FROM access_record WHERE sequence > $1");
        let mut args: Vec<Box<dyn ToSql + Sync + Send>> = vec![Box::new(after)];
        let mut cond = |column: &str, value: Box<dyn ToSql + Sync + Send>| {
            args.push(value);
            sql.push_str(&format!(" AND {column} ${}", args.len()));
        };
        if let Some(from) = filter.from {
            cond("time_ms >=", Box::new(from.timestamp_millis()));
        }
        if let Some(to) = filter.to {
            cond("time_ms <", Box::new(to.timestamp_millis()));
        }
        if let Some(account) = &filter.account {
            cond("account =", Box::new(account.clone()));
        }
        if let Some(purpose) = &filter.purpose_code {
            cond("purpose_code =", Box::new(purpose.clone()));
        }
        if let Some(outcome) = filter.outcome {
            cond("outcome =", Box::new(outcome.as_str().to_string()));
        }
        for (column, value) in filter.column_conditions() {
            cond(&format!("{column} ="), Box::new(value));
        }
        if let Some(source) = &filter.source {
            // `sources` is a JSON array of strings in TEXT.
            cond("sources::jsonb ?", Box::new(source.clone()));
        }
        for hmac in &filter.subject_hmacs {
            args.push(Box::new(hmac.clone()));
            sql.push_str(&format!(
                " AND sequence IN (SELECT sequence FROM access_subject WHERE hmac = ${})",
                args.len()
            ));
        }
        args.push(Box::new(i64::try_from(filter.limit).unwrap_or(i64::MAX)));
        sql.push_str(&format!(" ORDER BY sequence LIMIT ${}", args.len()));
        let sql = format!(
            "SELECT {} FROM ({sql}) AS r LEFT JOIN access_subject AS s \
             ON s.sequence = r.sequence ORDER BY r.sequence, s.ordinal",
            rows::columns()
        );

        let client = self.client().await?;
        let stmt = client.prepare_cached(&sql).await.map_err(pg_error)?;
        let params: Vec<&(dyn ToSql + Sync)> = args
            .iter()
            .map(|a| a.as_ref() as &(dyn ToSql + Sync))
            .collect();
        let found = client.query(&stmt, &params).await.map_err(pg_error)?;
        let mut out = Vec::new();
        for row in &found {
            rows::push_row(&mut out, row)?;
        }
        Ok(out)
    }

    async fn ping(&self) -> Result<(), AuditError> {
        let client = self.client().await?;
        client
            .query_one("SELECT 1", &[])
            .await
            .map(drop)
            .map_err(pg_error)
    }

    async fn append_checkpoint(&self, checkpoint: &Checkpoint) -> Result<(), AuditError> {
        let sequence = rows::seq_to_sql(checkpoint.sequence)?;
        let mut client = self.client().await?;
        let tx = client.transaction().await.map_err(pg_error)?;
        let written = async {
            tx.batch_execute("SET LOCAL synchronous_commit = on")
                .await
                .map_err(pg_error)?;
            let inserted = tx
                .execute(
                    rows::INSERT_CHECKPOINT,
                    &[
                        &sequence,
                        &checkpoint.head_hash,
                        &checkpoint.time_ms,
                        &checkpoint.key_id,
                        &checkpoint.signature,
                    ],
                )
                .await
                .map_err(pg_error)?;
            if inserted != 1 {
                return Err(AuditError::Conflict {
                    sequence: checkpoint.sequence,
                    reason: "checkpoint does not match a stored record".to_string(),
                });
            }
            Ok(())
        }
        .await;
        finish(tx, written).await
    }

    async fn checkpoints(&self, from_sequence: u64) -> Result<Vec<Checkpoint>, AuditError> {
        let Ok(from) = i64::try_from(from_sequence) else {
            return Ok(Vec::new());
        };
        let client = self.client().await?;
        let sql = format!(
            "SELECT {} FROM audit_checkpoint WHERE sequence >= $1 ORDER BY sequence, id",
            rows::CHECKPOINT_COLUMNS
        );
        let found = client.query(&sql, &[&from]).await.map_err(pg_error)?;
        found.iter().map(rows::checkpoint_from_row).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lock_keys_differ_by_purpose_and_namespace() {
        assert_ne!(lock_key("append", ""), lock_key("migrate", ""));
        assert_ne!(lock_key("append", "a"), lock_key("append", "b"));
        assert_eq!(lock_key("append", "a"), lock_key("append", "a"));
    }

    #[test]
    fn schema_names_are_checked_and_options_composed() {
        assert!(schema::check_schema_name("minwon_test_01").is_ok());
        for bad in ["", "1abc", "a-b", "A", "a b", "a;drop"] {
            assert!(schema::check_schema_name(bad).is_err(), "{bad}");
        }
        let opts = schema::session_options(Some("-c work_mem=4MB"), Some("s1"));
        assert!(opts.starts_with("-c work_mem=4MB -c synchronous_commit=on"));
        assert!(opts.ends_with("-c search_path=s1"));
    }

    #[test]
    fn a_malformed_url_is_refused_without_echoing_it() {
        let err = PostgresStore::connect_lazy("postgres://u:secret@[bad", None, 2).unwrap_err();
        assert!(matches!(err, AuditError::Unavailable(_)));
        assert!(!err.to_string().contains("secret"));
    }
}
