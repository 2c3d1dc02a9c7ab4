//! Shared helpers for the integration tests: draft builders and a store wrapper that counts
//! appends and fails on demand.

#![allow(dead_code)] // each test binary uses a different subset

use async_trait::async_trait;
use chrono::DateTime;
use minwon_audit::{
    AccessRecord, Action, AuditError, AuditStore, Outcome, RecordDraft, RecordFilter, SqliteStore,
    Subject,
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
        subject: Some(Subject {
            hmac: format!("{:064x}", n % 5),
            masked: "900101-1******".into(),
        }),
        sources: vec!["saeol".into(), "tax".into()],
        clear_fields: vec!["name".into()],
        purpose_code: "citizen_inquiry".into(),
        purpose_note: "전화 문의".into(),
        outcome: Outcome::Allowed,
        trace_id: format!("{n:032x}"),
    }
}

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
}
