//! AuditLog over real SQLite: batching, fail-closed-then-self-healing, concurrent writers,
//! durability, shutdown, back-pressure, a hung store, the commit delay, and answers matched to
//! their callers when the writer runs on its own thread.

#[path = "group_commit/commit_delay.rs"]
mod commit_delay;
mod common;

use async_trait::async_trait;
use common::{FaultyStore, all_records, draft, sqlite};
use minwon_audit::{
    AccessRecord, AuditError, AuditLog, AuditStore, BlockingAppender, GENESIS_HASH,
    GroupCommitConfig, RecordFilter, SqliteStore, seal, verify_chain,
};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;

async fn record_concurrently(
    log: &Arc<AuditLog>,
    n: u64,
) -> Vec<Result<minwon_audit::Receipt, AuditError>> {
    let tasks: Vec<_> = (1..=n)
        .map(|i| {
            let log = Arc::clone(log);
            tokio::spawn(async move { log.record(draft(i)).await })
        })
        .collect();
    let mut out = Vec::new();
    for t in tasks {
        out.push(t.await.unwrap());
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_records_get_consecutive_sequences_in_fewer_transactions() {
    let (_dir, db) = sqlite();
    let store = Arc::new(FaultyStore::new(db.clone()).with_append_delay(Duration::from_millis(5)));
    let log = Arc::new(
        AuditLog::start(store.clone(), GroupCommitConfig::default())
            .await
            .unwrap(),
    );

    let receipts: Vec<_> = record_concurrently(&log, 200)
        .await
        .into_iter()
        .map(Result::unwrap)
        .collect();

    let mut seqs: Vec<u64> = receipts.iter().map(|r| r.sequence).collect();
    seqs.sort_unstable();
    assert_eq!(seqs, (1..=200).collect::<Vec<_>>());
    let stored = all_records(&db).await;
    assert_eq!(stored.len(), 200);
    verify_chain(&stored, Some(GENESIS_HASH)).unwrap();
    for receipt in &receipts {
        assert_eq!(
            stored[receipt.sequence as usize - 1].audit_id,
            receipt.audit_id
        );
    }
    let appends = store.appends();
    assert!(
        appends < 200,
        "expected batching, got {appends} appends for 200 records"
    );
    log.shutdown().await;
}

#[tokio::test]
async fn a_failing_store_fails_the_batch_then_the_chain_continues_from_the_real_head() {
    let (_dir, db) = sqlite();
    let store = Arc::new(FaultyStore::new(db.clone()));
    let log = Arc::new(
        AuditLog::start(store.clone(), GroupCommitConfig::default())
            .await
            .unwrap(),
    );
    for i in 1..=3 {
        assert_eq!(log.record(draft(i)).await.unwrap().sequence, i);
    }

    store.set_failing(true);
    for result in record_concurrently(&log, 5).await {
        assert!(
            matches!(result, Err(AuditError::Unavailable(_))),
            "{result:?}"
        );
    }
    // While this hub could not write, another writer moved the real head to 5.
    let head = db.head().await.unwrap().unwrap();
    let r4 = seal(4, &head.1, draft(40));
    let r5 = seal(5, &r4.hash, draft(50));
    db.append(&[r4, r5]).await.unwrap();
    // Still failing: the head cannot even be re-read.
    assert!(matches!(
        log.record(draft(6)).await,
        Err(AuditError::Unavailable(_))
    ));

    store.set_failing(false);
    let receipt = log.record(draft(6)).await.unwrap();
    assert_eq!(
        receipt.sequence, 6,
        "continues from the store's head, not the writer's stale one"
    );
    let stored = all_records(&db).await;
    assert_eq!(stored.len(), 6);
    verify_chain(&stored, Some(GENESIS_HASH)).unwrap();
    log.shutdown().await;
}

/// The SQLite writer runs on a thread of its own and hands each committed batch's answers to
/// the callers' runtime as one task. Every caller must still get its own record's receipt,
/// and that record must already be in the store when the receipt arrives.
async fn each_caller_gets_its_own_committed_record() {
    let (_dir, db) = sqlite();
    let store: Arc<dyn AuditStore> = Arc::new(db.clone());
    assert!(
        store.blocking_appender().is_some(),
        "SQLite's writer runs on its own thread"
    );
    let log = Arc::new(
        AuditLog::start(store, GroupCommitConfig::default())
            .await
            .unwrap(),
    );
    let tasks: Vec<_> = (1..=120u64)
        .map(|i| {
            let log = Arc::clone(&log);
            let db = db.clone();
            tokio::spawn(async move {
                let receipt = log.record(draft(i)).await.unwrap();
                let stored = all_records(&db).await;
                let mine = stored
                    .iter()
                    .find(|r| r.sequence == receipt.sequence)
                    .expect("the record is stored when its receipt arrives");
                assert_eq!(mine.audit_id, receipt.audit_id);
                assert_eq!(
                    mine.draft.trace_id,
                    format!("{i:032x}"),
                    "caller {i} got another caller's receipt"
                );
                receipt.sequence
            })
        })
        .collect();
    let mut seqs = Vec::new();
    for t in tasks {
        seqs.push(t.await.unwrap());
    }
    seqs.sort_unstable();
    assert_eq!(seqs, (1..=120).collect::<Vec<_>>());
    log.shutdown().await;
}

#[tokio::test]
async fn on_one_thread_each_caller_gets_its_own_committed_record() {
    each_caller_gets_its_own_committed_record().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn on_two_workers_each_caller_gets_its_own_committed_record() {
    each_caller_gets_its_own_committed_record().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_logs_on_one_store_never_fork_the_chain() {
    let (_dir, db) = sqlite();
    let a = Arc::new(
        AuditLog::start(Arc::new(db.clone()), GroupCommitConfig::default())
            .await
            .unwrap(),
    );
    let b = Arc::new(
        AuditLog::start(Arc::new(db.clone()), GroupCommitConfig::default())
            .await
            .unwrap(),
    );
    let (ra, rb) = tokio::join!(record_concurrently(&a, 30), record_concurrently(&b, 30));
    // Conflicts are retried on the fresh head; under heavy contention a batch may still be
    // refused (the caller sees Unavailable), but whatever was committed is one chain.
    let committed = ra.iter().chain(&rb).filter(|r| r.is_ok()).count();
    assert!(committed > 0);
    let stored = all_records(&db).await;
    assert_eq!(stored.len(), committed);
    verify_chain(&stored, Some(GENESIS_HASH)).unwrap();
    a.shutdown().await;
    b.shutdown().await;
}

#[tokio::test]
async fn a_returned_record_is_in_the_file_for_a_new_store() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("audit.db");
    let log = AuditLog::start(
        Arc::new(SqliteStore::open(&path).unwrap()),
        GroupCommitConfig::default(),
    )
    .await
    .unwrap();
    let receipt = log.record(draft(1)).await.unwrap();

    // No shutdown, no flush: the record must already be committed.
    let reopened = SqliteStore::open(&path).unwrap();
    let stored = all_records(&reopened).await;
    assert_eq!(stored.len(), 1);
    assert_eq!(stored[0].audit_id, receipt.audit_id);
    assert_eq!(stored[0].draft.trace_id, draft(1).trace_id);
    drop(log);

    // A new log on the reopened file continues the chain.
    let log = AuditLog::start(Arc::new(reopened.clone()), GroupCommitConfig::default())
        .await
        .unwrap();
    assert_eq!(log.record(draft(2)).await.unwrap().sequence, 2);
    verify_chain(&all_records(&reopened).await, Some(GENESIS_HASH)).unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn shutdown_commits_what_is_queued_and_refuses_more() {
    let (_dir, db) = sqlite();
    let store = Arc::new(FaultyStore::new(db.clone()).with_append_delay(Duration::from_millis(5)));
    let log = Arc::new(
        AuditLog::start(store, GroupCommitConfig::default())
            .await
            .unwrap(),
    );
    let pending = {
        let log = Arc::clone(&log);
        tokio::spawn(async move { record_concurrently(&log, 50).await })
    };
    tokio::time::sleep(Duration::from_millis(2)).await;
    log.shutdown().await;
    let accepted = pending
        .await
        .unwrap()
        .into_iter()
        .filter(|r| match r {
            Ok(_) => true,
            Err(AuditError::Closed) => false,
            Err(other) => panic!("unexpected {other:?}"),
        })
        .count();
    assert_eq!(
        all_records(&db).await.len(),
        accepted,
        "every accepted record was committed"
    );
    assert_eq!(log.record(draft(99)).await, Err(AuditError::Closed));
    log.shutdown().await; // idempotent
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_full_queue_makes_callers_wait_not_lose_records() {
    let (_dir, db) = sqlite();
    let store = Arc::new(FaultyStore::new(db.clone()).with_append_delay(Duration::from_millis(1)));
    let config = GroupCommitConfig {
        max_batch: 4,
        queue_capacity: 2,
        ..GroupCommitConfig::default()
    };
    let log = Arc::new(AuditLog::start(store.clone(), config).await.unwrap());
    for result in record_concurrently(&log, 60).await {
        result.unwrap();
    }
    assert_eq!(all_records(&db).await.len(), 60);
    assert!(store.appends() >= 15, "batches are capped at max_batch");
    log.shutdown().await;
}

/// A SQLite store whose writer-thread appender (the path `AuditLog` takes for SQLite) counts
/// its appends and fails them while `failing` is set; everything else is the store's own.
struct FailingAppenderStore {
    inner: SqliteStore,
    failing: Arc<AtomicBool>,
    appends: Arc<AtomicUsize>,
}

struct FailingAppender {
    inner: Box<dyn BlockingAppender>,
    failing: Arc<AtomicBool>,
    appends: Arc<AtomicUsize>,
}

impl BlockingAppender for FailingAppender {
    fn append(&mut self, records: &[AccessRecord]) -> Result<(), AuditError> {
        self.appends.fetch_add(1, Ordering::SeqCst);
        if self.failing.load(Ordering::SeqCst) {
            return Err(AuditError::Unavailable("injected disk failure".into()));
        }
        self.inner.append(records)
    }
}

#[async_trait]
impl AuditStore for FailingAppenderStore {
    async fn append(&self, records: &[AccessRecord]) -> Result<(), AuditError> {
        self.inner.append(records).await
    }
    fn blocking_appender(&self) -> Option<Box<dyn BlockingAppender>> {
        Some(Box::new(FailingAppender {
            inner: self.inner.blocking_appender()?,
            failing: Arc::clone(&self.failing),
            appends: Arc::clone(&self.appends),
        }))
    }
    async fn head(&self) -> Result<Option<(u64, String)>, AuditError> {
        self.inner.head().await
    }
    async fn query(&self, filter: &RecordFilter) -> Result<Vec<AccessRecord>, AuditError> {
        self.inner.query(filter).await
    }
    async fn ping(&self) -> Result<(), AuditError> {
        self.inner.ping().await
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_writer_thread_fails_closed_then_continues_from_the_real_head() {
    let (_dir, db) = sqlite();
    let store = Arc::new(FailingAppenderStore {
        inner: db.clone(),
        failing: Arc::new(AtomicBool::new(false)),
        appends: Arc::new(AtomicUsize::new(0)),
    });
    let log = Arc::new(
        AuditLog::start(store.clone(), GroupCommitConfig::default())
            .await
            .unwrap(),
    );
    for i in 1..=3 {
        assert_eq!(log.record(draft(i)).await.unwrap().sequence, i);
    }
    assert_eq!(
        store.appends.load(Ordering::SeqCst),
        3,
        "SQLite records go through the writer's own appender"
    );
    store.failing.store(true, Ordering::SeqCst);
    for result in record_concurrently(&log, 4).await {
        assert!(
            matches!(result, Err(AuditError::Unavailable(_))),
            "{result:?}"
        );
    }
    // Meanwhile another writer moved the real head to 5.
    let head = db.head().await.unwrap().unwrap();
    let r4 = seal(4, &head.1, draft(40));
    let r5 = seal(5, &r4.hash, draft(50));
    db.append(&[r4, r5]).await.unwrap();
    store.failing.store(false, Ordering::SeqCst);
    assert_eq!(log.record(draft(6)).await.unwrap().sequence, 6);
    let stored = all_records(&db).await;
    assert_eq!(stored.len(), 6);
    verify_chain(&stored, Some(GENESIS_HASH)).unwrap();
    log.shutdown().await;
    assert_eq!(log.record(draft(7)).await, Err(AuditError::Closed));
}

/// A store whose appends never finish.
struct HungStore;

#[async_trait]
impl AuditStore for HungStore {
    async fn append(&self, _: &[AccessRecord]) -> Result<(), AuditError> {
        std::future::pending().await
    }
    async fn head(&self) -> Result<Option<(u64, String)>, AuditError> {
        Ok(None)
    }
    async fn query(&self, _: &RecordFilter) -> Result<Vec<AccessRecord>, AuditError> {
        Ok(Vec::new())
    }
    async fn ping(&self) -> Result<(), AuditError> {
        Ok(())
    }
}

#[tokio::test(start_paused = true)]
async fn a_hung_store_fails_the_record_instead_of_hanging_forever() {
    let log = AuditLog::start(Arc::new(HungStore), GroupCommitConfig::default())
        .await
        .unwrap();
    let result = log.record(draft(1)).await;
    assert!(
        matches!(result, Err(AuditError::Unavailable(_))),
        "{result:?}"
    );
}

/// Closed-loop callers on the SQLite writer's own thread (each sends its next record as soon
/// as the last one committed, as the hub's handlers do): the writer's wait for the answered
/// callers' next records must lose none, reorder none, and end when they stop coming.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn closed_loop_callers_on_the_writer_thread_get_every_record_committed_in_one_chain() {
    let (_dir, db) = sqlite();
    let log = Arc::new(
        AuditLog::start(Arc::new(db.clone()), GroupCommitConfig::default())
            .await
            .unwrap(),
    );
    let callers: Vec<_> = (0..16u64)
        .map(|c| {
            let log = Arc::clone(&log);
            tokio::spawn(async move {
                let mut sequences = Vec::new();
                for i in 0..20 {
                    sequences.push(log.record(draft(c * 100 + i)).await.unwrap().sequence);
                }
                sequences
            })
        })
        .collect();
    let mut all = Vec::new();
    for caller in callers {
        let sequences = caller.await.unwrap();
        assert!(
            sequences.windows(2).all(|w| w[0] < w[1]),
            "a caller's records in order"
        );
        all.extend(sequences);
    }
    all.sort_unstable();
    assert_eq!(all, (1..=320).collect::<Vec<_>>());
    // A lone record after the burst is not held for callers that no longer come.
    assert_eq!(log.record(draft(999)).await.unwrap().sequence, 321);
    let stored = all_records(&db).await;
    assert_eq!(stored.len(), 321);
    verify_chain(&stored, Some(GENESIS_HASH)).unwrap();
    log.shutdown().await;
}
