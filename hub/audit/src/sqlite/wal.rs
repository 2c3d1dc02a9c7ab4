//! WAL checkpoints off the writer's thread.
//!
//! SQLite's automatic checkpoint runs inside the commit that pushes the WAL past 1000 pages:
//! that one commit copies the WAL into the database file and syncs it, so its callers wait
//! several disk syncs instead of one — the commit-latency p99 of a busy trail. The writer's
//! own connection therefore turns the automatic checkpoint off and hands the work to a thread
//! of its own (`minwon-audit-wal`) with a connection of its own, which runs a `PASSIVE`
//! checkpoint (it never blocks the writer, and readers never block it for long) when the
//! writer has committed [`RECORDS_PER_CHECKPOINT`] records since the last nudge, and once a
//! second, so a quiet trail's WAL is folded in too. Nudging is
//! a non-blocking `try_send` on a channel of one: the writer never waits for it, and at most
//! one wake-up per [`RECORDS_PER_CHECKPOINT`] records.
//!
//! A checkpoint that fails (busy, I/O) is logged and retried at the next nudge; the WAL only
//! grows meanwhile, it never loses a committed record (the WAL is the durable copy).

use super::schema;
use std::path::PathBuf;
use std::sync::mpsc::{Receiver, RecvTimeoutError, SyncSender, TrySendError, sync_channel};
use std::time::Duration;

/// Records committed between two nudges of the checkpoint thread (a record with its index
/// entries is a fraction of a 4 KiB page, so this is about SQLite's default of 1000 pages).
pub(super) const RECORDS_PER_CHECKPOINT: usize = 2000;
/// How often the thread folds in commits that no nudge announced.
const IDLE_CHECKPOINT: Duration = Duration::from_secs(1);

/// The writer's side: counts committed records and nudges the checkpoint thread.
pub(super) struct WalCheckpoints {
    nudge: SyncSender<()>,
    since_nudge: usize,
}

impl WalCheckpoints {
    /// Starts the checkpoint thread on `path`; `None` (automatic checkpoints stay on) if the
    /// thread cannot be started.
    pub(super) fn start(path: PathBuf) -> Option<WalCheckpoints> {
        let (nudge, nudged) = sync_channel(1);
        let started = std::thread::Builder::new()
            .name("minwon-audit-wal".to_string())
            .spawn(move || run(path, nudged));
        match started {
            Ok(_) => Some(WalCheckpoints {
                nudge,
                since_nudge: 0,
            }),
            Err(e) => {
                tracing::warn!(error = %e, "audit WAL checkpoint thread not started; SQLite checkpoints inside commits");
                None
            }
        }
    }

    /// `records` were committed. Ends the checkpoint thread when the writer drops this.
    pub(super) fn committed(&mut self, records: usize) {
        self.since_nudge += records;
        if self.since_nudge < RECORDS_PER_CHECKPOINT {
            return;
        }
        self.since_nudge = 0;
        match self.nudge.try_send(()) {
            // Full: a nudge is already waiting, which covers this one too.
            Ok(()) | Err(TrySendError::Full(())) => {}
            Err(TrySendError::Disconnected(())) => {
                tracing::warn!("audit WAL checkpoint thread ended; the WAL grows until restart");
            }
        }
    }
}

/// The checkpoint thread: a PASSIVE checkpoint per nudge and once per idle second (cheap
/// when the WAL is already folded in: nothing is copied or synced).
fn run(path: PathBuf, nudged: Receiver<()>) {
    let mut conn: Option<rusqlite::Connection> = None;
    // A nudge or an idle second: checkpoint. The writer gone (its appender dropped): end.
    while !matches!(
        nudged.recv_timeout(IDLE_CHECKPOINT),
        Err(RecvTimeoutError::Disconnected)
    ) {
        let c = match conn.as_mut() {
            Some(c) => c,
            None => match rusqlite::Connection::open(&path) {
                Ok(c) if schema::configure(&c).is_ok() => conn.insert(c),
                _ => {
                    tracing::warn!("audit WAL checkpoint: cannot open the database; retrying");
                    continue;
                }
            },
        };
        // The row is (busy, frames in the WAL, frames checkpointed); busy only means a later
        // round finishes the job.
        if let Err(e) = c.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |r| r.get::<_, i64>(0)) {
            tracing::warn!(error = %schema::db_error(e), "audit WAL checkpoint failed; retried later");
            conn = None;
        }
    }
}
