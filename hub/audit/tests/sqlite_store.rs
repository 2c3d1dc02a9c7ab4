//! SqliteStore against the AuditStore contract: round trip, filters, fork refusal,
//! all-or-nothing appends, and detection of a record edited in the file.

mod common;

use chrono::DateTime;
use common::{all_records, draft, sqlite};
use minwon_audit::{
    AccessRecord, AuditError, AuditStore, GENESIS_HASH, Outcome, RecordFilter, seal, verify_chain,
    verify_store,
};

/// Records `from..=to` chained after `prev`, drafts from `common::draft`.
fn chained(from: u64, to: u64, prev: &str) -> Vec<AccessRecord> {
    let mut prev = prev.to_string();
    (from..=to)
        .map(|seq| {
            let r = seal(seq, &prev, draft(seq));
            prev.clone_from(&r.hash);
            r
        })
        .collect()
}

fn seqs(records: &[AccessRecord]) -> Vec<u64> {
    records.iter().map(|r| r.sequence).collect()
}

#[tokio::test]
async fn appended_records_read_back_identical_and_verify() {
    let (_dir, store) = sqlite();
    assert_eq!(store.head().await.unwrap(), None);
    let mut prev = GENESIS_HASH.to_string();
    let records: Vec<AccessRecord> = (1..=10)
        .map(|seq| {
            let mut d = draft(seq);
            if seq == 4 {
                d.subject = None; // a look-up that named no subject
                d.sources.clear();
            }
            let r = seal(seq, &prev, d);
            prev.clone_from(&r.hash);
            r
        })
        .collect();
    store.append(&records).await.unwrap();
    let stored = all_records(&store).await;
    assert_eq!(stored, records);
    verify_chain(&stored, Some(GENESIS_HASH)).unwrap();
    assert_eq!(
        store.head().await.unwrap(),
        Some((10, records[9].hash.clone()))
    );
    store.ping().await.unwrap();
}

#[tokio::test]
async fn query_filters_by_time_account_subject_purpose_outcome_and_pages() {
    let (_dir, store) = sqlite();
    let mut prev = GENESIS_HASH.to_string();
    let records: Vec<AccessRecord> = (1..=30)
        .map(|seq| {
            let mut d = draft(seq);
            if seq % 4 == 0 {
                d.outcome = Outcome::Denied;
                d.purpose_code = "complaint_followup".into();
            }
            let r = seal(seq, &prev, d);
            prev.clone_from(&r.hash);
            r
        })
        .collect();
    store.append(&records).await.unwrap();
    let q = |f: RecordFilter| {
        let store = store.clone();
        async move { seqs(&store.query(&f).await.unwrap()) }
    };

    // draft(n) is at 1_700_000_000 s + n s; `from` inclusive, `to` exclusive.
    let at = |n: i64| DateTime::from_timestamp(1_700_000_000 + n, 0).unwrap();
    let range = q(RecordFilter {
        from: Some(at(5)),
        to: Some(at(9)),
        ..Default::default()
    })
    .await;
    assert_eq!(range, vec![5, 6, 7, 8]);

    let account = q(RecordFilter {
        account: Some("counselor01".into()),
        ..Default::default()
    })
    .await;
    assert_eq!(account, (1..=30).filter(|n| n % 3 == 1).collect::<Vec<_>>());

    let subject = q(RecordFilter {
        subject_hmac: Some(format!("{:064x}", 2)),
        ..Default::default()
    })
    .await;
    assert_eq!(subject, vec![2, 7, 12, 17, 22, 27]);

    let denied = q(RecordFilter {
        outcome: Some(Outcome::Denied),
        ..Default::default()
    })
    .await;
    assert_eq!(denied, vec![4, 8, 12, 16, 20, 24, 28]);

    let purpose = q(RecordFilter {
        purpose_code: Some("complaint_followup".into()),
        ..Default::default()
    })
    .await;
    assert_eq!(purpose, denied);

    let page1 = q(RecordFilter {
        limit: 7,
        ..Default::default()
    })
    .await;
    assert_eq!(page1, (1..=7).collect::<Vec<_>>());
    let page2 = q(RecordFilter {
        after_sequence: 7,
        limit: 7,
        ..Default::default()
    })
    .await;
    assert_eq!(page2, (8..=14).collect::<Vec<_>>());

    let combined = q(RecordFilter {
        from: Some(at(10)),
        outcome: Some(Outcome::Denied),
        after_sequence: 12,
        limit: 2,
        ..Default::default()
    })
    .await;
    assert_eq!(combined, vec![16, 20]);

    assert!(
        q(RecordFilter {
            limit: 0,
            ..Default::default()
        })
        .await
        .is_empty()
    );
    assert!(
        q(RecordFilter {
            after_sequence: u64::MAX,
            ..Default::default()
        })
        .await
        .is_empty()
    );
}

#[tokio::test]
async fn an_append_that_does_not_continue_the_head_is_refused_and_writes_nothing() {
    let (_dir, store) = sqlite();
    let first = chained(1, 3, GENESIS_HASH);
    store.append(&first).await.unwrap();
    let head = store.head().await.unwrap();

    // A second writer that still believes the trail is empty forks at sequence 1.
    let fork = chained(1, 2, GENESIS_HASH);
    assert!(matches!(
        store.append(&fork).await,
        Err(AuditError::Conflict { sequence: 1, .. })
    ));
    // Right sequence, wrong predecessor.
    let wrong_prev = chained(4, 5, GENESIS_HASH);
    assert!(matches!(
        store.append(&wrong_prev).await,
        Err(AuditError::Conflict { sequence: 4, .. })
    ));
    // A gap.
    let gap = chained(5, 6, &first[2].hash);
    assert!(matches!(
        store.append(&gap).await,
        Err(AuditError::Conflict { sequence: 5, .. })
    ));
    // A batch broken inside is refused whole (all or nothing).
    let mut broken = chained(4, 6, &first[2].hash);
    broken[2].draft.account = "someone-else".into();
    assert!(matches!(
        store.append(&broken).await,
        Err(AuditError::Corrupt { sequence: 6, .. })
    ));

    assert_eq!(store.head().await.unwrap(), head);
    assert_eq!(all_records(&store).await.len(), 3);
    store.append(&[]).await.unwrap();
    store.append(&chained(4, 6, &first[2].hash)).await.unwrap();
    verify_chain(&all_records(&store).await, Some(GENESIS_HASH)).unwrap();
}

#[tokio::test]
async fn a_record_edited_in_the_file_is_caught_by_verification() {
    let (dir, store) = sqlite();
    store.append(&chained(1, 5, GENESIS_HASH)).await.unwrap();
    let conn = rusqlite::Connection::open(dir.path().join("audit.db")).unwrap();
    conn.execute_batch(
        "DROP TRIGGER access_record_no_update;
         UPDATE access_record SET purpose_code = 'other' WHERE sequence = 3;",
    )
    .unwrap();
    let err = verify_chain(&all_records(&store).await, Some(GENESIS_HASH)).unwrap_err();
    assert!(
        matches!(err, AuditError::Corrupt { sequence: 3, .. }),
        "{err:?}"
    );
}

#[tokio::test]
async fn an_unreadable_row_is_reported_as_corrupt_not_skipped() {
    let (dir, store) = sqlite();
    store.append(&chained(1, 2, GENESIS_HASH)).await.unwrap();
    let conn = rusqlite::Connection::open(dir.path().join("audit.db")).unwrap();
    conn.execute_batch(
        "DROP TRIGGER access_record_no_update;
         UPDATE access_record SET action = 'delete' WHERE sequence = 2;",
    )
    .unwrap();
    let err = store.query(&RecordFilter::default()).await.unwrap_err();
    assert!(
        matches!(err, AuditError::Corrupt { sequence: 2, .. }),
        "{err:?}"
    );
}

#[tokio::test]
async fn verify_store_pages_through_the_whole_trail_and_names_the_first_bad_record() {
    let (dir, store) = sqlite();
    assert_eq!(verify_store(&store, 4).await.unwrap(), 0);
    store.append(&chained(1, 10, GENESIS_HASH)).await.unwrap();
    assert_eq!(verify_store(&store, 4).await.unwrap(), 10);
    assert_eq!(verify_store(&store, 1000).await.unwrap(), 10);

    let conn = rusqlite::Connection::open(dir.path().join("audit.db")).unwrap();
    conn.execute_batch(
        "DROP TRIGGER access_record_no_delete;
         DELETE FROM access_record WHERE sequence = 5;",
    )
    .unwrap();
    // Record 5 is gone; with pages of 4 the gap falls on a page boundary.
    let err = verify_store(&store, 4).await.unwrap_err();
    assert!(
        matches!(err, AuditError::Corrupt { sequence: 6, .. }),
        "{err:?}"
    );
    let err = verify_store(&store, 3).await.unwrap_err();
    assert!(
        matches!(err, AuditError::Corrupt { sequence: 6, .. }),
        "{err:?}"
    );
}
