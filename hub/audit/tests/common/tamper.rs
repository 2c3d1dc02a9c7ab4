//! Tamper tests for the store suite: a 20-record trail written by the real writer with a
//! signed checkpoint every 5 records (database and file), then changed with SQL the way an
//! attacker with database rights could (append-only and chain-link triggers dropped first).
//! Verification must catch every change and name the first bad sequence.

use super::harness::TestDb;
use super::{all_records, draft, insert_sql};
use minwon_audit::checkpoint::read_file;
use minwon_audit::keys::generate_signing_key;
use minwon_audit::{
    AuditLog, CheckpointConfig, ExportFormat, ExportRequest, GroupCommitConfig, SigningKey,
    VerifyReport, export, seal, verify_bundle, verify_store_trail,
};
use std::path::PathBuf;

pub struct Trail {
    pub key: SigningKey,
    pub file: PathBuf,
}

/// Writes records 1..=20 through a checkpointing AuditLog and checks they verify.
pub async fn write_trail(db: &dyn TestDb) -> Trail {
    let key = generate_signing_key();
    let file = db.dir().join("checkpoints.jsonl");
    let config = CheckpointConfig {
        every_records: 5,
        every_secs: 0,
        signing_key: key.clone(),
        file: Some(file.clone()),
    };
    let log = AuditLog::start_with_checkpoints(db.store(), GroupCommitConfig::default(), config)
        .await
        .unwrap();
    for i in 1..=20 {
        assert_eq!(log.record(draft(i)).await.unwrap().sequence, i);
    }
    log.shutdown().await;
    let trail = Trail { key, file };
    let report = verify(db, &trail).await;
    assert!(report.ok, "{report:?}");
    assert_eq!(report.records_checked, 20);
    assert_eq!(
        report.checkpoints_checked, 4,
        "5, 10, 15, 20; file copies deduplicated"
    );
    assert_eq!(db.store().checkpoints(0).await.unwrap().len(), 4);
    assert_eq!(read_file(&trail.file).unwrap().len(), 4);
    db.unlock().await;
    trail
}

async fn verify(db: &dyn TestDb, trail: &Trail) -> VerifyReport {
    let from_file = read_file(&trail.file).unwrap();
    verify_store_trail(db.store().as_ref(), &trail.key.verifying_key(), &from_file)
        .await
        .unwrap()
}

fn assert_bad(report: &VerifyReport, sequence: u64, reason: &str) {
    assert!(!report.ok, "{report:?}");
    assert_eq!(report.first_bad_sequence, Some(sequence), "{report:?}");
    let text = report.reason.as_deref().unwrap_or("");
    assert!(text.contains(reason), "reason {text:?} lacks {reason:?}");
}

pub async fn tamper_changed_field_is_caught(db: &dyn TestDb) {
    let trail = write_trail(db).await;
    db.sql("UPDATE access_record SET purpose_code = 'other' WHERE sequence = 7")
        .await;
    assert_bad(&verify(db, &trail).await, 7, "hash mismatch");
}

pub async fn tamper_changed_removed_or_moved_subject_is_caught(db: &dyn TestDb) {
    // Every record names two subjects (see `draft`), each a row of the subject table.
    let trail = write_trail(db).await;
    db.sql("UPDATE access_subject SET masked = '900101-2******' WHERE sequence = 7")
        .await;
    assert_bad(&verify(db, &trail).await, 7, "hash mismatch");

    let trail = write_trail_again(db, trail).await;
    db.sql("DELETE FROM access_subject WHERE sequence = 9 AND ordinal = 1")
        .await;
    assert_bad(&verify(db, &trail).await, 9, "hash mismatch");

    // Re-pointing a subject at another record changes both.
    let trail = write_trail_again(db, trail).await;
    db.sql(
        "UPDATE access_subject SET sequence = 12, ordinal = 2 WHERE sequence = 11 AND ordinal = 1",
    )
    .await;
    assert_bad(&verify(db, &trail).await, 11, "hash mismatch");
    let after = all_records(db.store().as_ref()).await;
    assert_eq!(after[11].draft.subjects.len(), 3);
}

/// Undoes the previous tamper test's damage by rewriting the whole subject table from the
/// records the writer wrote (the tests' drafts), so one trail serves several checks.
async fn write_trail_again(db: &dyn TestDb, trail: Trail) -> Trail {
    let mut sql = String::from("DELETE FROM access_subject;\n");
    for sequence in 1..=20 {
        for (ordinal, s) in draft(sequence).subjects.iter().enumerate() {
            sql.push_str(&format!(
                "INSERT INTO access_subject (sequence, ordinal, kind, hmac, masked) \
                 VALUES ({sequence}, {ordinal}, '{}', '{}', '{}');\n",
                s.kind, s.hmac, s.masked
            ));
        }
    }
    db.sql(&sql).await;
    assert!(verify(db, &trail).await.ok);
    trail
}

pub async fn tamper_deleted_record_is_caught(db: &dyn TestDb) {
    let trail = write_trail(db).await;
    db.sql("DELETE FROM access_record WHERE sequence = 7").await;
    assert_bad(&verify(db, &trail).await, 7, "missing");
}

pub async fn tamper_inserted_record_is_caught(db: &dyn TestDb) {
    let trail = write_trail(db).await;
    let stored = all_records(db.store().as_ref()).await;
    // A forged record 8, correctly linked after 7; the real 8..20 renumbered 9..21.
    let forged = seal(8, &stored[6].hash, draft(99));
    db.sql(&format!(
        "CREATE TEMP TABLE shifted AS SELECT * FROM access_record WHERE sequence > 7;
         CREATE TEMP TABLE shifted_subject AS SELECT * FROM access_subject WHERE sequence > 7;
         DELETE FROM access_subject WHERE sequence > 7;
         DELETE FROM access_record WHERE sequence > 7;
         UPDATE shifted SET sequence = sequence + 1;
         UPDATE shifted_subject SET sequence = sequence + 1;
         INSERT INTO access_record SELECT * FROM shifted;
         INSERT INTO access_subject SELECT * FROM shifted_subject;
         {};",
        insert_sql(&forged)
    ))
    .await;
    // The forged record links correctly; the record after it cannot.
    assert_bad(&verify(db, &trail).await, 9, "link");
}

pub async fn tamper_swapped_records_are_caught(db: &dyn TestDb) {
    let trail = write_trail(db).await;
    db.sql(
        "UPDATE access_record SET sequence = 1000000 WHERE sequence = 7;
         UPDATE access_record SET sequence = 7 WHERE sequence = 8;
         UPDATE access_record SET sequence = 8 WHERE sequence = 1000000;",
    )
    .await;
    assert_bad(&verify(db, &trail).await, 7, "");
}

pub async fn tamper_cut_tail_is_caught_by_the_checkpoints(db: &dyn TestDb) {
    let trail = write_trail(db).await;
    db.sql("DELETE FROM access_record WHERE sequence >= 18")
        .await;
    // The database's own checkpoint at 20 shows the cut.
    assert_bad(&verify(db, &trail).await, 18, "cut from the tail");
    // Cut the database's checkpoints too: only the file outside the database still shows it.
    db.sql("DELETE FROM audit_checkpoint WHERE sequence > 15")
        .await;
    let key = trail.key.verifying_key();
    let db_only = verify_store_trail(db.store().as_ref(), &key, &[])
        .await
        .unwrap();
    assert!(
        db_only.ok,
        "without the file the cut is invisible: {db_only:?}"
    );
    assert_eq!(db_only.records_checked, 17);
    assert_bad(&verify(db, &trail).await, 18, "cut from the tail");
}

pub async fn tamper_recomputed_chain_is_caught_by_a_signed_checkpoint(db: &dyn TestDb) {
    let trail = write_trail(db).await;
    let stored = all_records(db.store().as_ref()).await;
    // Change record 7 and re-seal everything after it: the chain itself verifies again.
    let mut prev = stored[5].hash.clone();
    let mut sql = String::from(
        "DELETE FROM access_subject WHERE sequence >= 7;\n\
         DELETE FROM access_record WHERE sequence >= 7;\n",
    );
    for record in &stored[6..] {
        let mut d = record.draft.clone();
        if record.sequence == 7 {
            d.purpose_code = "other".into();
        }
        let resealed = seal(record.sequence, &prev, d);
        prev.clone_from(&resealed.hash);
        sql.push_str(&insert_sql(&resealed));
        sql.push_str(";\n");
    }
    db.sql(&sql).await;
    minwon_audit::verify_chain(&all_records(db.store().as_ref()).await, None).unwrap();
    assert_bad(&verify(db, &trail).await, 10, "does not pass through");
}

pub async fn an_exported_range_verifies_offline_in_both_formats(db: &dyn TestDb) {
    let trail = write_trail(db).await;
    let key = trail.key.verifying_key();
    let (from, to) = (draft(5).time, draft(15).time);
    for format in [ExportFormat::Jsonl, ExportFormat::Csv] {
        let dir = db.dir().join(format!("bundle-{format:?}"));
        let request = ExportRequest::new(Some(from), Some(to), format, &trail.key);
        let manifest = export(db.store().as_ref(), &request, &dir).await.unwrap();
        assert_eq!(
            (manifest.first_sequence, manifest.last_sequence),
            (Some(5), Some(14))
        );
        // The two stored checkpoints in the range, then the export's own at 14.
        assert_eq!((manifest.record_count, manifest.checkpoint_count), (10, 3));
        let report = verify_bundle(&dir, &key).await.unwrap();
        assert!(report.ok, "{report:?}");
        assert_eq!(
            (report.records_checked, report.checkpoints_checked),
            (10, 3)
        );
        let text = std::fs::read_to_string(dir.join(format.records_file())).unwrap();
        assert!(text.contains("민원여권과"));
        assert_eq!(text.starts_with('\u{feff}'), format == ExportFormat::Csv);
        // A second export into the same directory is refused, not merged.
        assert!(
            export(
                db.store().as_ref(),
                &ExportRequest::new(None, None, format, &trail.key),
                &dir
            )
            .await
            .is_err()
        );
    }
    let whole = db.dir().join("bundle-all");
    let request = ExportRequest::new(None, None, ExportFormat::Csv, &trail.key);
    export(db.store().as_ref(), &request, &whole).await.unwrap();
    let report = verify_bundle(&whole, &key).await.unwrap();
    assert!(report.ok && report.records_checked == 20 && report.checkpoints_checked == 5);
}
