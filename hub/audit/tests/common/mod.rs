//! Shared helpers for the integration tests: draft builders and a store wrapper that counts
//! appends and fails on demand.

#![allow(dead_code)] // each test binary uses a different subset

pub mod harness;
pub mod legacy;
pub mod suite;
pub mod tamper;

use async_trait::async_trait;
use chrono::DateTime;
use minwon_audit::{
    AccessRecord, Action, AuditError, AuditStore, Checkpoint, Outcome, RecordDraft, RecordFilter,
    SqliteStore, Subject, seal,
};
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::time::Duration;

/// A plausible draft; `n` varies the time (one second apart), account, subject and trace id.
pub fn draft(n: u64) -> RecordDraft {
    RecordDraft {
        time: DateTime::from_timestamp_millis(1_700_000_000_000 + n as i64 * 1000).unwrap(),
        account: format!("counselor{:02}", n % 3),
        role: "counselor".into(),
        department: "민원여권과".into(),
        channel: "desktop".into(),
        client_address: "10.0.0.7".into(),
        operation: "GetCitizenOverview".into(),
        action: Action::View,
        // Two subjects, so a query must find a record by either: its RRN, and a plate every
        // third record shares.
        subjects: vec![
            Subject {
                kind: "rrn".into(),
                hmac: format!("{:064x}", n % 5),
                masked: "900101-1******".into(),
            },
            Subject {
                kind: "vehicle_number".into(),
                hmac: format!("{:064x}", 0x100 + n % 3),
                masked: "12가****".into(),
            },
        ],
        sources: vec!["saeol".into(), "tax".into()],
        clear_fields: vec!["name".into()],
        purpose_code: "citizen_inquiry".into(),
        purpose_note: "전화 문의".into(),
        outcome: Outcome::Allowed,
        trace_id: format!("{n:032x}"),
    }
}

/// Records `from..=to` chained after `prev`, drafts from [`draft`].
pub fn chained(from: u64, to: u64, prev: &str) -> Vec<AccessRecord> {
    let mut prev = prev.to_string();
    (from..=to)
        .map(|seq| {
            let r = seal(seq, &prev, draft(seq));
            prev.clone_from(&r.hash);
            r
        })
        .collect()
}

/// The sequences of `records`.
pub fn seqs(records: &[AccessRecord]) -> Vec<u64> {
    records.iter().map(|r| r.sequence).collect()
}

/// Plain SQL INSERTs of one record and its subjects (SQLite and PostgreSQL alike), bypassing
/// the store; `;`-separated statements, for `TestDb::sql`.
pub fn insert_sql(r: &AccessRecord) -> String {
    let q = |s: &str| format!("'{}'", s.replace('\'', "''"));
    let d = &r.draft;
    let json = |l: &Vec<String>| q(&serde_json::to_string(l).unwrap());
    let mut sql = format!(
        "INSERT INTO access_record (sequence, audit_id, time_ms, account, role, department, \
         channel, client_address, operation, action, sources, clear_fields, purpose_code, \
         purpose_note, outcome, trace_id, prev_hash, hash) VALUES \
         ({}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {})",
        r.sequence,
        q(&r.audit_id),
        d.time.timestamp_millis(),
        q(&d.account),
        q(&d.role),
        q(&d.department),
        q(&d.channel),
        q(&d.client_address),
        q(&d.operation),
        q(d.action.as_str()),
        json(&d.sources),
        json(&d.clear_fields),
        q(&d.purpose_code),
        q(&d.purpose_note),
        q(d.outcome.as_str()),
        q(&d.trace_id),
        q(&r.prev_hash),
        q(&r.hash),
    );
    for (ordinal, s) in d.subjects.iter().enumerate() {
        sql.push_str(&format!(
            ";\nINSERT INTO access_subject (sequence, ordinal, kind, hmac, masked) \
             VALUES ({}, {ordinal}, {}, {}, {})",
            r.sequence,
            q(&s.kind),
            q(&s.hmac),
            q(&s.masked)
        ));
    }
    sql
}

/// Generates one `#[tokio::test]` per suite test for the database `$make` returns
/// (`async fn() -> Option<impl TestDb>`; `None` = skipped, already announced).
#[allow(unused_macros)] // used by the store_* test binaries only
macro_rules! store_suite {
    ($make:path) => {
        common::store_suite!(@tests $make;
            suite::appended_records_read_back_identical_and_verify,
            suite::query_filters_by_time_account_subject_purpose_outcome_and_pages,
            suite::query_filters_by_role_department_channel_source_operation_and_action,
            suite::a_months_review_reads_its_kst_month_and_later_sign_offs,
            suite::an_append_that_does_not_continue_the_head_is_refused_and_writes_nothing,
            suite::a_sealed_append_still_checks_the_head_the_links_and_the_sequences,
            suite::records_and_checkpoints_cannot_be_changed_through_sql,
            suite::checkpoints_are_stored_and_must_match_a_stored_record,
            suite::an_unreadable_row_is_reported_as_corrupt_not_skipped,
            suite::verify_store_pages_through_the_whole_trail_and_names_the_first_bad_record,
            suite::two_logs_on_two_store_instances_make_one_chain,
            suite::a_head_moved_by_an_honest_writer_is_accepted,
            suite::a_head_rewritten_under_a_running_writer_fails_closed,
            tamper::tamper_changed_field_is_caught,
            tamper::tamper_changed_removed_or_moved_subject_is_caught,
            tamper::tamper_deleted_record_is_caught,
            tamper::tamper_inserted_record_is_caught,
            tamper::tamper_swapped_records_are_caught,
            tamper::tamper_cut_tail_is_caught_by_the_checkpoints,
            tamper::tamper_recomputed_chain_is_caught_by_a_signed_checkpoint,
            tamper::an_exported_range_verifies_offline_in_both_formats
        );
    };
    (@tests $make:path; $($module:ident :: $name:ident),* $(,)?) => {
        $(
            #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn $name() {
                let Some(db) = $make().await else { return };
                common::$module::$name(&db).await;
            }
        )*
    };
}
#[allow(unused_imports)]
pub(crate) use store_suite;

/// A fresh SQLite store in a temporary directory (keep the dir alive as long as the store).
/// `SqliteStore` is a cheap handle on a shared pool: clone it to wrap it and still inspect it.
pub fn sqlite() -> (tempfile::TempDir, SqliteStore) {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(&dir.path().join("audit.db")).unwrap();
    (dir, store)
}

/// Every stored record, in order.
pub async fn all_records(store: &dyn AuditStore) -> Vec<AccessRecord> {
    store
        .query(&RecordFilter {
            limit: usize::MAX,
            ..RecordFilter::default()
        })
        .await
        .unwrap()
}

/// Wraps a store: counts `append` calls, fails every call while `failing` is set, and can
/// slow appends down (as a slow disk would) so callers pile up behind one commit.
pub struct FaultyStore<S> {
    pub inner: S,
    pub appends: AtomicUsize,
    pub failing: AtomicBool,
    pub append_delay_ms: AtomicU64,
}

impl<S> FaultyStore<S> {
    pub fn new(inner: S) -> Self {
        FaultyStore {
            inner,
            appends: AtomicUsize::new(0),
            failing: AtomicBool::new(false),
            append_delay_ms: AtomicU64::new(0),
        }
    }

    pub fn with_append_delay(self, delay: Duration) -> Self {
        self.append_delay_ms
            .store(delay.as_millis() as u64, Ordering::SeqCst);
        self
    }

    pub fn set_failing(&self, failing: bool) {
        self.failing.store(failing, Ordering::SeqCst);
    }

    pub fn appends(&self) -> usize {
        self.appends.load(Ordering::SeqCst)
    }

    fn check(&self) -> Result<(), AuditError> {
        if self.failing.load(Ordering::SeqCst) {
            Err(AuditError::Unavailable("injected failure".into()))
        } else {
            Ok(())
        }
    }
}

#[async_trait]
impl<S: AuditStore> AuditStore for FaultyStore<S> {
    async fn append(&self, records: &[AccessRecord]) -> Result<(), AuditError> {
        self.appends.fetch_add(1, Ordering::SeqCst);
        let delay = self.append_delay_ms.load(Ordering::SeqCst);
        if delay > 0 {
            tokio::time::sleep(Duration::from_millis(delay)).await;
        }
        self.check()?;
        self.inner.append(records).await
    }

    async fn head(&self) -> Result<Option<(u64, String)>, AuditError> {
        self.check()?;
        self.inner.head().await
    }

    async fn query(&self, filter: &RecordFilter) -> Result<Vec<AccessRecord>, AuditError> {
        self.check()?;
        self.inner.query(filter).await
    }

    async fn ping(&self) -> Result<(), AuditError> {
        self.check()?;
        self.inner.ping().await
    }

    async fn append_checkpoint(&self, checkpoint: &Checkpoint) -> Result<(), AuditError> {
        self.check()?;
        self.inner.append_checkpoint(checkpoint).await
    }

    async fn checkpoints(&self, from: u64) -> Result<Vec<Checkpoint>, AuditError> {
        self.check()?;
        self.inner.checkpoints(from).await
    }
}
