//! The writer's checkpoint duty: when a checkpoint is due, sign the committed head and store
//! it in the database and the checkpoint file.
//!
//! Every stored checkpoint is also emitted as one structured `tracing` event,
//! [`crate::checkpoint::CHECKPOINT_EVENT`], whose fields are exactly the checkpoint's: with the hub's JSON log
//! format a cluster's log collector keeps an independent copy outside the database and the
//! pod (`minwon-hub audit verify --checkpoints <collected log>` reads it back, see
//! [`crate::checkpoint::parse_collected`]).
//!
//! A failed checkpoint never fails a record: it is logged (sequence numbers only) and retried
//! at the next occasion, since the records themselves are already committed and chained.

use crate::checkpoint::{Checkpoint, CheckpointConfig, append_to_file};
use crate::{AuditError, AuditStore};
use std::sync::Arc;
use std::time::Duration;

/// Upper bound on storing one checkpoint.
const CHECKPOINT_TIMEOUT: Duration = Duration::from_secs(30);

/// Tracks what was checkpointed and writes new checkpoints.
pub(crate) struct Checkpointer {
    config: CheckpointConfig,
    store: Arc<dyn AuditStore>,
    /// Highest sequence this writer has checkpointed (0 = none yet).
    last_sequence: u64,
    /// Records this writer committed since its last checkpoint.
    since: u64,
}

impl Checkpointer {
    pub(crate) fn new(config: CheckpointConfig, store: Arc<dyn AuditStore>) -> Self {
        Checkpointer {
            config,
            store,
            last_sequence: 0,
            since: 0,
        }
    }

    /// The time between checkpoints, if checkpoints are also made by time.
    pub(crate) fn period(&self) -> Option<Duration> {
        (self.config.every_secs > 0).then(|| Duration::from_secs(self.config.every_secs))
    }

    /// Notes `count` committed records; true when a checkpoint is due by count.
    pub(crate) fn committed(&mut self, count: usize) -> bool {
        self.since = self.since.saturating_add(count as u64);
        self.config.every_records > 0 && self.since >= self.config.every_records
    }

    /// Signs and stores a checkpoint of the head `(sequence, hash)` unless it is already
    /// checkpointed. Returns the checkpoint written, if any.
    pub(crate) async fn checkpoint(&mut self, sequence: u64, hash: &str) -> Option<Checkpoint> {
        if sequence == 0 || sequence <= self.last_sequence {
            return None;
        }
        let time_ms = chrono::Utc::now().timestamp_millis();
        let checkpoint = Checkpoint::sign(&self.config.signing_key, sequence, hash, time_ms);
        let stored = tokio::time::timeout(
            CHECKPOINT_TIMEOUT,
            self.store.append_checkpoint(&checkpoint),
        )
        .await
        .unwrap_or_else(|_| {
            Err(AuditError::Unavailable(
                "checkpoint append timed out".into(),
            ))
        });
        if let Err(error) = stored {
            tracing::warn!(
                sequence,
                kind = error.label(),
                error = %error,
                "audit checkpoint not stored; will retry"
            );
            return None;
        }
        if let Some(path) = self.config.file.clone() {
            let line = checkpoint.clone();
            let written = tokio::task::spawn_blocking(move || append_to_file(&path, &line))
                .await
                .unwrap_or_else(|_| Err(AuditError::Io("checkpoint file task failed".into())));
            if let Err(error) = written {
                tracing::warn!(
                    sequence,
                    error = %error,
                    "audit checkpoint stored in the database but not in the checkpoint file"
                );
            }
        }
        emit_event(&checkpoint);
        self.last_sequence = sequence;
        self.since = 0;
        Some(checkpoint)
    }
}

/// Emits `checkpoint` as one `audit_checkpoint` event (INFO): `sequence` (the trail's size at
/// the checkpoint), `head_hash`, `time_ms`, `key_id`, `signature`. No record data.
pub(crate) fn emit_event(checkpoint: &Checkpoint) {
    tracing::info!(
        sequence = checkpoint.sequence,
        head_hash = %checkpoint.head_hash,
        time_ms = checkpoint.time_ms,
        key_id = %checkpoint.key_id,
        signature = %checkpoint.signature,
        "audit_checkpoint" // = CHECKPOINT_EVENT (a literal: tracing wants one)
    );
}
