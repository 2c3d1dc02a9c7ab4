//! The one error type of the audit crate.
//!
//! Every message is built from fixed text, sequence numbers and store diagnostics; none ever
//! carries a field of an access record, so an error can be logged or returned to a caller
//! without leaking personal data.

/// What went wrong while writing, reading or verifying the access trail.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AuditError {
    /// The store could not be reached or did not commit; nothing in the failed batch is
    /// guaranteed to be stored. The hub fails closed on this.
    #[error("audit store unavailable: {0}")]
    Unavailable(String),
    /// The trail does not verify: `sequence` is the first record found bad.
    #[error("audit trail corrupt at sequence {sequence}: {reason}")]
    Corrupt {
        /// First sequence number that failed verification.
        sequence: u64,
        /// Why it failed, e.g. "hash mismatch".
        reason: String,
    },
    /// An append did not continue the stored head (another writer moved it); nothing was
    /// written. The writer re-reads the head and chains again.
    #[error("audit chain conflict at sequence {sequence}: {reason}")]
    Conflict {
        /// Sequence number of the first record the store refused.
        sequence: u64,
        /// Why it was refused.
        reason: String,
    },
    /// The stored trail no longer continues the history this writer knew: a head it re-read
    /// (after another writer appended, or after a failed append) does not link to the last
    /// head it had verified, or the records between do not chain. History was rewritten under
    /// a running hub. The writer then refuses every further record (fail closed) until the
    /// hub is restarted after an investigation.
    #[error("audit trail integrity lost at sequence {sequence}: {reason}")]
    Integrity {
        /// The sequence where the stored trail departs from the known history.
        sequence: u64,
        /// What was found, e.g. "stored head has another hash".
        reason: String,
    },
    /// The audit log has been shut down and accepts no more records.
    #[error("audit log closed")]
    Closed,
    /// A key was refused: a subject key (too short, not hex, ...) or a checkpoint signing or
    /// public key (not PEM, not hex, wrong length). Never contains key material.
    #[error("invalid key: {0}")]
    InvalidKey(String),
    /// Reading or writing a file outside the database failed (checkpoint file, export
    /// bundle), or the file is not in the expected format. Names the file's role, not its data.
    #[error("audit file error: {0}")]
    Io(String),
}

impl AuditError {
    /// A bounded label for metrics and logs (`unavailable`, `corrupt`, ...).
    pub fn label(&self) -> &'static str {
        match self {
            AuditError::Unavailable(_) => "unavailable",
            AuditError::Corrupt { .. } => "corrupt",
            AuditError::Conflict { .. } => "conflict",
            AuditError::Integrity { .. } => "integrity",
            AuditError::Closed => "closed",
            AuditError::InvalidKey(_) => "invalid_key",
            AuditError::Io(_) => "io",
        }
    }

    pub(crate) fn corrupt(sequence: u64, reason: impl Into<String>) -> Self {
        AuditError::Corrupt {
            sequence,
            reason: reason.into(),
        }
    }
}
