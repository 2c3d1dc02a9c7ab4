//! The store suite: every test here runs against SQLite and PostgreSQL (see `store_suite!`).

use super::harness::TestDb;
use super::{all_records, chained, draft, insert_sql, seqs};
use chrono::DateTime;
use minwon_audit::{
    Action, AuditError, AuditLog, Checkpoint, GENESIS_HASH, GroupCommitConfig, Outcome,
    RecordFilter, Subject, seal, verify_chain, verify_store,
};
use std::sync::Arc;

pub async fn appended_records_read_back_identical_and_verify(db: &dyn TestDb) {
    let store = db.store();
    assert_eq!(store.head().await.unwrap(), None);
    let mut records = chained(1, 10, GENESIS_HASH);
    // A look-up that named no subject and consulted no source, and Korean/odd text.
    let mut d = draft(4);
    d.subjects.clear();
    d.sources.clear();
    d.purpose_note = "민원 \"인용\", 쉼표\n줄바꿈 '따옴표' \\ 역슬래시".into();
    records[3] = seal(4, &records[2].hash, d);
    // One subject without kind, as older builds wrote (format v1), and three subjects.
    records[5].draft.subjects.truncate(1);
    records[5].draft.subjects[0].kind.clear();
    records[6].draft.subjects.push(Subject {
        kind: "water_customer_no".into(),
        hmac: "ab".repeat(32),
        masked: "2024****".into(),
    });
    let tail: Vec<_> = records[4..].iter().map(|r| r.draft.clone()).collect();
    let mut prev = records[3].hash.clone();
    for (i, d) in tail.into_iter().enumerate() {
        records[4 + i] = seal(5 + i as u64, &prev, d);
        prev.clone_from(&records[4 + i].hash);
    }
    store.append(&records).await.unwrap();
    let stored = all_records(store.as_ref()).await;
    assert_eq!(stored, records);
    verify_chain(&stored, Some(GENESIS_HASH)).unwrap();
    assert_eq!(
        store.head().await.unwrap(),
        Some((10, records[9].hash.clone()))
    );
    store.ping().await.unwrap();
}

pub async fn query_filters_by_time_account_subject_purpose_outcome_and_pages(db: &dyn TestDb) {
    let store = db.store();
    let mut prev = GENESIS_HASH.to_string();
    let records: Vec<_> = (1..=30)
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
        let store = Arc::clone(&store);
        async move { seqs(&store.query(&f).await.unwrap()) }
    };
    let at = |n: i64| DateTime::from_timestamp(1_700_000_000 + n, 0).unwrap();
    let all = RecordFilter::default;
    let range = q(RecordFilter {
        from: Some(at(5)),
        to: Some(at(9)),
        ..all()
    })
    .await;
    assert_eq!(range, vec![5, 6, 7, 8]);
    let account = q(RecordFilter {
        account: Some("counselor01".into()),
        ..all()
    })
    .await;
    assert_eq!(account, (1..=30).filter(|n| n % 3 == 1).collect::<Vec<_>>());
    // Every record names two subjects; each finds it, both together narrow it down.
    let rrn = format!("{:064x}", 2);
    let plate = format!("{:064x}", 0x101);
    let subject = q(RecordFilter {
        subject_hmacs: vec![rrn.clone()],
        ..all()
    })
    .await;
    assert_eq!(subject, vec![2, 7, 12, 17, 22, 27]);
    let second = q(RecordFilter {
        subject_hmacs: vec![plate.clone()],
        ..all()
    })
    .await;
    assert_eq!(second, (1..=30).filter(|n| n % 3 == 1).collect::<Vec<_>>());
    let both = q(RecordFilter {
        subject_hmacs: vec![rrn, plate.clone()],
        ..all()
    })
    .await;
    assert_eq!(both, vec![7, 22]);
    // Paging counts records, not their subjects.
    let paged = q(RecordFilter {
        subject_hmacs: vec![plate],
        after_sequence: 4,
        limit: 3,
        ..all()
    })
    .await;
    assert_eq!(paged, vec![7, 10, 13]);
    let nobody = q(RecordFilter {
        subject_hmacs: vec!["f".repeat(64)],
        ..all()
    })
    .await;
    assert!(nobody.is_empty());
    let denied = q(RecordFilter {
        outcome: Some(Outcome::Denied),
        ..all()
    })
    .await;
    assert_eq!(denied, vec![4, 8, 12, 16, 20, 24, 28]);
    let purpose = q(RecordFilter {
        purpose_code: Some("complaint_followup".into()),
        ..all()
    });
    assert_eq!(purpose.await, denied);
    let page1 = q(RecordFilter { limit: 7, ..all() }).await;
    assert_eq!(page1, (1..=7).collect::<Vec<_>>());
    let page2 = q(RecordFilter {
        after_sequence: 7,
        limit: 7,
        ..all()
    })
    .await;
    assert_eq!(page2, (8..=14).collect::<Vec<_>>());
    let combined = q(RecordFilter {
        from: Some(at(10)),
        outcome: Some(Outcome::Denied),
        after_sequence: 12,
        limit: 2,
        ..all()
    })
    .await;
    assert_eq!(combined, vec![16, 20]);
    assert!(q(RecordFilter { limit: 0, ..all() }).await.is_empty());
    assert!(
        q(RecordFilter {
            after_sequence: u64::MAX,
            ..all()
        })
        .await
        .is_empty()
    );
}

pub async fn query_filters_by_role_department_channel_source_operation_and_action(db: &dyn TestDb) {
    let store = db.store();
    let mut prev = GENESIS_HASH.to_string();
    let records: Vec<_> = (1..=12)
        .map(|seq| {
            let mut d = draft(seq);
            match seq % 4 {
                0 => {
                    d.role = "auditor".into();
                    d.department = "감사담당관".into();
                    d.operation = "QueryAccessRecords".into();
                    d.sources.clear();
                }
                1 => {
                    d.channel = "sms".into();
                    // "tax" must match the element, not a substring of another source.
                    d.sources = vec!["taxi".into(), "water".into()];
                }
                2 => d.action = Action::Export,
                _ => {}
            }
            let r = seal(seq, &prev, d);
            prev.clone_from(&r.hash);
            r
        })
        .collect();
    store.append(&records).await.unwrap();
    let q = |f: RecordFilter| {
        let store = Arc::clone(&store);
        async move { seqs(&store.query(&f).await.unwrap()) }
    };
    let all = RecordFilter::default;
    let auditors = q(RecordFilter {
        role: Some("auditor".into()),
        ..all()
    });
    assert_eq!(auditors.await, vec![4, 8, 12]);
    let department = q(RecordFilter {
        department: Some("감사담당관".into()),
        ..all()
    });
    assert_eq!(department.await, vec![4, 8, 12]);
    let sms = q(RecordFilter {
        channel: Some("sms".into()),
        ..all()
    });
    assert_eq!(sms.await, vec![1, 5, 9]);
    let tax = q(RecordFilter {
        source: Some("tax".into()),
        ..all()
    });
    assert_eq!(tax.await, vec![2, 3, 6, 7, 10, 11]);
    let water = q(RecordFilter {
        source: Some("water".into()),
        ..all()
    });
    assert_eq!(water.await, vec![1, 5, 9]);
    let operation = q(RecordFilter {
        operation: Some("QueryAccessRecords".into()),
        ..all()
    });
    assert_eq!(operation.await, vec![4, 8, 12]);
    let exports = q(RecordFilter {
        action: Some(Action::Export),
        ..all()
    });
    assert_eq!(exports.await, vec![2, 6, 10]);
    let combined = q(RecordFilter {
        source: Some("tax".into()),
        action: Some(Action::View),
        account: Some("counselor01".into()),
        ..all()
    });
    assert_eq!(combined.await, vec![7]);
}

pub async fn an_append_that_does_not_continue_the_head_is_refused_and_writes_nothing(
    db: &dyn TestDb,
) {
    let store = db.store();
    let first = chained(1, 3, GENESIS_HASH);
    store.append(&first).await.unwrap();
    let head = store.head().await.unwrap();
    let conflict_at = |r: Result<(), AuditError>, s: u64| {
        assert!(
            matches!(r, Err(AuditError::Conflict { sequence, .. }) if sequence == s),
            "{r:?}"
        )
    };
    // A second writer that still believes the trail is empty forks at sequence 1.
    conflict_at(store.append(&chained(1, 2, GENESIS_HASH)).await, 1);
    // Right sequence, wrong predecessor; then a gap.
    conflict_at(store.append(&chained(4, 5, GENESIS_HASH)).await, 4);
    conflict_at(store.append(&chained(5, 6, &first[2].hash)).await, 5);
    // A batch broken inside is refused whole (all or nothing).
    let mut broken = chained(4, 6, &first[2].hash);
    broken[2].draft.account = "someone-else".into();
    let result = store.append(&broken).await;
    assert!(
        matches!(result, Err(AuditError::Corrupt { sequence: 6, .. })),
        "{result:?}"
    );

    assert_eq!(store.head().await.unwrap(), head);
    assert_eq!(all_records(store.as_ref()).await.len(), 3);
    store.append(&[]).await.unwrap();
    store.append(&chained(4, 6, &first[2].hash)).await.unwrap();
    verify_chain(&all_records(store.as_ref()).await, Some(GENESIS_HASH)).unwrap();
}

/// The writer's own path: `append_sealed` skips recomputing hashes, never the head check or
/// the links, and keeps all or nothing.
pub async fn a_sealed_append_still_checks_the_head_the_links_and_the_sequences(db: &dyn TestDb) {
    let store = db.store();
    let first = chained(1, 3, GENESIS_HASH);
    store.append_sealed(&first).await.unwrap();
    let head = store.head().await.unwrap();
    // Stale head: a fork at 1, a wrong predecessor at 4, a gap at 5.
    for (batch, at) in [
        (chained(1, 2, GENESIS_HASH), 1),
        (chained(4, 5, GENESIS_HASH), 4),
        (chained(5, 6, &first[2].hash), 5),
    ] {
        let r = store.append_sealed(&batch).await;
        assert!(
            matches!(r, Err(AuditError::Conflict { sequence, .. }) if sequence == at),
            "{r:?}"
        );
    }
    // Broken inside: a record that does not link to the one before it, then a repeated
    // sequence number.
    let mut unlinked = chained(4, 6, &first[2].hash);
    unlinked[2].prev_hash = unlinked[0].hash.clone();
    let mut repeated = chained(4, 6, &first[2].hash);
    repeated[2].sequence = 5;
    for batch in [unlinked, repeated] {
        let r = store.append_sealed(&batch).await;
        assert!(
            matches!(r, Err(AuditError::Corrupt { sequence, .. }) if sequence >= 5),
            "{r:?}"
        );
    }
    assert_eq!(store.head().await.unwrap(), head);
    assert_eq!(all_records(store.as_ref()).await.len(), 3);
    store
        .append_sealed(&chained(4, 6, &first[2].hash))
        .await
        .unwrap();
    verify_chain(&all_records(store.as_ref()).await, Some(GENESIS_HASH)).unwrap();
}

pub async fn records_and_checkpoints_cannot_be_changed_through_sql(db: &dyn TestDb) {
    let store = db.store();
    let records = chained(1, 2, GENESIS_HASH);
    store.append(&records).await.unwrap();
    let key = minwon_audit::keys::generate_signing_key();
    store
        .append_checkpoint(&Checkpoint::sign(&key, 2, &records[1].hash, 1))
        .await
        .unwrap();
    for sql in [
        "UPDATE access_record SET account = 'x'",
        "DELETE FROM access_record",
        "UPDATE audit_checkpoint SET sequence = 1",
        "DELETE FROM audit_checkpoint",
        "UPDATE access_subject SET masked = 'x'",
        "DELETE FROM access_subject",
        // A subject for a record that does not exist.
        "INSERT INTO access_subject (sequence, ordinal, kind, hmac, masked) \
         VALUES (99, 0, 'rrn', 'x', 'y')",
    ] {
        assert!(db.try_sql(sql).await.is_err(), "{sql} was allowed");
    }
    // Defence in depth, past the store's head check: a record that does not link to its
    // predecessor (a fork off record 1, a gap after record 2) is refused by the database.
    let fork = seal(3, &records[0].hash, draft(3));
    let gap = seal(4, &records[1].hash, draft(4));
    for (what, record) in [("fork", &fork), ("gap", &gap)] {
        assert!(
            db.try_sql(&insert_sql(record)).await.is_err(),
            "{what} was allowed"
        );
    }
    assert_eq!(all_records(store.as_ref()).await, records);
    // The same raw insert of the true successor goes in: the refusals above were the link.
    let next = seal(3, &records[1].hash, draft(3));
    db.try_sql(&insert_sql(&next)).await.unwrap();
    assert_eq!(store.head().await.unwrap(), Some((3, next.hash.clone())));
}

pub async fn checkpoints_are_stored_and_must_match_a_stored_record(db: &dyn TestDb) {
    let store = db.store();
    let records = chained(1, 6, GENESIS_HASH);
    store.append(&records).await.unwrap();
    let key = minwon_audit::keys::generate_signing_key();
    let cp3 = Checkpoint::sign(&key, 3, &records[2].hash, 1_700_000_000_000);
    let cp6 = Checkpoint::sign(&key, 6, &records[5].hash, 1_700_000_000_500);
    store.append_checkpoint(&cp6).await.unwrap();
    store.append_checkpoint(&cp3).await.unwrap();
    assert_eq!(
        store.checkpoints(0).await.unwrap(),
        vec![cp3.clone(), cp6.clone()]
    );
    assert_eq!(store.checkpoints(4).await.unwrap(), vec![cp6]);
    for bad in [
        Checkpoint::sign(&key, 4, &records[2].hash, 1),
        Checkpoint::sign(&key, 7, &records[5].hash, 1),
    ] {
        let result = store.append_checkpoint(&bad).await;
        assert!(
            matches!(result, Err(AuditError::Conflict { .. })),
            "{result:?}"
        );
    }
}

pub async fn an_unreadable_row_is_reported_as_corrupt_not_skipped(db: &dyn TestDb) {
    let store = db.store();
    store.append(&chained(1, 2, GENESIS_HASH)).await.unwrap();
    db.unlock().await;
    db.sql("UPDATE access_record SET action = 'delete' WHERE sequence = 2")
        .await;
    let err = store.query(&RecordFilter::default()).await.unwrap_err();
    assert!(
        matches!(err, AuditError::Corrupt { sequence: 2, .. }),
        "{err:?}"
    );
}

pub async fn verify_store_pages_through_the_whole_trail_and_names_the_first_bad_record(
    db: &dyn TestDb,
) {
    let store = db.store();
    assert_eq!(verify_store(store.as_ref(), 4).await.unwrap(), 0);
    store.append(&chained(1, 10, GENESIS_HASH)).await.unwrap();
    assert_eq!(verify_store(store.as_ref(), 4).await.unwrap(), 10);
    assert_eq!(verify_store(store.as_ref(), 1000).await.unwrap(), 10);
    db.unlock().await;
    db.sql("DELETE FROM access_record WHERE sequence = 5").await;
    for page in [4, 3] {
        let err = verify_store(store.as_ref(), page).await.unwrap_err();
        assert!(
            matches!(err, AuditError::Corrupt { sequence: 6, .. }),
            "{err:?}"
        );
    }
}

pub async fn two_logs_on_two_store_instances_make_one_chain(db: &dyn TestDb) {
    let (one, two) = (db.store(), db.another_store().await);
    let config = GroupCommitConfig::default();
    let a = Arc::new(AuditLog::start(one, config).await.unwrap());
    let b = Arc::new(AuditLog::start(two, config).await.unwrap());
    let spawn_all = |log: &Arc<AuditLog>, base: u64| {
        (1..=100)
            .map(|i| {
                let log = Arc::clone(log);
                tokio::spawn(async move { log.record(draft(base + i)).await })
            })
            .collect::<Vec<_>>()
    };
    let (ta, tb) = (spawn_all(&a, 0), spawn_all(&b, 1000));
    let mut receipts = Vec::new();
    for task in ta.into_iter().chain(tb) {
        receipts.push(task.await.unwrap().expect("every record is committed"));
    }
    let mut sequences: Vec<u64> = receipts.iter().map(|r| r.sequence).collect();
    sequences.sort_unstable();
    assert_eq!(sequences, (1..=200).collect::<Vec<_>>());
    assert_eq!(verify_store(db.store().as_ref(), 64).await.unwrap(), 200);
    let stored = all_records(db.store().as_ref()).await;
    for receipt in &receipts {
        assert_eq!(
            stored[receipt.sequence as usize - 1].audit_id,
            receipt.audit_id
        );
    }
    a.shutdown().await;
    b.shutdown().await;
}

/// Another writer's honest append is accepted: the writer re-reads the head, proves it
/// continues the one it knew, and chains on.
pub async fn a_head_moved_by_an_honest_writer_is_accepted(db: &dyn TestDb) {
    let config = GroupCommitConfig::default();
    let a = AuditLog::start(db.store(), config).await.unwrap();
    for i in 1..=3 {
        a.record(draft(i)).await.unwrap();
    }
    let b = AuditLog::start(db.another_store().await, config)
        .await
        .unwrap();
    assert_eq!(b.record(draft(4)).await.unwrap().sequence, 4);
    assert_eq!(b.record(draft(5)).await.unwrap().sequence, 5);
    // `a` still believes the head is 3: its append conflicts, it checks 3..=5 and chains on.
    assert_eq!(a.record(draft(6)).await.unwrap().sequence, 6);
    assert_eq!(a.integrity_failure(), None);
    assert_eq!(verify_store(db.store().as_ref(), 64).await.unwrap(), 6);
    a.shutdown().await;
    b.shutdown().await;
}

/// History rewritten under a running writer (the head record changed and re-hashed with raw
/// SQL): the writer's re-read head no longer continues the one it knew, so it fails closed —
/// this and every later record is refused with a typed integrity error, nothing is appended.
pub async fn a_head_rewritten_under_a_running_writer_fails_closed(db: &dyn TestDb) {
    let log = AuditLog::start(db.store(), GroupCommitConfig::default())
        .await
        .unwrap();
    let mut watch = log.integrity_watch();
    for i in 1..=3 {
        log.record(draft(i)).await.unwrap();
    }
    let stored = all_records(db.store().as_ref()).await;
    let mut changed = stored[2].draft.clone();
    changed.account = "someone-else".into();
    let forged = seal(3, &stored[1].hash, changed);
    db.unlock().await;
    db.sql(&format!(
        "UPDATE access_record SET account = 'someone-else', hash = '{}', audit_id = '{}' \
         WHERE sequence = 3",
        forged.hash, forged.audit_id
    ))
    .await;
    // The next append conflicts (the stored head hash moved), which forces the re-read.
    for i in 4..=5 {
        let err = log.record(draft(i)).await.unwrap_err();
        assert!(
            matches!(err, AuditError::Integrity { sequence: 3, .. }),
            "{err}"
        );
    }
    assert!(matches!(
        log.integrity_failure(),
        Some(AuditError::Integrity { .. })
    ));
    watch.wait_for(Option::is_some).await.unwrap();
    assert_eq!(db.store().head().await.unwrap().map(|h| h.0), Some(3));
    log.shutdown().await;
}

pub async fn a_months_review_reads_its_kst_month_and_later_sign_offs(db: &dyn TestDb) {
    use minwon_audit::kst::Month;
    use minwon_audit::review::{self, ReviewConfig, SIGN_OFF_OPERATION};
    let store = db.store();
    let at = |s: &str| DateTime::parse_from_rfc3339(s).unwrap().to_utc();
    // 31 Oct 15:30Z is 1 Nov 00:30 KST (in); 30 Nov 15:00Z is 1 Dec 00:00 KST (out).
    let times = [
        "2026-10-31T14:59:59Z",
        "2026-10-31T15:30:00Z",
        "2026-11-10T01:00:00Z",
        "2026-11-30T15:00:00Z",
        "2026-12-02T01:00:00Z",
    ];
    let mut prev = GENESIS_HASH.to_string();
    let records: Vec<_> = times
        .iter()
        .enumerate()
        .map(|(i, t)| {
            let mut d = draft(i as u64 + 1);
            d.time = at(t);
            if i == 4 {
                d.operation = SIGN_OFF_OPERATION.into();
                d.subjects.clear();
                d.account = "auditor-01".into();
                d.purpose_note = review::sign_off_note(Month::parse("2026-11").unwrap(), "ok");
            }
            let r = seal(i as u64 + 1, &prev, d);
            prev.clone_from(&r.hash);
            r
        })
        .collect();
    store.append(&records).await.unwrap();
    let month = Month::parse("2026-11").unwrap();
    let (in_month, sign_offs) = review::collect(store.as_ref(), month, 1).await.unwrap();
    assert_eq!(seqs(&in_month), vec![2, 3]);
    let r = review::build(
        month,
        &in_month,
        &sign_offs,
        &ReviewConfig::default(),
        Default::default(),
    );
    assert_eq!(r.records, 2);
    assert_eq!(r.sign_offs.len(), 1);
    assert_eq!(
        (r.sign_offs[0].sequence, r.sign_offs[0].comment.as_str()),
        (5, "ok")
    );
}
