//! One interface over a fresh SQLite file and a fresh PostgreSQL schema, so the same store
//! suite runs against both: the store, a second independent handle ("another replica"), raw
//! SQL on a connection of the test's own, and "unlock" (drop the append-only and chain-link
//! triggers, as an attacker with database rights could).
//!
//! PostgreSQL: `MINWON_TEST_PG_URL`, default `postgres://postgres@127.0.0.1:5432/test`. With
//! `CI` set an unreachable server fails the test; without it the test says loudly that it was
//! skipped and returns.

use async_trait::async_trait;
use minwon_audit::{AuditStore, PostgresStore, SqliteStore};
use rand::RngCore;
use std::io::Write;
use std::path::PathBuf;
use std::sync::Arc;

/// The default test server.
pub const DEFAULT_PG_URL: &str = "postgres://postgres@127.0.0.1:5432/test";

/// A fresh, empty database for one test.
#[async_trait]
pub trait TestDb: Send + Sync {
    /// The store under test.
    fn store(&self) -> Arc<dyn AuditStore>;
    /// Another store instance on the same data (its own pool), like a second hub replica.
    async fn another_store(&self) -> Arc<dyn AuditStore>;
    /// Runs SQL statements on a connection of the test's own.
    async fn try_sql(&self, sql: &str) -> Result<(), String>;
    /// Drops the append-only triggers and the chain-link trigger, so a test can tamper.
    async fn unlock(&self);
    /// A scratch directory that lives as long as the database.
    fn dir(&self) -> PathBuf;

    /// Runs SQL that must succeed.
    async fn sql(&self, sql: &str) {
        if let Err(e) = self.try_sql(sql).await {
            panic!("test SQL failed: {e}");
        }
    }
}

/// A SQLite file in a temporary directory.
pub struct SqliteDb {
    pub dir: tempfile::TempDir,
    pub store: SqliteStore,
}

/// A fresh SQLite database.
pub async fn sqlite_db() -> Option<SqliteDb> {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(&dir.path().join("audit.db")).unwrap();
    Some(SqliteDb { dir, store })
}

#[async_trait]
impl TestDb for SqliteDb {
    fn store(&self) -> Arc<dyn AuditStore> {
        Arc::new(self.store.clone())
    }
    async fn another_store(&self) -> Arc<dyn AuditStore> {
        Arc::new(SqliteStore::open(&self.dir.path().join("audit.db")).unwrap())
    }
    async fn try_sql(&self, sql: &str) -> Result<(), String> {
        let conn = rusqlite::Connection::open(self.dir.path().join("audit.db")).unwrap();
        conn.execute_batch(sql).map_err(|e| e.to_string())
    }
    async fn unlock(&self) {
        self.sql(
            "DROP TRIGGER access_record_no_update; DROP TRIGGER access_record_no_delete;
             DROP TRIGGER audit_checkpoint_no_update; DROP TRIGGER audit_checkpoint_no_delete;
             DROP TRIGGER access_record_links;
             DROP TRIGGER access_subject_no_update; DROP TRIGGER access_subject_no_delete;",
        )
        .await;
    }
    fn dir(&self) -> PathBuf {
        self.dir.path().to_path_buf()
    }
}

/// A fresh schema in the test PostgreSQL database, dropped when this is dropped.
pub struct PgDb {
    pub url: String,
    pub schema: String,
    pub store: PostgresStore,
    pub scratch: tempfile::TempDir,
}

/// The URL of the test server.
pub fn pg_url() -> String {
    std::env::var("MINWON_TEST_PG_URL").unwrap_or_else(|_| DEFAULT_PG_URL.to_string())
}

/// A random schema name, so parallel tests never share tables.
pub fn fresh_schema() -> String {
    format!("minwon_test_{:016x}", rand::rng().next_u64())
}

/// A fresh PostgreSQL schema, or `None` (loudly) when no server is reachable and `CI` is unset.
pub async fn pg_db() -> Option<PgDb> {
    let url = pg_url();
    let schema = fresh_schema();
    match PostgresStore::connect_with_schema(&url, &schema, 4).await {
        Ok(store) => Some(PgDb {
            url,
            schema,
            store,
            scratch: tempfile::tempdir().unwrap(),
        }),
        Err(e) => {
            let shown = if std::env::var_os("MINWON_TEST_PG_URL").is_some() {
                "the server in MINWON_TEST_PG_URL".to_string()
            } else {
                DEFAULT_PG_URL.to_string()
            };
            if std::env::var_os("CI").is_some() {
                panic!("CI is set and PostgreSQL ({shown}) is unreachable: {e}");
            }
            // Straight to stderr, past the test harness's output capture, so it is seen.
            let _ = writeln!(
                std::io::stderr(),
                "\n*** SKIPPED PostgreSQL store test: {shown} is unreachable ({e}).\n\
                 *** Start PostgreSQL there (user postgres, database test, trust auth) or set\n\
                 *** MINWON_TEST_PG_URL=postgres://user@host:port/db. With CI set, this fails.\n"
            );
            None
        }
    }
}

/// A raw client on `schema` (search_path set), for SQL the store would never run.
pub async fn pg_client(url: &str, schema: &str) -> tokio_postgres::Client {
    let mut config: tokio_postgres::Config = url.parse().unwrap();
    config.options(format!("-c search_path={schema}"));
    let (client, connection) = config.connect(tokio_postgres::NoTls).await.unwrap();
    tokio::spawn(async move {
        let _ = connection.await;
    });
    client
}

#[async_trait]
impl TestDb for PgDb {
    fn store(&self) -> Arc<dyn AuditStore> {
        Arc::new(self.store.clone())
    }
    async fn another_store(&self) -> Arc<dyn AuditStore> {
        Arc::new(
            PostgresStore::connect_with_schema(&self.url, &self.schema, 4)
                .await
                .unwrap(),
        )
    }
    async fn try_sql(&self, sql: &str) -> Result<(), String> {
        let client = pg_client(&self.url, &self.schema).await;
        client
            .batch_execute(sql)
            .await
            .map_err(|e| match e.as_db_error() {
                Some(db) => db.message().to_string(),
                None => e.to_string(),
            })
    }
    async fn unlock(&self) {
        self.sql(
            "ALTER TABLE access_record DISABLE TRIGGER USER;
             ALTER TABLE audit_checkpoint DISABLE TRIGGER USER;
             ALTER TABLE access_subject DISABLE TRIGGER USER;",
        )
        .await;
    }
    fn dir(&self) -> PathBuf {
        self.scratch.path().to_path_buf()
    }
}

impl Drop for PgDb {
    /// Drops the test schema, on a thread of its own (this may run inside a runtime).
    fn drop(&mut self) {
        let (url, schema) = (self.url.clone(), self.schema.clone());
        let _ = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            runtime.block_on(async move {
                if let Ok((client, conn)) =
                    tokio_postgres::connect(&url, tokio_postgres::NoTls).await
                {
                    tokio::spawn(async move {
                        let _ = conn.await;
                    });
                    let _ = client
                        .batch_execute(&format!("DROP SCHEMA IF EXISTS {schema} CASCADE"))
                        .await;
                }
            });
        })
        .join();
    }
}
