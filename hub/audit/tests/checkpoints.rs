//! The writer's checkpoints: by count, by time, a final one at shutdown; stored in the
//! database and the file; a broken checkpoint file never fails a record.

mod common;

use common::{draft, sqlite};
use minwon_audit::checkpoint::read_file;
use minwon_audit::keys::generate_signing_key;
use minwon_audit::{AuditLog, AuditStore, CheckpointConfig, GroupCommitConfig, verify_trail};
use std::sync::Arc;
use std::time::Duration;

fn config(
    every_records: u64,
    every_secs: u64,
    file: Option<std::path::PathBuf>,
) -> CheckpointConfig {
    CheckpointConfig {
        every_records,
        every_secs,
        file,
        ..CheckpointConfig::new(generate_signing_key())
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn count_time_and_shutdown_checkpoints_land_in_database_and_file() {
    let (dir, db) = sqlite();
    let file = dir.path().join("checkpoints.jsonl");
    let cfg = config(4, 1, Some(file.clone()));
    let public = cfg.signing_key.verifying_key();
    let log =
        AuditLog::start_with_checkpoints(Arc::new(db.clone()), GroupCommitConfig::default(), cfg)
            .await
            .unwrap();
    for i in 1..=5 {
        log.record(draft(i)).await.unwrap();
    }
    // By count at 4; by time (1 s) for record 5.
    tokio::time::sleep(Duration::from_millis(1600)).await;
    let stored: Vec<u64> = db
        .checkpoints(0)
        .await
        .unwrap()
        .iter()
        .map(|c| c.sequence)
        .collect();
    assert_eq!(stored, vec![4, 5]);
    for i in 6..=7 {
        log.record(draft(i)).await.unwrap();
    }
    log.shutdown().await;
    let stored = db.checkpoints(0).await.unwrap();
    assert_eq!(
        stored.iter().map(|c| c.sequence).collect::<Vec<_>>(),
        vec![4, 5, 7]
    );
    assert_eq!(read_file(&file).unwrap(), stored);
    let records = common::all_records(&db).await;
    let report = verify_trail(&records, &stored, &public);
    assert!(report.ok && report.checkpoints_checked == 3, "{report:?}");
    // Cut the last record in memory: the shutdown checkpoint shows it.
    let report = verify_trail(&records[..6], &stored, &public);
    assert_eq!(report.first_bad_sequence, Some(7), "{report:?}");
}

#[tokio::test]
async fn an_unwritable_checkpoint_file_never_fails_a_record() {
    let (dir, db) = sqlite();
    let file = dir.path().join("missing-dir").join("checkpoints.jsonl");
    let log = AuditLog::start_with_checkpoints(
        Arc::new(db.clone()),
        GroupCommitConfig::default(),
        config(2, 0, Some(file.clone())),
    )
    .await
    .unwrap();
    for i in 1..=3 {
        assert_eq!(log.record(draft(i)).await.unwrap().sequence, i);
    }
    log.shutdown().await;
    let stored: Vec<u64> = db
        .checkpoints(0)
        .await
        .unwrap()
        .iter()
        .map(|c| c.sequence)
        .collect();
    assert_eq!(stored, vec![2, 3]);
    assert!(!file.exists());
}

#[tokio::test]
async fn a_restarted_log_checkpoints_the_existing_head_on_shutdown() {
    let (_dir, db) = sqlite();
    let plain = AuditLog::start(Arc::new(db.clone()), GroupCommitConfig::default())
        .await
        .unwrap();
    plain.record(draft(1)).await.unwrap();
    plain.shutdown().await;
    assert!(
        db.checkpoints(0).await.unwrap().is_empty(),
        "start() never checkpoints"
    );
    let log = AuditLog::start_with_checkpoints(
        Arc::new(db.clone()),
        GroupCommitConfig::default(),
        config(0, 0, None),
    )
    .await
    .unwrap();
    log.shutdown().await;
    let stored: Vec<u64> = db
        .checkpoints(0)
        .await
        .unwrap()
        .iter()
        .map(|c| c.sequence)
        .collect();
    assert_eq!(stored, vec![1]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn verification_from_a_sequence_links_to_the_record_before_and_checks_later_checkpoints() {
    let (_dir, db) = sqlite();
    let cfg = config(4, 3600, None);
    let public = cfg.signing_key.verifying_key();
    let log =
        AuditLog::start_with_checkpoints(Arc::new(db.clone()), GroupCommitConfig::default(), cfg)
            .await
            .unwrap();
    for i in 1..=10 {
        log.record(draft(i)).await.unwrap();
    }
    log.shutdown().await; // checkpoints at 4, 8 and 10
    let whole = minwon_audit::verify_store_trail_from(&db, &public, &[], 0)
        .await
        .unwrap();
    assert!(whole.ok, "{whole:?}");
    assert_eq!((whole.records_checked, whole.checkpoints_checked), (10, 3));
    let tail = minwon_audit::verify_store_trail_from(&db, &public, &[], 6)
        .await
        .unwrap();
    assert!(tail.ok, "{tail:?}");
    assert_eq!((tail.records_checked, tail.checkpoints_checked), (5, 2));
    assert_eq!(minwon_audit::verify_store_from(&db, 3, 6).await.unwrap(), 5);
    let past = minwon_audit::verify_store_from(&db, 3, 12).await;
    assert!(
        past.is_err(),
        "a start past the head names a missing record"
    );
}
