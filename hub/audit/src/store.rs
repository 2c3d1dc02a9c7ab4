//! The storage seam: what any audit store ([`crate::SqliteStore`],
//! [`crate::PostgresStore`]) must provide.
//!
//! A store only keeps records the [`crate::AuditLog`] already chained; it never assigns
//! sequences or hashes itself. It must, however, refuse an append that does not continue its
//! stored head ([`AuditError::Conflict`]), so two writers can never fork the chain. It also
//! keeps the signed [`Checkpoint`]s the writer makes.

use crate::{AccessRecord, Action, AuditError, Checkpoint, Outcome};
use async_trait::async_trait;
use chrono::{DateTime, Utc};

/// Appends on the calling thread, over a connection of its own: what a store whose appends
/// block the thread (SQLite: the disk sync) offers the [`crate::AuditLog`] writer through
/// [`AuditStore::blocking_appender`].
pub trait BlockingAppender: Send + 'static {
    /// [`AuditStore::append`]'s contract (one durable transaction, the head check, an empty
    /// slice a no-op), run on the calling thread, which it blocks until the commit is durable.
    /// It bounds its own waits (lock timeouts), as the store does. The records are the
    /// writer's own, sealed a moment before: the appender checks their sequences and links but
    /// need not recompute their hashes (`check_sealed_continue`).
    fn append(&mut self, records: &[AccessRecord]) -> Result<(), AuditError>;
}

/// Durable storage for chained access records.
///
/// Implementations must bound their own waiting (pool and lock timeouts) so a broken store
/// answers with an error instead of hanging.
#[async_trait]
pub trait AuditStore: Send + Sync + 'static {
    /// Appends already-chained records in ONE durable transaction (all or nothing).
    ///
    /// The first record must continue the stored head: its sequence is head + 1 (1 on an
    /// empty trail) and its `prev_hash` the head's hash (the genesis hash on an empty trail);
    /// otherwise nothing is written and [`AuditError::Conflict`] is returned. An empty slice is
    /// a no-op.
    async fn append(&self, records: &[AccessRecord]) -> Result<(), AuditError>;

    /// [`AuditStore::append`] for records the [`crate::AuditLog`] writer sealed a moment before
    /// and hands over unchanged: the same transaction and head check, but the store may check
    /// the batch's sequences and links without recomputing every hash, which cost as much as
    /// sealing them and could only find a fault of the writer's own code (the trail's
    /// verification finds that anyway). The default is [`AuditStore::append`].
    async fn append_sealed(&self, records: &[AccessRecord]) -> Result<(), AuditError> {
        self.append(records).await
    }

    /// For a store whose appends block a thread: an appender the [`crate::AuditLog`] writer
    /// owns on a thread of its own, which drains the queue and commits there, so a batch is
    /// not handed to a blocking pool and back. `None` (the default): the writer calls
    /// [`AuditStore::append_sealed`] from a runtime task, as for a store with asynchronous I/O.
    fn blocking_appender(&self) -> Option<Box<dyn BlockingAppender>> {
        None
    }

    /// Last `(sequence, hash)`, or `None` for an empty trail.
    async fn head(&self) -> Result<Option<(u64, String)>, AuditError>;

    /// Records matching `filter`, ordered by sequence, at most `filter.limit`.
    async fn query(&self, filter: &RecordFilter) -> Result<Vec<AccessRecord>, AuditError>;

    /// Cheap liveness probe (e.g. `SELECT 1`).
    async fn ping(&self) -> Result<(), AuditError>;

    /// Durably stores a signed checkpoint. Stores refuse ([`AuditError::Conflict`]) a
    /// checkpoint whose sequence is not stored with exactly that hash. They do not check the
    /// signature (they do not hold the key); verification does.
    ///
    /// The default refuses: a store without checkpoint support must say so, not drop them.
    async fn append_checkpoint(&self, checkpoint: &Checkpoint) -> Result<(), AuditError> {
        let _ = checkpoint;
        Err(AuditError::Unavailable(
            "this audit store keeps no checkpoints".to_string(),
        ))
    }

    /// Every stored checkpoint with `sequence >= from_sequence`, ordered by sequence then by
    /// insertion. The default refuses (see [`AuditStore::append_checkpoint`]).
    async fn checkpoints(&self, from_sequence: u64) -> Result<Vec<Checkpoint>, AuditError> {
        let _ = from_sequence;
        Err(AuditError::Unavailable(
            "this audit store keeps no checkpoints".to_string(),
        ))
    }
}

/// Which records a [`AuditStore::query`] returns. All conditions are ANDed; `None` matches
/// everything. Page through a large result with `after_sequence` = last sequence seen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordFilter {
    /// Only records at or after this time (inclusive).
    pub from: Option<DateTime<Utc>>,
    /// Only records before this time (exclusive).
    pub to: Option<DateTime<Utc>>,
    /// Only this handler account.
    pub account: Option<String>,
    /// Only records naming every one of these data subjects (HMAC hex), each among any of
    /// the record's subjects; empty = any. Stores find them through an index on the subject
    /// HMAC, whichever position the subject has in the record.
    pub subject_hmacs: Vec<String>,
    /// Only this purpose code.
    pub purpose_code: Option<String>,
    /// Only this outcome.
    pub outcome: Option<Outcome>,
    /// Only this role, e.g. `counselor`.
    pub role: Option<String>,
    /// Only this department, exact.
    pub department: Option<String>,
    /// Only this channel, e.g. `desktop`.
    pub channel: Option<String>,
    /// Only records that consulted this back-end source, e.g. `tax`.
    pub source: Option<String>,
    /// Only this API operation, e.g. `GetCitizenOverview`.
    pub operation: Option<String>,
    /// Only this action (view or export).
    pub action: Option<Action>,
    /// Only records with a sequence greater than this (0 = from the start).
    pub after_sequence: u64,
    /// At most this many records.
    pub limit: usize,
}

impl RecordFilter {
    /// Default page size.
    pub const DEFAULT_LIMIT: usize = 1000;
}

impl Default for RecordFilter {
    /// Matches everything, first [`RecordFilter::DEFAULT_LIMIT`] records.
    fn default() -> Self {
        RecordFilter {
            from: None,
            to: None,
            account: None,
            subject_hmacs: Vec::new(),
            purpose_code: None,
            outcome: None,
            role: None,
            department: None,
            channel: None,
            source: None,
            operation: None,
            action: None,
            after_sequence: 0,
            limit: Self::DEFAULT_LIMIT,
        }
    }
}

/// Appends one row of a stores' `record LEFT JOIN subject` read (ordered by sequence, then
/// subject ordinal) to `out`: the record when its sequence is new (built by `record`, with no
/// subjects yet), then the row's subject, if any. A subject ordinal that is not the next one
/// means a changed subject table, reported as corrupt for the record.
pub(crate) fn push_joined_row(
    out: &mut Vec<AccessRecord>,
    sequence: u64,
    record: impl FnOnce() -> Result<AccessRecord, AuditError>,
    subject: Option<(i64, crate::Subject)>,
) -> Result<(), AuditError> {
    if out.last().is_none_or(|r| r.sequence != sequence) {
        out.push(record()?);
    }
    let Some((ordinal, subject)) = subject else {
        return Ok(());
    };
    let current = out.last_mut().expect("pushed above");
    if usize::try_from(ordinal).ok() != Some(current.draft.subjects.len()) {
        return Err(AuditError::corrupt(
            sequence,
            "subjects are not numbered 0, 1, 2, ...",
        ));
    }
    current.draft.subjects.push(subject);
    Ok(())
}

/// Checks that `records` continue `head` (the store-side fork guard every store shares).
pub fn check_continues(
    head: Option<&(u64, String)>,
    records: &[AccessRecord],
) -> Result<(), AuditError> {
    let Some(prev) = check_head(head, records)? else {
        return Ok(());
    };
    // The batch itself must be a valid chain; a store never accepts a broken one.
    crate::verify_chain(records, Some(prev))
}

/// [`check_continues`] for a batch the audit writer sealed itself and hands to its store's
/// [`BlockingAppender`] unchanged: the head, the sequences and the links are checked, the
/// hashes are not recomputed ([`crate::chain::verify_links`]).
pub(crate) fn check_sealed_continue(
    head: Option<&(u64, String)>,
    records: &[AccessRecord],
) -> Result<(), AuditError> {
    let Some(prev) = check_head(head, records)? else {
        return Ok(());
    };
    crate::chain::verify_links(records, Some(prev))
}

/// The head's hash the first record must link to, once its sequence and `prev_hash` are
/// checked against `head`; `None` for an empty batch.
fn check_head<'a>(
    head: Option<&'a (u64, String)>,
    records: &[AccessRecord],
) -> Result<Option<&'a str>, AuditError> {
    let Some(first) = records.first() else {
        return Ok(None);
    };
    let (next, prev) = match head {
        Some((seq, hash)) => (seq.saturating_add(1), hash.as_str()),
        None => (1, crate::GENESIS_HASH),
    };
    if first.sequence != next {
        return Err(AuditError::Conflict {
            sequence: first.sequence,
            reason: format!("expected sequence {next}"),
        });
    }
    if first.prev_hash != prev {
        return Err(AuditError::Conflict {
            sequence: first.sequence,
            reason: "prev_hash is not the stored head".to_string(),
        });
    }
    Ok(Some(prev))
}

/// Verifies a whole stored trail from genesis, `page` records at a time, carrying each page's
/// last hash into the next. Returns how many records were checked; the error names the first
/// bad sequence. A record deleted from the end cannot be seen here: compare the count with a
/// checkpoint or receipt kept elsewhere.
pub async fn verify_store(store: &dyn AuditStore, page: usize) -> Result<u64, AuditError> {
    verify_store_from(store, page, 1).await
}

/// The stored record just before `from_sequence` as `(sequence, hash)`, its own hash
/// recomputed (so a run verified from it starts on a sound link); `None` for 0 or 1.
pub async fn record_before(
    store: &dyn AuditStore,
    from_sequence: u64,
) -> Result<Option<(u64, String)>, AuditError> {
    if from_sequence <= 1 {
        return Ok(None);
    }
    let before = from_sequence - 1;
    let found = store
        .query(&RecordFilter {
            after_sequence: before - 1,
            limit: 1,
            ..RecordFilter::default()
        })
        .await?;
    match found.first() {
        Some(r) if r.sequence == before => {
            crate::verify_chain(std::slice::from_ref(r), Some(&r.prev_hash))?;
            Ok(Some((r.sequence, r.hash.clone())))
        }
        _ => Err(AuditError::corrupt(before, "record missing")),
    }
}

/// [`verify_store`] from record `from_sequence` on (0 or 1: from genesis), linked to the
/// stored record before it. Returns how many records were checked.
pub async fn verify_store_from(
    store: &dyn AuditStore,
    page: usize,
    from_sequence: u64,
) -> Result<u64, AuditError> {
    let (after, prev) = match record_before(store, from_sequence).await? {
        Some(link) => link,
        None => (0, crate::GENESIS_HASH.to_string()),
    };
    let mut filter = RecordFilter {
        limit: page.max(1),
        after_sequence: after,
        ..RecordFilter::default()
    };
    let mut prev = prev;
    let mut checked = 0u64;
    loop {
        let records = store.query(&filter).await?;
        let Some(last) = records.last() else {
            return Ok(checked);
        };
        if records[0].sequence != filter.after_sequence + 1 {
            return Err(AuditError::corrupt(
                records[0].sequence,
                "records missing before it",
            ));
        }
        crate::verify_chain(&records, Some(&prev))?;
        checked += records.len() as u64;
        filter.after_sequence = last.sequence;
        prev.clone_from(&last.hash);
    }
}

impl RecordFilter {
    /// The plain equality conditions on `access_record` columns (role, department, channel,
    /// operation, action) as `(column, value)`, the same for every store. Column names are
    /// fixed here, never taken from input.
    pub(crate) fn column_conditions(&self) -> Vec<(&'static str, String)> {
        let mut out = Vec::new();
        let text = [
            ("role", &self.role),
            ("department", &self.department),
            ("channel", &self.channel),
            ("operation", &self.operation),
        ];
        for (column, value) in text {
            if let Some(v) = value {
                out.push((column, v.clone()));
            }
        }
        if let Some(action) = self.action {
            out.push(("action", action.as_str().to_string()));
        }
        out
    }
}
