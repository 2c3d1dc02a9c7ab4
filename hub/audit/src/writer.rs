//! Group commit: one writer task owns the chain head and commits records in batches.
//!
//! Callers send `(draft, reply)` over a bounded queue. The writer takes the first waiting
//! record plus everything else already queued (up to `max_batch`), chains them, calls
//! [`AuditStore::append_sealed`] once (one transaction, one fsync), then answers every
//! caller. Under load many records share one fsync; alone, a record is committed at once.
//!
//! Failure is closed and self-healing: if an append fails, every caller in that batch gets
//! [`AuditError::Unavailable`], and the writer forgets the head and re-reads it from the store
//! before the next batch, so the chain continues correctly once the store recovers. If the
//! store reports a [`AuditError::Conflict`] (another writer moved the head), nothing was
//! written, so the batch is re-chained on the fresh head and retried a few times.
//!
//! A head the writer re-reads is never trusted blindly: it must continue the last head the
//! writer verified, record by record (the crate's `headcheck` module). If it does not (history was
//! rewritten under the running hub), the writer fails closed for good: every
//! [`AuditLog::record`] then fails with [`AuditError::Integrity`], no checkpoint is signed,
//! and [`AuditLog::integrity_failure`] / [`AuditLog::integrity_watch`] tell the hub (health,
//! metrics).
//!
//! Where the writer runs: for a store with asynchronous I/O (PostgreSQL) it is a runtime task.
//! For a store whose appends block (SQLite, [`AuditStore::blocking_appender`]) it runs on a
//! thread of its own (`minwon-audit-writer`) that owns the store's write connection, drains
//! the queue and commits right there: a caller's record wakes that thread once and its reply
//! wakes the caller once, with no hand-off to the blocking pool and back in between (before,
//! each batch went writer task → pool connection check on a blocking thread → back → the
//! append on a blocking thread → back). Rare work (re-reading the head, checkpoints) still
//! goes through the store's asynchronous methods, driven from that thread.
//!
//! A record the caller will only wait for after other work ([`AuditLog::record_deferred`]: an
//! overview's record commits while its sources are called) is *deferred*: a batch of deferred
//! records waits up to [`GroupCommitConfig::commit_delay`] for more to share its transaction,
//! unless its caller finishes that other work first (the crate's `linger` module).
//!
//! On the writer's own thread, a batch smaller than the last commit also waits a moment for
//! the next records of the callers that commit answered (`Writer::wait_for_siblings`).
//!
//! Started with [`AuditLog::start_with_checkpoints`], the writer also signs a
//! [`crate::Checkpoint`] of its committed head every `every_records` records or `every_secs`
//! seconds, and once more on shutdown (see [`crate::checkpoint`]).

use crate::chain::seal;
use crate::checkpointer::Checkpointer;
use crate::headcheck::{Head, check_continues_known};
use crate::linger::Linger;
use crate::{
    AccessRecord, AuditError, AuditStore, BlockingAppender, CheckpointConfig, Receipt, RecordDraft,
};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;
use tokio::sync::{mpsc, oneshot, watch};
use tokio::task::JoinHandle;

/// Upper bound on one asynchronous `append`, so a hung store cannot wedge the writer. Stores
/// bound their own waits more tightly (SQLite: pool wait and busy timeout, 5 s each; a
/// blocking appender is bounded by its busy timeout alone, and callers by their deadline).
const APPEND_TIMEOUT: Duration = Duration::from_secs(30);
/// Appends tried per batch when the store reports a chain conflict. Each conflict means
/// another writer committed, so the trail progresses; the bound only stops one writer from
/// starving forever under replicas' contention.
const CONFLICT_ATTEMPTS: usize = 16;
/// Longest the writer's own thread waits for the next records of the callers its last commit
/// answered ([`Writer::wait_for_siblings`]).
const SIBLING_WAIT: Duration = Duration::from_micros(200);

/// Tuning for the group-commit writer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GroupCommitConfig {
    /// Most records committed in one transaction (default 512).
    pub max_batch: usize,
    /// Records that may wait in the queue; when full, `record` waits (default 8192).
    pub queue_capacity: usize,
    /// Longest a batch of deferred records ([`AuditLog::record_deferred`]) is held open for
    /// more records before it commits (default 5 ms; zero: never held). A batch holding an
    /// urgent record ([`AuditLog::record`]) is never held, and a deferred record's caller
    /// that finishes its other work first ends the wait ([`AuditLog::hurry`]), so the delay
    /// hides behind work the caller does anyway. It buys fewer transactions and disk syncs
    /// per record at moderate rates, where every record would otherwise find the writer idle.
    pub commit_delay: Duration,
}

impl Default for GroupCommitConfig {
    fn default() -> Self {
        GroupCommitConfig {
            max_batch: 512,
            queue_capacity: 8192,
            commit_delay: Duration::from_millis(5),
        }
    }
}

type Reply = oneshot::Sender<Result<Receipt, AuditError>>;
/// The integrity failure, once found (`None` while the trail is intact).
type IntegrityState = Arc<watch::Sender<Option<AuditError>>>;

struct Job {
    draft: RecordDraft,
    reply: Reply,
    /// The caller waits for it only after other work ([`AuditLog::record_deferred`]).
    deferred: bool,
}

/// The audit log: chains and durably commits access records through one writer task.
pub struct AuditLog {
    store: Arc<dyn AuditStore>,
    sender: Mutex<Option<mpsc::Sender<Job>>>,
    writer: tokio::sync::Mutex<Option<WriterHandle>>,
    integrity: IntegrityState,
    linger: Arc<Linger>,
}

/// How [`AuditLog::shutdown`] waits for the writer to end.
enum WriterHandle {
    /// A runtime task.
    Task(JoinHandle<()>),
    /// A thread of its own; the sender is dropped unsent if the thread panicked.
    Thread(oneshot::Receiver<()>),
}

impl std::fmt::Debug for AuditLog {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AuditLog").finish_non_exhaustive()
    }
}

impl AuditLog {
    /// Reads the store's head to continue the chain and starts the writer task.
    pub async fn start(
        store: Arc<dyn AuditStore>,
        config: GroupCommitConfig,
    ) -> Result<AuditLog, AuditError> {
        Self::start_inner(store, config, None).await
    }

    /// Like [`AuditLog::start`], and the writer also writes signed checkpoints as
    /// `checkpoints` says, plus a final one on [`AuditLog::shutdown`].
    pub async fn start_with_checkpoints(
        store: Arc<dyn AuditStore>,
        config: GroupCommitConfig,
        checkpoints: CheckpointConfig,
    ) -> Result<AuditLog, AuditError> {
        let checkpointer = Checkpointer::new(checkpoints, Arc::clone(&store));
        Self::start_inner(store, config, Some(checkpointer)).await
    }

    async fn start_inner(
        store: Arc<dyn AuditStore>,
        config: GroupCommitConfig,
        checkpointer: Option<Checkpointer>,
    ) -> Result<AuditLog, AuditError> {
        let head = Head::from_store(store.head().await?);
        let (sender, receiver) = mpsc::channel(config.queue_capacity.max(1));
        let integrity: IntegrityState = Arc::new(watch::Sender::new(None));
        let appender = store.blocking_appender();
        let dedicated = appender.is_some();
        let linger = Arc::new(Linger::default());
        let writer = Writer {
            store: Arc::clone(&store),
            appender,
            receiver,
            max_batch: config.max_batch.max(1),
            siblings: 0,
            commit_delay: config.commit_delay,
            linger: Arc::clone(&linger),
            known: head.clone(),
            head: Some(head),
            checkpointer,
            integrity: Arc::clone(&integrity),
        };
        let handle = if dedicated {
            let runtime = tokio::runtime::Handle::current();
            let (done, finished) = oneshot::channel();
            std::thread::Builder::new()
                .name("minwon-audit-writer".to_string())
                .spawn(move || {
                    // Blocking in an append blocks this thread only, never a runtime worker.
                    runtime.block_on(writer.run());
                    let _ = done.send(());
                })
                .map_err(|e| AuditError::Unavailable(format!("audit writer thread: {e}")))?;
            WriterHandle::Thread(finished)
        } else {
            WriterHandle::Task(tokio::spawn(writer.run()))
        };
        Ok(AuditLog {
            store,
            sender: Mutex::new(Some(sender)),
            writer: tokio::sync::Mutex::new(Some(handle)),
            integrity,
            linger,
        })
    }

    /// Chains and durably commits one record; returns only after the transaction holding it
    /// committed.
    ///
    /// Waits while the queue is full (wrap it in the caller's deadline). Fails with
    /// [`AuditError::Unavailable`] if the store fails and [`AuditError::Closed`] after
    /// [`AuditLog::shutdown`]. If the caller gives up after the record was queued, the record
    /// is still committed: the trail may over-record, it never under-records. Once the
    /// writer found the stored history rewritten, every call fails with
    /// [`AuditError::Integrity`].
    pub async fn record(&self, draft: RecordDraft) -> Result<Receipt, AuditError> {
        let answer = self.submit(draft, false).await?;
        answered(answer.await)
    }

    /// Like [`AuditLog::record`], for a caller that waits for the receipt only after other
    /// work (an overview's record commits while its sources are called): the record is
    /// *deferred*, so the writer may hold its batch open for up to
    /// [`GroupCommitConfig::commit_delay`] for more records to share one transaction. A caller
    /// whose other work ends before the receipt came must call [`AuditLog::hurry`], which ends
    /// that wait: the record then costs the caller at most one commit, as with `record`.
    pub async fn record_deferred(&self, draft: RecordDraft) -> Result<Receipt, AuditError> {
        let answer = self.submit(draft, true).await?;
        answered(answer.await)
    }

    /// A caller of [`AuditLog::record_deferred`] now waits for its record: the writer stops
    /// holding its batch open (cheap when it is not: one flag). Calling it when the record
    /// already committed may cost one later batch its wait, nothing else.
    pub fn hurry(&self) {
        self.linger.hurry();
    }

    /// Queues one record (after the integrity check) and returns where its answer comes.
    async fn submit(
        &self,
        draft: RecordDraft,
        deferred: bool,
    ) -> Result<oneshot::Receiver<Result<Receipt, AuditError>>, AuditError> {
        if let Some(error) = self.integrity_failure() {
            return Err(error);
        }
        let sender = self
            .sender
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
            .ok_or(AuditError::Closed)?;
        let (reply, answer) = oneshot::channel();
        sender
            .send(Job {
                draft,
                reply,
                deferred,
            })
            .await
            .map_err(|_| AuditError::Closed)?;
        Ok(answer)
    }

    /// The integrity failure the writer found, if any: the stored trail stopped continuing
    /// the history this writer knew. Permanent for this log (restart after investigating).
    pub fn integrity_failure(&self) -> Option<AuditError> {
        self.integrity.borrow().clone()
    }

    /// Watches for an integrity failure: the value turns from `None` to the error once.
    pub fn integrity_watch(&self) -> watch::Receiver<Option<AuditError>> {
        self.integrity.subscribe()
    }

    /// The store behind the log, for queries and health checks.
    pub fn store(&self) -> &Arc<dyn AuditStore> {
        &self.store
    }

    /// Stops accepting records, commits everything already queued, and ends the writer task.
    pub async fn shutdown(&self) {
        drop(
            self.sender
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .take(),
        );
        let mut writer = self.writer.lock().await;
        let ended = match writer.take() {
            Some(WriterHandle::Task(handle)) => handle.await.map_err(|e| e.to_string()),
            Some(WriterHandle::Thread(finished)) => finished
                .await
                .map_err(|_| "its thread panicked".to_string()),
            None => Ok(()),
        };
        if let Err(e) = ended {
            tracing::error!(error = %e, "audit writer ended abnormally");
        }
    }
}

struct Writer {
    store: Arc<dyn AuditStore>,
    /// The store's blocking appender when the writer runs on a thread of its own.
    appender: Option<Box<dyn BlockingAppender>>,
    receiver: mpsc::Receiver<Job>,
    max_batch: usize,
    /// Callers the last commit answered (0 after a failed one).
    siblings: usize,
    /// How long a batch of deferred records may be held open ([`GroupCommitConfig`]).
    commit_delay: Duration,
    linger: Arc<Linger>,
    /// `None` after a failed append: re-read from the store before the next batch.
    head: Option<Head>,
    /// The last head this writer verified (read at start or committed itself); a re-read
    /// head must continue it.
    known: Head,
    checkpointer: Option<Checkpointer>,
    integrity: IntegrityState,
}

impl Writer {
    async fn run(mut self) {
        let mut jobs = Vec::with_capacity(self.max_batch);
        let period = self.checkpointer.as_ref().and_then(Checkpointer::period);
        let mut ticker = period.map(|p| {
            let mut t = tokio::time::interval_at(tokio::time::Instant::now() + p, p);
            t.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            t
        });
        loop {
            // recv_many waits for the first job, then takes whatever else is already queued.
            // It is cancel-safe, so losing the race to the ticker drops no job.
            let received = match ticker.as_mut() {
                None => self.receiver.recv_many(&mut jobs, self.max_batch).await,
                Some(ticker) => tokio::select! {
                    n = self.receiver.recv_many(&mut jobs, self.max_batch) => n,
                    _ = ticker.tick() => {
                        self.checkpoint_head().await;
                        continue;
                    }
                },
            };
            if received == 0 {
                break;
            }
            // A batch held open for the commit delay has waited already.
            if !self.hold_for_more(&mut jobs).await {
                self.wait_for_siblings(&mut jobs);
            }
            let (drafts, replies): (Vec<RecordDraft>, Vec<Reply>) =
                jobs.drain(..).map(|job| (job.draft, job.reply)).unzip();
            if let Some(error) = self.integrity.borrow().clone() {
                for reply in replies {
                    let _ = reply.send(Err(error.clone()));
                }
                continue;
            }
            match self.commit(drafts).await {
                Ok(receipts) => {
                    let count = receipts.len();
                    self.siblings = count;
                    self.answer(replies, receipts.into_iter().map(Ok).collect());
                    if self
                        .checkpointer
                        .as_mut()
                        .is_some_and(|c| c.committed(count))
                    {
                        self.checkpoint_head().await;
                    }
                }
                Err(error) => {
                    self.siblings = 0;
                    tracing::warn!(
                        error = %error,
                        kind = error.label(),
                        batch = replies.len(),
                        "audit append failed; the batch is refused and the head will be re-read"
                    );
                    let error = match error {
                        AuditError::Unavailable(_) | AuditError::Integrity { .. } => error,
                        other => AuditError::Unavailable(other.to_string()),
                    };
                    for reply in replies {
                        let _ = reply.send(Err(error.clone()));
                    }
                }
            }
        }
        // Closed: everything queued is committed; seal the final head.
        self.checkpoint_head().await;
    }

    /// Answers a committed batch's callers, in order.
    ///
    /// On the writer's own thread the answers go to the runtime as one task, which wakes the
    /// callers from a worker: one wake-up of the runtime per batch. Answering each caller from
    /// this thread would wake the runtime once per caller, and where the worker shares a core
    /// with this thread (M1's pinned hub) each of those wakes preempts this thread to run that
    /// one caller: two context switches per record instead of per batch. A writer running as
    /// a runtime task is on a worker already and answers directly. A caller that gave up no
    /// longer listens; its record is committed anyway.
    fn answer(&self, replies: Vec<Reply>, answers: Vec<Result<Receipt, AuditError>>) {
        let send = move || {
            for (reply, answer) in replies.into_iter().zip(answers) {
                let _ = reply.send(answer);
            }
        };
        if self.appender.is_some() {
            // The thread runs inside the callers' runtime (`Handle::block_on`), so this spawns
            // there.
            tokio::spawn(async move { send() });
        } else {
            send();
        }
    }

    /// Commit siblings (PostgreSQL's `commit_siblings`, for the writer's own thread): when the
    /// last commit answered more callers than this batch holds, their next records are
    /// usually on their way — those callers were only waiting for that commit. The thread
    /// yields its core to them for at most [`SIBLING_WAIT`] (or until as many records as it
    /// answered are queued), so they share this commit and its disk sync instead of each
    /// paying the next one. A lone caller (last commit answered one) never waits; a runtime
    /// task (an asynchronous store) never spins, so this is the dedicated thread's only.
    fn wait_for_siblings(&mut self, jobs: &mut Vec<Job>) {
        let want = self.siblings.min(self.max_batch);
        if self.appender.is_none() || jobs.len() >= want {
            return;
        }
        let until = std::time::Instant::now() + SIBLING_WAIT;
        loop {
            self.take_queued(jobs);
            if jobs.len() >= want || std::time::Instant::now() >= until {
                return;
            }
            std::thread::yield_now();
        }
    }

    /// Holds a batch made only of deferred records open for more, up to the commit delay
    /// ([`crate::linger`] says when the wait ends early), then takes whatever else is queued.
    /// Returns whether it held the batch.
    async fn hold_for_more(&mut self, jobs: &mut Vec<Job>) -> bool {
        if self.commit_delay.is_zero()
            || jobs.len() >= self.max_batch
            || jobs.iter().any(|job| !job.deferred)
            || !self.linger.begin()
        {
            return false;
        }
        let deadline = tokio::time::Instant::now() + self.commit_delay;
        loop {
            let room = self.max_batch - jobs.len();
            let before = jobs.len();
            tokio::select! {
                biased;
                () = self.linger.hurried() => break,
                n = self.receiver.recv_many(jobs, room) => {
                    // Closed (n = 0), full, or an urgent record: commit now.
                    if n == 0
                        || jobs.len() >= self.max_batch
                        || jobs[before..].iter().any(|job| !job.deferred)
                    {
                        break;
                    }
                }
                () = tokio::time::sleep_until(deadline) => break,
            }
        }
        self.linger.end();
        // A record queued while the wait ended (e.g. the one whose caller hurried) joins now.
        self.take_queued(jobs);
        true
    }

    /// Moves whatever is queued now into `jobs`, up to `max_batch`, without waiting.
    fn take_queued(&mut self, jobs: &mut Vec<Job>) {
        while jobs.len() < self.max_batch {
            match self.receiver.try_recv() {
                Ok(job) => jobs.push(job),
                Err(_) => break,
            }
        }
    }

    /// Checkpoints the head this writer last committed (or read and verified), if
    /// checkpointing is on and the trail is intact.
    async fn checkpoint_head(&mut self) {
        if self.integrity.borrow().is_some() {
            return;
        }
        if let (Some(checkpointer), Some(head)) = (self.checkpointer.as_mut(), self.head.as_ref()) {
            checkpointer.checkpoint(head.sequence, &head.hash).await;
        }
    }

    /// Chains `drafts` on the head and appends them in one store transaction.
    async fn commit(&mut self, mut drafts: Vec<RecordDraft>) -> Result<Vec<Receipt>, AuditError> {
        let mut attempt = 1;
        loop {
            let head = self.current_head().await?;
            let records = chain_after(&head, drafts);
            let result = match self.appender.as_mut() {
                // This is the writer's own thread: the disk sync blocks nothing else.
                Some(appender) => appender.append(&records),
                None => tokio::time::timeout(APPEND_TIMEOUT, self.store.append_sealed(&records))
                    .await
                    .unwrap_or_else(|_| {
                        Err(AuditError::Unavailable("append timed out".to_string()))
                    }),
            };
            match result {
                Ok(()) => {
                    let last = records.last().expect("a batch is never empty");
                    let head = Head {
                        sequence: last.sequence,
                        hash: last.hash.clone(),
                    };
                    self.known = head.clone();
                    self.head = Some(head);
                    return Ok(records.iter().map(AccessRecord::receipt).collect());
                }
                Err(AuditError::Conflict { .. }) if attempt < CONFLICT_ATTEMPTS => {
                    // Nothing was written: chain the same drafts again on the fresh head.
                    self.head = None;
                    attempt += 1;
                    drafts = records.into_iter().map(|r| r.draft).collect();
                }
                Err(error) => {
                    // Unknown whether the store committed (e.g. a timeout): re-read the head.
                    self.head = None;
                    return Err(error);
                }
            }
        }
    }

    async fn current_head(&mut self) -> Result<Head, AuditError> {
        if let Some(head) = &self.head {
            return Ok(head.clone());
        }
        let head = tokio::time::timeout(APPEND_TIMEOUT, self.store.head())
            .await
            .unwrap_or_else(|_| Err(AuditError::Unavailable("head read timed out".to_string())))?;
        let head = Head::from_store(head);
        let checked = tokio::time::timeout(
            APPEND_TIMEOUT,
            check_continues_known(self.store.as_ref(), &self.known, &head),
        )
        .await
        .unwrap_or_else(|_| Err(AuditError::Unavailable("head check timed out".to_string())));
        if let Err(error) = checked {
            if let AuditError::Integrity { sequence, .. } = &error {
                tracing::error!(
                    sequence,
                    known_sequence = self.known.sequence,
                    stored_sequence = head.sequence,
                    error = %error,
                    "audit trail rewritten under the running hub: refusing every record from now on"
                );
                self.integrity.send_replace(Some(error.clone()));
            }
            return Err(error);
        }
        self.known = head.clone();
        self.head = Some(head.clone());
        Ok(head)
    }
}

/// Seals `drafts` as consecutive records after `head`.
fn chain_after(head: &Head, drafts: Vec<RecordDraft>) -> Vec<AccessRecord> {
    let mut prev = head.hash.clone();
    let mut sequence = head.sequence;
    drafts
        .into_iter()
        .map(|draft| {
            sequence += 1;
            let record = seal(sequence, &prev, draft);
            prev.clone_from(&record.hash);
            record
        })
        .collect()
}

/// A reply as the caller sees it: a writer that ended without answering is `Unavailable`.
fn answered(
    reply: Result<Result<Receipt, AuditError>, oneshot::error::RecvError>,
) -> Result<Receipt, AuditError> {
    reply
        .map_err(|_| AuditError::Unavailable("audit writer stopped before answering".to_string()))?
}
