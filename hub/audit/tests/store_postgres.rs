//! The store suite (tests/common/suite.rs and tamper.rs) against PostgreSQL, plus what only
//! PostgreSQL has: session durability settings, bounded failure against an unreachable
//! server, recovery without a restart when the server comes back, and the migration of a
//! trail written by an older build.
//!
//! Server: `MINWON_TEST_PG_URL`, default `postgres://postgres@127.0.0.1:5432/test`; each test
//! works in a fresh schema of its own. Without a server these tests announce that they were
//! skipped (and fail when `CI` is set).

mod common;

use common::harness::{PgDb, fresh_schema, pg_db, pg_url};
use common::{all_records, draft};
use minwon_audit::{
    AuditError, AuditLog, AuditStore, GroupCommitConfig, PostgresStore, verify_store,
};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;

common::store_suite!(pg_db);

#[tokio::test]
async fn every_connection_commits_synchronously_and_the_schema_is_versioned() {
    let Some(db) = pg_db().await else { return };
    assert_eq!(db.store.show("synchronous_commit").await.unwrap(), "on");
    assert_eq!(db.store.show("search_path").await.unwrap(), db.schema);
    assert!(db.store.show("bad name; --").await.is_err());
    let client = common::harness::pg_client(&db.url, &db.schema).await;
    let versions: Vec<i32> = client
        .query(
            "SELECT version FROM audit_schema_migration ORDER BY version",
            &[],
        )
        .await
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    let expected: Vec<i32> = (1..=minwon_audit::postgres::MIGRATIONS.len() as i32).collect();
    assert_eq!(versions, expected);
    // Connecting again (another replica starting) migrates nothing and keeps the data.
    db.store
        .append(&common::chained(1, 2, minwon_audit::GENESIS_HASH))
        .await
        .unwrap();
    let again = PostgresStore::connect_with_schema(&db.url, &db.schema, 2)
        .await
        .unwrap();
    assert_eq!(again.head().await.unwrap().map(|h| h.0), Some(2));
}

#[tokio::test]
async fn a_newer_schema_is_refused() {
    let Some(db) = pg_db().await else { return };
    let client = common::harness::pg_client(&db.url, &db.schema).await;
    client
        .batch_execute("INSERT INTO audit_schema_migration (version) VALUES (99)")
        .await
        .unwrap();
    let err = PostgresStore::connect_with_schema(&db.url, &db.schema, 2)
        .await
        .unwrap_err();
    assert!(matches!(err, AuditError::Unavailable(_)), "{err:?}");
}

#[tokio::test]
async fn an_unreachable_server_is_unavailable_quickly_never_a_hang() {
    // Nothing listens on port 1: connection refused.
    let started = Instant::now();
    let err = PostgresStore::connect("postgres://postgres@127.0.0.1:1/test", 2)
        .await
        .unwrap_err();
    assert!(matches!(err, AuditError::Unavailable(_)), "{err:?}");
    let lazy =
        PostgresStore::connect_lazy("postgres://postgres@127.0.0.1:1/test", None, 2).unwrap();
    let result = lazy
        .append(&common::chained(1, 1, minwon_audit::GENESIS_HASH))
        .await;
    assert!(
        matches!(result, Err(AuditError::Unavailable(_))),
        "{result:?}"
    );
    assert!(matches!(lazy.ping().await, Err(AuditError::Unavailable(_))));
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );

    // A listener that accepts and never answers: the bounded connect timeout ends it.
    let silent = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = silent.local_addr().unwrap().port();
    let _keep = tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((socket, _)) = silent.accept().await {
            held.push(socket);
        }
    });
    let started = Instant::now();
    let url = format!("postgres://postgres@127.0.0.1:{port}/test");
    let err = PostgresStore::connect(&url, 2).await.unwrap_err();
    assert!(matches!(err, AuditError::Unavailable(_)), "{err:?}");
    let elapsed = started.elapsed();
    assert!(
        elapsed < minwon_audit::postgres::CONNECT_TIMEOUT + Duration::from_secs(3),
        "{elapsed:?}"
    );
}

/// A TCP relay to the real server that can be cut and restored, to play "server down".
struct Relay {
    addr: SocketAddr,
    upstream: SocketAddr,
    tasks: Arc<Mutex<Vec<JoinHandle<()>>>>,
}

impl Relay {
    async fn start(addr: SocketAddr, upstream: SocketAddr) -> Relay {
        let listener = TcpListener::bind(addr).await.unwrap();
        let addr = listener.local_addr().unwrap();
        let tasks = Arc::new(Mutex::new(Vec::new()));
        let inner = Arc::clone(&tasks);
        let accept = tokio::spawn(async move {
            while let Ok((mut client, _)) = listener.accept().await {
                let relay = tokio::spawn(async move {
                    if let Ok(mut server) = TcpStream::connect(upstream).await {
                        let _ = tokio::io::copy_bidirectional(&mut client, &mut server).await;
                    }
                });
                inner.lock().unwrap().push(relay);
            }
        });
        tasks.lock().unwrap().push(accept);
        Relay {
            addr,
            upstream,
            tasks,
        }
    }

    /// Refuses new connections and resets the open ones.
    fn cut(&self) {
        for task in self.tasks.lock().unwrap().drain(..) {
            task.abort();
        }
    }
}

fn upstream_of(url: &str) -> SocketAddr {
    let config: tokio_postgres::Config = url.parse().unwrap();
    let host = match config.get_hosts().first() {
        Some(tokio_postgres::config::Host::Tcp(host)) => host.clone(),
        _ => "127.0.0.1".to_string(),
    };
    let port = config.get_ports().first().copied().unwrap_or(5432);
    let host = if host == "localhost" {
        "127.0.0.1".to_string()
    } else {
        host
    };
    format!("{host}:{port}").parse().unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_log_fails_closed_while_the_server_is_gone_and_recovers_without_a_restart() {
    let Some(db): Option<PgDb> = pg_db().await else {
        return;
    };
    let relay = Relay::start("127.0.0.1:0".parse().unwrap(), upstream_of(&db.url)).await;
    let config: tokio_postgres::Config = db.url.parse().unwrap();
    let user = config.get_user().unwrap_or("postgres").to_string();
    let dbname = config.get_dbname().unwrap_or("test").to_string();
    let via_relay = format!("postgres://{user}@127.0.0.1:{}/{dbname}", relay.addr.port());
    let store = Arc::new(
        PostgresStore::connect_with_schema(&via_relay, &db.schema, 2)
            .await
            .unwrap(),
    );
    let log = AuditLog::start(store.clone(), GroupCommitConfig::default())
        .await
        .unwrap();
    assert_eq!(log.record(draft(1)).await.unwrap().sequence, 1);

    relay.cut();
    let started = Instant::now();
    let refused = log.record(draft(2)).await;
    assert!(
        matches!(refused, Err(AuditError::Unavailable(_))),
        "{refused:?}"
    );
    assert!(store.ping().await.is_err());
    assert!(
        started.elapsed() < Duration::from_secs(15),
        "{:?}",
        started.elapsed()
    );

    let _back = Relay::start(relay.addr, relay.upstream).await;
    let deadline = Instant::now() + Duration::from_secs(15);
    while store.ping().await.is_err() {
        assert!(Instant::now() < deadline, "store did not recover");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let receipt = log.record(draft(3)).await.unwrap();
    assert_eq!(
        receipt.sequence, 2,
        "the refused record was not stored; the chain continues"
    );
    assert_eq!(verify_store(&*store, 100).await.unwrap(), 2);
    assert_eq!(all_records(&*store).await.len(), 2);
    log.shutdown().await;
}

#[tokio::test]
async fn separate_schemas_are_separate_trails() {
    let Some(db) = pg_db().await else { return };
    let other_schema = fresh_schema();
    let other = PostgresStore::connect_with_schema(&pg_url(), &other_schema, 2)
        .await
        .unwrap();
    db.store
        .append(&common::chained(1, 3, minwon_audit::GENESIS_HASH))
        .await
        .unwrap();
    assert_eq!(other.head().await.unwrap(), None);
    let client = common::harness::pg_client(&db.url, &db.schema).await;
    client
        .batch_execute(&format!("DROP SCHEMA {other_schema} CASCADE"))
        .await
        .unwrap();
}

#[tokio::test]
async fn a_schema_v3_trail_migrates_to_subject_rows_and_still_verifies() {
    // A fresh schema at version 3 with records an older build wrote, then a store on it.
    let Some(db) = pg_db().await else { return };
    let schema = fresh_schema();
    let admin = common::harness::pg_client(&db.url, &db.schema).await;
    admin
        .batch_execute(&format!("CREATE SCHEMA {schema}"))
        .await
        .unwrap();
    let client = common::harness::pg_client(&db.url, &schema).await;
    client
        .batch_execute(
            "CREATE TABLE audit_schema_migration (
                version     INTEGER PRIMARY KEY,
                applied_at  TIMESTAMPTZ NOT NULL DEFAULT now()
            );
            INSERT INTO audit_schema_migration (version) VALUES (1), (2), (3);",
        )
        .await
        .unwrap();
    for sql in &minwon_audit::postgres::MIGRATIONS[..3] {
        client.batch_execute(sql).await.unwrap();
    }
    client
        .batch_execute(&common::legacy::legacy_trail_sql())
        .await
        .unwrap();
    let store = PostgresStore::connect_with_schema(&db.url, &schema, 2)
        .await
        .unwrap();
    // Dropped with the schema at the end, like every test schema.
    let migrated = PgDb {
        url: db.url.clone(),
        schema,
        store: store.clone(),
        scratch: tempfile::tempdir().unwrap(),
    };
    common::legacy::check_migrated_legacy_trail(&store).await;
    drop(migrated);
}
