//! The commit delay: a batch of deferred records is held open for more, and ends early when
//! it is full, when an urgent record comes, or when a caller hurries. Time is paused and the
//! store is in memory, so the "delay" is tokio's virtual time: the assertions compare virtual
//! instants (deterministic), never wall-clock durations.

use super::common::draft;
use async_trait::async_trait;
use minwon_audit::{
    AccessRecord, AuditError, AuditLog, AuditStore, GroupCommitConfig, RecordFilter,
    store::check_continues,
};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::time::Instant;

const DELAY: Duration = Duration::from_secs(5);

/// Keeps records in memory and the size of every appended batch.
#[derive(Default)]
struct MemStore {
    records: Mutex<Vec<AccessRecord>>,
    batches: Mutex<Vec<usize>>,
}

impl MemStore {
    fn batches(&self) -> Vec<usize> {
        self.batches.lock().unwrap().clone()
    }
}

#[async_trait]
impl AuditStore for MemStore {
    async fn append(&self, records: &[AccessRecord]) -> Result<(), AuditError> {
        let mut stored = self.records.lock().unwrap();
        let head = stored.last().map(|r| (r.sequence, r.hash.clone()));
        check_continues(head.as_ref(), records)?;
        stored.extend_from_slice(records);
        self.batches.lock().unwrap().push(records.len());
        Ok(())
    }
    async fn head(&self) -> Result<Option<(u64, String)>, AuditError> {
        let stored = self.records.lock().unwrap();
        Ok(stored.last().map(|r| (r.sequence, r.hash.clone())))
    }
    async fn query(&self, filter: &RecordFilter) -> Result<Vec<AccessRecord>, AuditError> {
        let stored = self.records.lock().unwrap();
        Ok(stored
            .iter()
            .filter(|r| r.sequence > filter.after_sequence)
            .take(filter.limit)
            .cloned()
            .collect())
    }
    async fn ping(&self) -> Result<(), AuditError> {
        Ok(())
    }
}

async fn log_with(max_batch: usize, commit_delay: Duration) -> (Arc<MemStore>, Arc<AuditLog>) {
    let store = Arc::new(MemStore::default());
    let config = GroupCommitConfig {
        max_batch,
        commit_delay,
        ..GroupCommitConfig::default()
    };
    let log = AuditLog::start(store.clone(), config).await.unwrap();
    (store, Arc::new(log))
}

/// Starts a deferred record on its own task; the handle yields when (virtually) it committed.
fn deferred(log: &Arc<AuditLog>, n: u64) -> tokio::task::JoinHandle<(u64, Instant)> {
    let log = Arc::clone(log);
    tokio::spawn(async move {
        let receipt = log.record_deferred(draft(n)).await.unwrap();
        (receipt.sequence, Instant::now())
    })
}

#[tokio::test(start_paused = true)]
async fn a_lone_deferred_record_commits_after_the_delay_and_an_urgent_one_at_once() {
    let (store, log) = log_with(512, DELAY).await;
    let start = Instant::now();
    let (sequence, committed) = deferred(&log, 1).await.unwrap();
    assert_eq!(sequence, 1);
    assert!(committed - start >= DELAY, "held for the delay");

    let start = Instant::now();
    log.record(draft(2)).await.unwrap();
    assert!(
        Instant::now() - start < DELAY,
        "an urgent record is never held"
    );
    assert_eq!(store.batches(), vec![1, 1]);
}

#[tokio::test(start_paused = true)]
async fn deferred_records_arriving_within_the_delay_share_one_commit() {
    let (store, log) = log_with(512, DELAY).await;
    let start = Instant::now();
    let first = deferred(&log, 1);
    tokio::time::sleep(Duration::from_secs(1)).await;
    let second = deferred(&log, 2);
    tokio::time::sleep(Duration::from_secs(1)).await;
    let third = deferred(&log, 3);
    let mut done = Vec::new();
    for task in [first, second, third] {
        done.push(task.await.unwrap());
    }
    assert_eq!(store.batches(), vec![3], "one transaction for the three");
    for (_, committed) in &done {
        assert!(*committed - start >= DELAY);
        assert!(*committed - start < DELAY + Duration::from_secs(1));
    }
    let mut seqs: Vec<u64> = done.iter().map(|(s, _)| *s).collect();
    seqs.sort_unstable();
    assert_eq!(seqs, vec![1, 2, 3]);
}

#[tokio::test(start_paused = true)]
async fn a_full_batch_commits_without_waiting_out_the_delay() {
    let (store, log) = log_with(3, DELAY).await;
    let start = Instant::now();
    let tasks: Vec<_> = (1..=3).map(|n| deferred(&log, n)).collect();
    for task in tasks {
        let (_, committed) = task.await.unwrap();
        assert!(committed - start < DELAY, "full: committed at once");
    }
    assert_eq!(store.batches(), vec![3]);
}

#[tokio::test(start_paused = true)]
async fn an_urgent_record_ends_the_hold_and_joins_the_batch() {
    let (store, log) = log_with(512, DELAY).await;
    let start = Instant::now();
    let held = deferred(&log, 1);
    tokio::time::sleep(Duration::from_secs(1)).await;
    log.record(draft(2)).await.unwrap();
    let (_, committed) = held.await.unwrap();
    assert!(
        committed - start < DELAY,
        "the urgent record ended the hold"
    );
    assert_eq!(store.batches(), vec![2]);
}

#[tokio::test(start_paused = true)]
async fn a_caller_that_hurries_ends_the_hold() {
    let (store, log) = log_with(512, DELAY).await;
    let start = Instant::now();
    let held = deferred(&log, 1);
    tokio::time::sleep(Duration::from_secs(1)).await;
    log.hurry();
    let (_, committed) = held.await.unwrap();
    let waited = committed - start;
    assert!(
        waited >= Duration::from_secs(1) && waited < DELAY,
        "{waited:?}"
    );
    assert_eq!(store.batches(), vec![1]);

    // The hurry was spent: the next deferred record is held again.
    let start = Instant::now();
    let (_, committed) = deferred(&log, 2).await.unwrap();
    assert!(committed - start >= DELAY);
}

#[tokio::test(start_paused = true)]
async fn a_zero_delay_never_holds() {
    let (store, log) = log_with(512, Duration::ZERO).await;
    let start = Instant::now();
    deferred(&log, 1).await.unwrap();
    deferred(&log, 2).await.unwrap();
    assert_eq!(Instant::now(), start, "no virtual time passed");
    assert_eq!(store.batches(), vec![1, 1]);
}

#[tokio::test(start_paused = true)]
async fn shutdown_commits_a_held_batch_at_once() {
    let (store, log) = log_with(512, Duration::from_secs(3600)).await;
    let start = Instant::now();
    let held = deferred(&log, 1);
    tokio::task::yield_now().await;
    tokio::time::sleep(Duration::from_secs(1)).await;
    log.shutdown().await;
    let (sequence, committed) = held.await.unwrap();
    assert_eq!(sequence, 1);
    assert!(committed - start < Duration::from_secs(3600));
    assert_eq!(store.batches(), vec![1]);
}

/// The SQLite writer runs on a thread of its own (`block_on` there, not on a runtime worker):
/// its hold must end on a hurry and on an urgent record just the same. Real time: the hold is
/// an hour, so only the hurry can end it within the test's bound.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_sqlite_writer_thread_holds_and_ends_the_hold_on_a_hurry() {
    let (_dir, db) = super::common::sqlite();
    let config = GroupCommitConfig {
        commit_delay: Duration::from_secs(3600),
        ..GroupCommitConfig::default()
    };
    let log = Arc::new(AuditLog::start(Arc::new(db.clone()), config).await.unwrap());
    let held = {
        let log = Arc::clone(&log);
        tokio::spawn(async move { log.record_deferred(draft(1)).await })
    };
    // Until the hurry, the record stays held (nothing in the file).
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert!(!held.is_finished(), "a deferred record is held");
    log.hurry();
    let receipt = tokio::time::timeout(Duration::from_secs(30), held)
        .await
        .expect("the hurry ended the hold")
        .unwrap()
        .unwrap();
    assert_eq!(receipt.sequence, 1);
    assert_eq!(super::common::all_records(&db).await.len(), 1);

    // An urgent record ends a hold too, and both share the commit.
    let held = {
        let log = Arc::clone(&log);
        tokio::spawn(async move { log.record_deferred(draft(2)).await })
    };
    tokio::time::sleep(Duration::from_millis(50)).await;
    log.record(draft(3)).await.unwrap();
    tokio::time::timeout(Duration::from_secs(30), held)
        .await
        .expect("the urgent record ended the hold")
        .unwrap()
        .unwrap();
    assert_eq!(super::common::all_records(&db).await.len(), 3);
    log.shutdown().await;
}
