//! Export bundles tampered with on disk: verify_bundle (offline, public key only) catches an
//! edited, deleted or cut record in JSONL and CSV, a forged checkpoint, a wrong key, a cut
//! tail, a forged or missing manifest signature and a manifest path leaving the bundle.
//!
//! Every file edit is caught first by the signed manifest's SHA-256; each test then also
//! "reseals" the bundle (digests recomputed, manifest re-signed with the real key, as a
//! buggy or dishonest exporter could) to show the checks behind it catch the same edit.

mod common;

use common::draft;
use minwon_audit::AuditStore;
use minwon_audit::keys::generate_signing_key;
use minwon_audit::{
    AuditLog, CheckpointConfig, ExportFormat, ExportRequest, GroupCommitConfig, SigningKey,
    SqliteStore, VerifyReport, export, verify_bundle,
};
use serde_json::Value;
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
    let request = ExportRequest::new(from, to, format, &key);
    export(&store, &request, &out).await.unwrap();
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

/// The bundle refused as a whole (no sequence named), for a reason containing `reason`.
fn assert_refused(report: &VerifyReport, reason: &str) {
    assert!(!report.ok, "{report:?}");
    assert_eq!(report.first_bad_sequence, None, "{report:?}");
    let text = report.reason.as_deref().unwrap_or("");
    assert!(text.contains(reason), "reason {text:?} lacks {reason:?}");
}

fn manifest(dir: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(dir.join("manifest.json")).unwrap()).unwrap()
}

/// Writes `value` as the manifest and signs it with `key`.
fn write_manifest(dir: &Path, value: &Value, key: &SigningKey) {
    let bytes = serde_json::to_vec_pretty(value).unwrap();
    let sig = minwon_audit::manifest::sign(key, &bytes);
    std::fs::write(dir.join("manifest.json"), &bytes).unwrap();
    std::fs::write(dir.join("manifest.sig"), serde_json::to_vec(&sig).unwrap()).unwrap();
}

/// Recomputes every listed file's SHA-256 and re-signs the manifest with `key`.
fn reseal(dir: &Path, key: &SigningKey) {
    let mut m = manifest(dir);
    for file in m["files"].as_array_mut().unwrap() {
        let bytes = std::fs::read(dir.join(file["path"].as_str().unwrap())).unwrap();
        file["sha256"] = minwon_audit::manifest::sha256_hex(&bytes).into();
    }
    write_manifest(dir, &m, key);
}

/// The edit is caught by the manifest's digest; resealed, by `then`.
async fn caught_twice(dir: &Path, key: &SigningKey, file: &str) -> VerifyReport {
    assert_refused(
        &check(dir, key).await,
        &format!("{file} does not match its SHA-256"),
    );
    reseal(dir, key);
    check(dir, key).await
}

#[tokio::test]
async fn an_intact_bundle_verifies_and_a_wrong_key_does_not() {
    let (_tmp, dir, key) = bundle(ExportFormat::Jsonl).await;
    let report = check(&dir, &key).await;
    // Stored checkpoints at 5 and 10, then the export's own at 14.
    assert!(report.ok && report.records_checked == 10 && report.checkpoints_checked == 3);
    assert_eq!(report.last_checkpoint_sequence, Some(14));
    let m = manifest(&dir);
    assert_eq!(
        (m["last_sequence"].as_u64(), m["record_count"].as_u64()),
        (Some(14), Some(10))
    );
    let other = generate_signing_key();
    assert_refused(&check(&dir, &other).await, "not the given key");
}

#[tokio::test]
async fn an_edited_jsonl_record_is_caught() {
    let (_tmp, dir, key) = bundle(ExportFormat::Jsonl).await;
    edit(&dir.join("records.jsonl"), |mut lines| {
        lines[3] = lines[3].replace("citizen_inquiry", "other");
        lines
    });
    let report = caught_twice(&dir, &key, "records.jsonl").await;
    assert_bad(&report, 8, "hash mismatch");
}

#[tokio::test]
async fn a_deleted_or_cut_jsonl_record_is_caught() {
    let (_tmp, dir, key) = bundle(ExportFormat::Jsonl).await;
    let path = dir.join("records.jsonl");
    let original = std::fs::read_to_string(&path).unwrap();
    let signed = manifest(&dir);
    edit(&path, |mut lines| {
        lines.remove(0);
        lines
    });
    assert_bad(
        &caught_twice(&dir, &key, "records.jsonl").await,
        5,
        "missing",
    );
    std::fs::write(&path, &original).unwrap();
    edit(&path, |mut lines| {
        lines.remove(3);
        lines
    });
    assert_bad(
        &caught_twice(&dir, &key, "records.jsonl").await,
        8,
        "missing",
    );
    std::fs::write(&path, &original).unwrap();
    edit(&path, |mut lines| {
        lines.truncate(8);
        lines
    });
    assert_bad(
        &caught_twice(&dir, &key, "records.jsonl").await,
        13,
        "manifest says 14",
    );
    write_manifest(&dir, &signed, &key);
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
    assert_bad(
        &caught_twice(&dir, &key, "records.csv").await,
        6,
        "hash mismatch",
    );
}

#[tokio::test]
async fn a_forged_checkpoint_is_caught() {
    let (_tmp, dir, key) = bundle(ExportFormat::Jsonl).await;
    edit(&dir.join("checkpoints.jsonl"), |mut lines| {
        lines[1] = lines[1].replace("\"sequence\":10", "\"sequence\":11");
        lines
    });
    let report = caught_twice(&dir, &key, "checkpoints.jsonl").await;
    assert_bad(&report, 11, "signature");
}

/// Cuts the bundle to its first 2 records and empties its checkpoints, fixing up the
/// manifest's range, counts and digests the way the cutter would.
fn cut_tail(dir: &Path) -> Value {
    let path = dir.join("records.jsonl");
    edit(&path, |mut lines| {
        lines.truncate(2);
        lines
    });
    std::fs::write(dir.join("checkpoints.jsonl"), "").unwrap();
    let last: Value = serde_json::from_str(
        std::fs::read_to_string(&path)
            .unwrap()
            .lines()
            .nth(1)
            .unwrap(),
    )
    .unwrap();
    let mut m = manifest(dir);
    m["last_sequence"] = last["sequence"].clone();
    m["last_hash"] = last["hash"].clone();
    m["record_count"] = 2.into();
    m["checkpoint_count"] = 0.into();
    for file in m["files"].as_array_mut().unwrap() {
        let bytes = std::fs::read(dir.join(file["path"].as_str().unwrap())).unwrap();
        file["sha256"] = minwon_audit::manifest::sha256_hex(&bytes).into();
    }
    m
}

#[tokio::test]
async fn a_bundle_cut_at_the_tail_with_its_checkpoints_emptied_is_caught() {
    let (_tmp, dir, key) = bundle(ExportFormat::Jsonl).await;
    let cut = cut_tail(&dir);
    // The cutter cannot sign: the old signature no longer covers the relabelled manifest.
    let bytes = serde_json::to_vec_pretty(&cut).unwrap();
    std::fs::write(dir.join("manifest.json"), &bytes).unwrap();
    assert_refused(
        &check(&dir, &key).await,
        "manifest signature does not verify",
    );
    // Re-signed with another key: refused for the key.
    write_manifest(&dir, &cut, &generate_signing_key());
    assert_refused(&check(&dir, &key).await, "not the given key");
    // Even an exporter holding the key cannot hand out a tail no checkpoint covers.
    write_manifest(&dir, &cut, &key);
    assert_bad(
        &check(&dir, &key).await,
        5,
        "2 records and no checkpoint covers any of them",
    );
}

#[tokio::test]
async fn a_forged_manifest_is_caught() {
    let (_tmp, dir, key) = bundle(ExportFormat::Jsonl).await;
    let mut m = manifest(&dir);
    m["record_count"] = 9.into();
    write_manifest(&dir, &m, &generate_signing_key());
    assert_refused(&check(&dir, &key).await, "not the given key");
    // A count that disagrees with the records is refused even under the real key.
    write_manifest(&dir, &m, &key);
    assert_bad(&check(&dir, &key).await, 14, "manifest says 9");
    let mut m = manifest(&dir);
    m["record_count"] = 10.into();
    m["checkpoint_count"] = 2.into();
    write_manifest(&dir, &m, &key);
    assert_refused(
        &check(&dir, &key).await,
        "3 checkpoints but its manifest says 2",
    );
    m["checkpoint_count"] = 3.into();
    m["last_hash"] = "ab".repeat(32).into();
    write_manifest(&dir, &m, &key);
    assert_bad(&check(&dir, &key).await, 14, "last hash");
}

#[tokio::test]
async fn a_missing_or_unsigned_manifest_is_refused() {
    let (_tmp, dir, key) = bundle(ExportFormat::Jsonl).await;
    std::fs::remove_file(dir.join("manifest.sig")).unwrap();
    assert_refused(&check(&dir, &key).await, "no manifest signature");
    std::fs::write(dir.join("manifest.sig"), "not json").unwrap();
    assert_refused(&check(&dir, &key).await, "not a manifest signature");
    std::fs::remove_file(dir.join("manifest.json")).unwrap();
    assert!(verify_bundle(&dir, &key.verifying_key()).await.is_err());
}

#[tokio::test]
async fn a_manifest_path_leaving_the_bundle_is_refused_before_reading_it() {
    let (tmp, dir, key) = bundle(ExportFormat::Jsonl).await;
    // A copy of the real records outside the bundle, which must never be read.
    let outside = tmp.path().join("x");
    std::fs::copy(dir.join("records.jsonl"), &outside).unwrap();
    let original = manifest(&dir);
    for bad in ["../x".to_string(), outside.display().to_string()] {
        let mut m = original.clone();
        m["records_file"] = bad.clone().into();
        m["files"][0]["path"] = bad.clone().into();
        write_manifest(&dir, &m, &key);
        assert_refused(&check(&dir, &key).await, "outside the bundle folder");
        let mut m = original.clone();
        m["files"][1]["path"] = bad.into();
        write_manifest(&dir, &m, &key);
        assert_refused(&check(&dir, &key).await, "outside the bundle folder");
    }
    write_manifest(&dir, &original, &key);
    assert!(check(&dir, &key).await.ok);
}

#[tokio::test]
async fn an_export_is_recorded_first_and_its_bundle_ends_before_its_own_record() {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(&dir.path().join("audit.db")).unwrap();
    let key = generate_signing_key();
    let log = AuditLog::start(Arc::new(store.clone()), GroupCommitConfig::default())
        .await
        .unwrap();
    for i in 1..=5 {
        log.record(draft(i)).await.unwrap();
    }
    let out = dir.path().join("bundle");
    let request = ExportRequest::new(None, None, ExportFormat::Jsonl, &key);
    let mut who = draft(99);
    who.operation = "audit export".into();
    who.subjects = Vec::new();
    let (receipt, manifest) = minwon_audit::export_recorded(&log, who, &request, &out)
        .await
        .unwrap();
    assert_eq!(receipt.sequence, 6);
    assert_eq!(
        manifest.export_audit_id.as_deref(),
        Some(receipt.audit_id.as_str())
    );
    assert_eq!(
        (manifest.last_sequence, manifest.record_count),
        (Some(5), 5)
    );
    let stored = store
        .query(&minwon_audit::RecordFilter::default())
        .await
        .unwrap();
    assert_eq!(stored.len(), 6);
    assert_eq!(stored[5].draft.action, minwon_audit::Action::Export);
    assert_eq!(stored[5].audit_id, receipt.audit_id);
    let report = check(&out, &key).await;
    assert!(report.ok && report.records_checked == 5, "{report:?}");

    // An occupied folder is refused before anything is recorded.
    let again = minwon_audit::export_recorded(&log, draft(100), &request, &out).await;
    assert!(again.is_err());
    assert_eq!(log.store().head().await.unwrap().map(|h| h.0), Some(6));
    log.shutdown().await;
}
