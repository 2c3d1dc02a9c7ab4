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
