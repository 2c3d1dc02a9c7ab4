//! The store suite (tests/common/suite.rs and tamper.rs) against SQLite, and the migration of
//! a trail written by an older build.

mod common;

use common::harness::sqlite_db;

common::store_suite!(sqlite_db);

#[tokio::test]
async fn a_schema_v3_trail_migrates_to_subject_rows_and_still_verifies() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("audit.db");
    let conn = rusqlite::Connection::open(&path).unwrap();
    for sql in &minwon_audit::sqlite::MIGRATIONS[..3] {
        conn.execute_batch(sql).unwrap();
    }
    conn.pragma_update(None, "user_version", 3).unwrap();
    conn.execute_batch(&common::legacy::legacy_trail_sql())
        .unwrap();
    drop(conn);
    let store = minwon_audit::SqliteStore::open(&path).unwrap();
    common::legacy::check_migrated_legacy_trail(&store).await;
}

/// The writer's connection leaves WAL checkpoints to a thread of its own, which also folds in
/// a quiet trail's commits once a second. Twenty records are far below SQLite's automatic
/// checkpoint (1,000 pages), so a commit never writes the database file itself: only that
/// thread's checkpoint does, which the file's modification time shows.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_wal_is_checkpointed_off_the_writer_thread() {
    use minwon_audit::{AuditLog, GroupCommitConfig};
    use std::sync::Arc;
    use std::time::{Duration, Instant};
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("audit.db");
    let store = minwon_audit::SqliteStore::open(&path).unwrap();
    let modified = || std::fs::metadata(&path).unwrap().modified().unwrap();
    let log = AuditLog::start(Arc::new(store), GroupCommitConfig::default())
        .await
        .unwrap();
    log.record(common::draft(1)).await.unwrap();
    let before = modified();
    for i in 2..=20 {
        log.record(common::draft(i)).await.unwrap();
    }
    let deadline = Instant::now() + Duration::from_secs(30);
    while modified() == before {
        assert!(
            Instant::now() < deadline,
            "no checkpoint folded the WAL into the database file"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    log.shutdown().await;
}
