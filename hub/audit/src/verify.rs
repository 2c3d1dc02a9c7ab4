//! Whole-trail verification: the hash chain plus the signed checkpoints.
//!
//! [`TrailVerifier`] takes records in sequence order (streamed, so a trail of any length
//! needs little memory) and the checkpoints, and checks:
//!
//! 1. the chain: consecutive sequences, each `prev_hash` the hash before it, each hash and
//!    audit id recomputed ([`crate::verify_chain`]);
//! 2. every checkpoint's Ed25519 signature under the given public key;
//! 3. that the chain passes through every checkpoint: the record at `checkpoint.sequence`
//!    has hash `head_hash`;
//! 4. that the trail is not shorter than its newest checkpoint (a cut tail).
//!
//! The [`VerifyReport`] names the first bad sequence and why. A record deleted from the
//! middle is named by its own (missing) sequence; a record inserted (with later ones
//! renumbered) is indistinguishable from a genuine one until the next link, which is named.
//! Records after the newest checkpoint are protected by the chain only: anyone who can write
//! the database could append to them, which is why checkpoints are frequent and one is made
//! at shutdown.

use crate::{AccessRecord, AuditError, AuditStore, Checkpoint, GENESIS_HASH, RecordFilter};
use crate::{VerifyingKey, verify_chain};
use serde::{Deserialize, Serialize};

/// Records fetched per query when verifying a store.
const PAGE: usize = 1000;

/// The outcome of verifying a trail.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VerifyReport {
    /// True when every check passed.
    pub ok: bool,
    /// Records that verified (stops at the first bad one).
    pub records_checked: u64,
    /// Checkpoints whose signature verified and that the chain passed through.
    pub checkpoints_checked: u64,
    /// The first bad sequence number, when not ok.
    pub first_bad_sequence: Option<u64>,
    /// Why it is bad (fixed text and numbers, never record data), when not ok.
    pub reason: Option<String>,
    /// The sequence of the last record that verified (0 before any).
    #[serde(default)]
    pub last_sequence: u64,
    /// The highest sequence a verified checkpoint covers, if any.
    #[serde(default)]
    pub last_checkpoint_sequence: Option<u64>,
}

impl VerifyReport {
    /// How many verified records lie after the last verified checkpoint: the tail that only
    /// the chain protects (anyone able to write the database could change it unnoticed).
    pub fn uncovered_tail(&self) -> u64 {
        self.last_sequence
            .saturating_sub(self.last_checkpoint_sequence.unwrap_or(0))
    }
}

/// Streaming verifier of one consecutive run of records and its checkpoints.
pub struct TrailVerifier<'k> {
    key: &'k VerifyingKey,
    /// Sorted by sequence; `next` is the first not yet consumed.
    checkpoints: Vec<Checkpoint>,
    next: usize,
    /// The last verified position: `(sequence, hash)`; `(0, GENESIS_HASH)` at the start.
    last: (u64, String),
    records_checked: u64,
    checkpoints_checked: u64,
    last_checkpoint: Option<u64>,
    failure: Option<(u64, String)>,
}

impl<'k> TrailVerifier<'k> {
    /// Verifies a trail from its first record (sequence 1, linked to the genesis hash).
    pub fn from_genesis(key: &'k VerifyingKey, checkpoints: Vec<Checkpoint>) -> Self {
        Self::after(key, checkpoints, 0, GENESIS_HASH)
    }

    /// Verifies a run that continues after record `sequence` with hash `hash` (an export that
    /// starts mid-chain: the first record's `prev_hash`). Checkpoints before `sequence` are
    /// ignored; one at exactly `sequence` is checked against `hash`.
    pub fn after(
        key: &'k VerifyingKey,
        mut checkpoints: Vec<Checkpoint>,
        sequence: u64,
        hash: &str,
    ) -> Self {
        checkpoints.sort_by(|a, b| {
            (a.sequence, a.time_ms, &a.signature).cmp(&(b.sequence, b.time_ms, &b.signature))
        });
        checkpoints.dedup();
        checkpoints.retain(|c| c.sequence >= sequence);
        let mut verifier = TrailVerifier {
            key,
            checkpoints,
            next: 0,
            last: (sequence, hash.to_string()),
            records_checked: 0,
            checkpoints_checked: 0,
            last_checkpoint: None,
            failure: None,
        };
        verifier.check_checkpoints_at(sequence, hash);
        verifier
    }

    /// Checks the next record; returns false once the trail is known bad (further records
    /// are ignored).
    pub fn push(&mut self, record: &AccessRecord) -> bool {
        if self.failure.is_some() {
            return false;
        }
        let expected = self.last.0.saturating_add(1);
        if record.sequence < expected {
            self.fail(
                record.sequence,
                format!("sequence {} out of order or repeated", record.sequence),
            );
            return false;
        }
        if record.sequence > expected {
            self.fail(
                expected,
                format!("record missing (next present is {})", record.sequence),
            );
            return false;
        }
        if let Err(error) = verify_chain(std::slice::from_ref(record), Some(&self.last.1)) {
            let (sequence, reason) = corrupt_parts(error, record.sequence);
            self.fail(sequence, reason);
            return false;
        }
        self.records_checked += 1;
        self.last = (record.sequence, record.hash.clone());
        self.check_checkpoints_at(record.sequence, &record.hash);
        self.failure.is_none()
    }

    /// Records a failure found outside the verifier (e.g. an unreadable stored row). Only
    /// the first failure is kept.
    pub fn fail(&mut self, sequence: u64, reason: impl Into<String>) {
        if self.failure.is_none() {
            self.failure = Some((sequence, reason.into()));
        }
    }

    /// True while no failure was found.
    pub fn is_ok(&self) -> bool {
        self.failure.is_none()
    }

    /// The sequence of the last verified record (0 before any).
    pub fn last_sequence(&self) -> u64 {
        self.last.0
    }

    /// The highest sequence a verified checkpoint covered so far.
    pub fn last_checkpoint_sequence(&self) -> Option<u64> {
        self.last_checkpoint
    }

    /// Ends the run: checks that no valid checkpoint lies beyond the last record, and reports.
    pub fn finish(mut self) -> VerifyReport {
        // Any checkpoint left lies beyond the last record: the first one decides.
        if self.failure.is_none()
            && let Some(checkpoint) = self.checkpoints.get(self.next)
        {
            self.failure = Some(match checkpoint.verify(self.key) {
                Err(reason) => (checkpoint.sequence, reason),
                Ok(()) => (
                    self.last.0 + 1,
                    format!(
                        "trail ends at {} but a signed checkpoint covers {}: records cut \
                         from the tail",
                        self.last.0, checkpoint.sequence
                    ),
                ),
            });
        }
        let (first_bad_sequence, reason) = match self.failure {
            Some((sequence, reason)) => (Some(sequence), Some(reason)),
            None => (None, None),
        };
        VerifyReport {
            ok: first_bad_sequence.is_none(),
            records_checked: self.records_checked,
            checkpoints_checked: self.checkpoints_checked,
            first_bad_sequence,
            reason,
            last_sequence: self.last.0,
            last_checkpoint_sequence: self.last_checkpoint,
        }
    }

    /// Consumes the checkpoints at `sequence`, which must be signed and name `hash`.
    fn check_checkpoints_at(&mut self, sequence: u64, hash: &str) {
        while let Some(checkpoint) = self.checkpoints.get(self.next) {
            if checkpoint.sequence != sequence {
                break;
            }
            self.next += 1;
            if let Err(reason) = checkpoint.verify(self.key) {
                self.fail(sequence, reason);
                return;
            }
            if checkpoint.head_hash != hash {
                self.fail(
                    sequence,
                    "chain does not pass through the signed checkpoint (hash differs)",
                );
                return;
            }
            self.checkpoints_checked += 1;
            self.last_checkpoint = Some(sequence);
        }
    }
}

fn corrupt_parts(error: AuditError, fallback: u64) -> (u64, String) {
    match error {
        AuditError::Corrupt { sequence, reason } => (sequence, reason),
        other => (fallback, other.to_string()),
    }
}

/// Verifies a whole trail held in memory, from genesis, against `checkpoints`.
pub fn verify_trail(
    records: &[AccessRecord],
    checkpoints: &[Checkpoint],
    public_key: &VerifyingKey,
) -> VerifyReport {
    let mut verifier = TrailVerifier::from_genesis(public_key, checkpoints.to_vec());
    for record in records {
        if !verifier.push(record) {
            break;
        }
    }
    verifier.finish()
}

/// Verifies a whole stored trail, from genesis, page by page, against the store's own
/// checkpoints plus `extra_checkpoints` (pass those read from the checkpoint file with
/// [`crate::checkpoint::read_file`]: they reveal a cut tail even when the database's
/// checkpoints were cut with it).
///
/// A tampered trail is an `Ok` report with `ok == false`; `Err` only when the store cannot be
/// read.
pub async fn verify_store_trail(
    store: &dyn AuditStore,
    public_key: &VerifyingKey,
    extra_checkpoints: &[Checkpoint],
) -> Result<VerifyReport, AuditError> {
    verify_store_trail_from(store, public_key, extra_checkpoints, 1).await
}

/// [`verify_store_trail`] from record `from_sequence` on (1 or 0: from genesis): the record
/// before it is read and its own hash recomputed, then the chain continues from it and every
/// checkpoint at or after it is checked. A `from_sequence` past the head + 1 names a missing
/// record.
pub async fn verify_store_trail_from(
    store: &dyn AuditStore,
    public_key: &VerifyingKey,
    extra_checkpoints: &[Checkpoint],
    from_sequence: u64,
) -> Result<VerifyReport, AuditError> {
    let mut checkpoints = store.checkpoints(0).await?;
    checkpoints.extend_from_slice(extra_checkpoints);
    let (mut verifier, after) = match crate::store::record_before(store, from_sequence).await {
        Ok(None) => (TrailVerifier::from_genesis(public_key, checkpoints), 0),
        Ok(Some((seq, hash))) => (
            TrailVerifier::after(public_key, checkpoints, seq, &hash),
            seq,
        ),
        Err(AuditError::Corrupt { sequence, reason }) => {
            let mut v = TrailVerifier::from_genesis(public_key, Vec::new());
            v.fail(sequence, reason);
            return Ok(v.finish());
        }
        Err(other) => return Err(other),
    };
    let mut filter = RecordFilter {
        limit: PAGE,
        after_sequence: after,
        ..RecordFilter::default()
    };
    loop {
        let page = match store.query(&filter).await {
            Ok(page) => page,
            Err(AuditError::Corrupt { sequence, reason }) => {
                // An unreadable row: verify what precedes it first, so the report names the
                // lowest bad sequence.
                if sequence > filter.after_sequence + 1 {
                    let before = RecordFilter {
                        limit: usize::try_from(sequence - filter.after_sequence - 1)
                            .unwrap_or(usize::MAX),
                        ..filter.clone()
                    };
                    for record in store.query(&before).await.unwrap_or_default() {
                        if !verifier.push(&record) {
                            break;
                        }
                    }
                }
                verifier.fail(sequence, format!("unreadable record: {reason}"));
                return Ok(verifier.finish());
            }
            Err(other) => return Err(other),
        };
        let Some(last) = page.last().map(|r| r.sequence) else {
            return Ok(verifier.finish());
        };
        for record in &page {
            if !verifier.push(record) {
                return Ok(verifier.finish());
            }
        }
        filter.after_sequence = last;
    }
}
