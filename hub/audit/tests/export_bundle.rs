//! Export bundles tampered with on disk: verify_bundle (offline, public key only) catches an
//! edited, deleted or cut record in JSONL and CSV, a forged checkpoint and a wrong key.

mod common;

use common::draft;
use minwon_audit::keys::generate_signing_key;
use minwon_audit::{
    AuditLog, CheckpointConfig, ExportFormat, GroupCommitConfig, SigningKey, SqliteStore,
    VerifyReport, export, verify_bundle,
};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Records 1..=20 with checkpoints every 5, exported for records 5..=14.
async fn bundle(format: ExportFormat) -> (tempfile::TempDir, PathBuf, SigningKey) {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(&dir.path().join("audit.db")).unwrap();
    let key = generate_signing_key();
    let config = CheckpointConfig {
        every_records: 5,
        every_secs: 0,
        signing_key: key.clone(),
        file: None,
    };
    let log = AuditLog::start_with_checkpoints(
        Arc::new(store.clone()),
        GroupCommitConfig::default(),
        config,
    )
    .await
    .unwrap();
    for i in 1..=20 {
        log.record(draft(i)).await.unwrap();
    }
    log.shutdown().await;
    let out = dir.path().join("bundle");
    let (from, to) = (Some(draft(5).time), Some(draft(15).time));
    export(&store, from, to, format, &key.verifying_key(), &out)
        .await
        .unwrap();
    (dir, out, key)
}

fn edit(path: &Path, f: impl FnOnce(Vec<String>) -> Vec<String>) {
    let text = std::fs::read_to_string(path).unwrap();
    let sep = if text.contains("\r\n") { "\r\n" } else { "\n" };
    let lines: Vec<String> = text.split_terminator(sep).map(String::from).collect();
    let mut out = f(lines).join(sep);
    out.push_str(sep);
    std::fs::write(path, out).unwrap();
}

fn assert_bad(report: &VerifyReport, sequence: u64, reason: &str) {
    assert!(!report.ok, "{report:?}");
    assert_eq!(report.first_bad_sequence, Some(sequence), "{report:?}");
    let text = report.reason.as_deref().unwrap_or("");
    assert!(text.contains(reason), "reason {text:?} lacks {reason:?}");
}

async fn check(dir: &Path, key: &SigningKey) -> VerifyReport {
    verify_bundle(dir, &key.verifying_key()).await.unwrap()
}

#[tokio::test]
async fn an_intact_bundle_verifies_and_a_wrong_key_does_not() {
    let (_tmp, dir, key) = bundle(ExportFormat::Jsonl).await;
    let report = check(&dir, &key).await;
    assert!(report.ok && report.records_checked == 10 && report.checkpoints_checked == 2);
    let other = generate_signing_key();
    assert_bad(&check(&dir, &other).await, 5, "not the given key");
}

#[tokio::test]
async fn an_edited_jsonl_record_is_caught() {
    let (_tmp, dir, key) = bundle(ExportFormat::Jsonl).await;
    edit(&dir.join("records.jsonl"), |mut lines| {
        lines[3] = lines[3].replace("citizen_inquiry", "other");
        lines
    });
    assert_bad(&check(&dir, &key).await, 8, "hash mismatch");
}

#[tokio::test]
async fn a_deleted_or_cut_jsonl_record_is_caught() {
    let (_tmp, dir, key) = bundle(ExportFormat::Jsonl).await;
    let path = dir.join("records.jsonl");
    let original = std::fs::read_to_string(&path).unwrap();
    edit(&path, |mut lines| {
        lines.remove(0);
        lines
    });
    assert_bad(&check(&dir, &key).await, 5, "missing");
    std::fs::write(&path, &original).unwrap();
    edit(&path, |mut lines| {
        lines.remove(3);
        lines
    });
    assert_bad(&check(&dir, &key).await, 8, "missing");
    std::fs::write(&path, &original).unwrap();
    edit(&path, |mut lines| {
        lines.truncate(8);
        lines
    });
    assert_bad(&check(&dir, &key).await, 13, "manifest says 14");
}

#[tokio::test]
async fn an_edited_csv_cell_is_caught() {
    let (_tmp, dir, key) = bundle(ExportFormat::Csv).await;
    assert!(check(&dir, &key).await.ok);
    edit(&dir.join("records.csv"), |mut lines| {
        // lines[0] is the header; lines[2] is record 6.
        lines[2] = lines[2].replace("민원여권과", "세정과");
        lines
    });
    assert_bad(&check(&dir, &key).await, 6, "hash mismatch");
}

#[tokio::test]
async fn a_forged_checkpoint_is_caught() {
    let (_tmp, dir, key) = bundle(ExportFormat::Jsonl).await;
    edit(&dir.join("checkpoints.jsonl"), |mut lines| {
        lines[1] = lines[1].replace("\"sequence\":10", "\"sequence\":11");
        lines
    });
    assert_bad(&check(&dir, &key).await, 11, "signature");
}
