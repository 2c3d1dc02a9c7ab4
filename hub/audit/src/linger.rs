//! The commit delay: how the group-commit writer holds a batch of *deferred* records open
//! for more, and how their callers cut that wait short.
//!
//! At a moderate rate (an overview every millisecond or so) every record finds the writer
//! idle, so each batch is one record: one wake-up of the writer, one transaction and one
//! disk sync per record, which costs more than the rest of the pipeline. A caller that will
//! not look at its receipt for a while — an overview, whose record commits while its sources
//! are called ([`crate::AuditLog::record_deferred`]) — marks its record deferred; a batch made
//! only of deferred records waits up to the configured commit delay for more before it
//! commits (PostgreSQL's `commit_delay`, but only where it costs nobody anything).
//!
//! The wait ends early when the batch is full, when an urgent record ([`crate::AuditLog::
//! record`]) arrives, when the queue closes, or when a caller *hurries*
//! ([`crate::AuditLog::hurry`]): its other work ended before its record committed, so it now
//! waits for the commit. Hurrying is a flag and, only
//! while the writer is actually lingering, one wake-up; the flag covers the race in which the
//! caller hurries just before the writer starts to linger (both sides use sequentially
//! consistent order: the writer raises `lingering` and then reads `hurried`, the caller raises
//! `hurried` and then reads `lingering`, so at least one of them sees the other). A stale
//! flag (from a caller whose record was already in a commit) only makes one later batch skip
//! its wait: it can cost batching, never a record or a late answer.

use std::sync::atomic::{AtomicBool, Ordering::SeqCst};
use tokio::sync::Notify;

/// What the writer and the callers of deferred records share.
#[derive(Debug, Default)]
pub(crate) struct Linger {
    /// The writer is holding a batch open.
    lingering: AtomicBool,
    /// A caller of a deferred record is waiting for it.
    hurried: AtomicBool,
    /// Wakes the lingering writer.
    wake: Notify,
}

impl Linger {
    /// A caller's deferred record is not committed and the caller now waits for it.
    pub(crate) fn hurry(&self) {
        self.hurried.store(true, SeqCst);
        if self.lingering.load(SeqCst) {
            self.wake.notify_one();
        }
    }

    /// The writer is about to hold a batch open: `false` if a caller already hurries, so
    /// the batch should commit at once.
    pub(crate) fn begin(&self) -> bool {
        self.lingering.store(true, SeqCst);
        if self.hurried.swap(false, SeqCst) {
            self.lingering.store(false, SeqCst);
            return false;
        }
        true
    }

    /// Resolves when a caller hurries (after [`Linger::begin`] returned `true`).
    pub(crate) async fn hurried(&self) {
        self.wake.notified().await;
    }

    /// The writer stops holding the batch: the hurry that ended it (if any) is spent.
    pub(crate) fn end(&self) {
        self.lingering.store(false, SeqCst);
        self.hurried.store(false, SeqCst);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn a_hurry_before_the_linger_begins_skips_it() {
        let l = Linger::default();
        l.hurry();
        assert!(!l.begin(), "the caller already waits: commit at once");
        // The flag was spent: the next batch may linger.
        assert!(l.begin());
        l.end();
    }

    #[tokio::test]
    async fn a_hurry_during_the_linger_wakes_the_writer() {
        let l = std::sync::Arc::new(Linger::default());
        assert!(l.begin());
        let caller = std::sync::Arc::clone(&l);
        tokio::spawn(async move { caller.hurry() });
        tokio::time::timeout(Duration::from_secs(10), l.hurried())
            .await
            .expect("the hurry woke the lingering writer");
        l.end();
        assert!(l.begin(), "end spent the flag");
    }
}
