//! minwon-audit: the tamper-evident, durable access trail (접속기록) of minwon-hub.
//!
//! The hub writes one [`AccessRecord`] for every look at personal data — who, when, from
//! where, whose data (pseudonymized), which sources and clear fields, purpose, outcome, trace
//! id — and waits until it is durably committed *before* any personal data leaves the hub.
//!
//! Every K records or S seconds, and at shutdown, the writer signs a [`Checkpoint`] of the
//! chain head with Ed25519 and keeps it in the database and in a file outside it, so an
//! auditor holding only the public key can prove the trail was neither changed nor cut.
//! See `hub/audit/README.md` for the whole design.
//!
//! Layout:
//! - [`subject`]: [`SubjectKey`] and [`Subject`] — a data subject as kind + HMAC + masked form
//!   (a record names every subject an access was about); no
//!   resident registration number is ever stored.
//! - [`record`]: [`RecordDraft`] (what the hub fills in), [`AccessRecord`] (chained),
//!   [`Receipt`], [`Action`], [`Outcome`].
//! - [`chain`]: the hash chain, its canonical encoding, the audit id, and [`verify_chain`].
//! - [`store`]: the [`AuditStore`] trait and [`RecordFilter`]; [`row`]: the one row type
//!   (columns named once) both stores read and write.
//! - [`sqlite`]: [`SqliteStore`], the embedded default (WAL, `synchronous=FULL`).
//! - [`postgres`]: [`PostgresStore`], for production and replicas sharing one database
//!   (advisory-locked appends, `synchronous_commit=on`).
//! - [`writer`]: [`AuditLog`], the group-commit writer that owns the chain head and makes
//!   checkpoints ([`AuditLog::start_with_checkpoints`]); a head it re-reads must continue the
//!   one it knew (`headcheck`), or it fails closed with [`AuditError::Integrity`].
//! - [`checkpoint`]: [`Checkpoint`], [`CheckpointConfig`], the checkpoint file.
//! - [`keys`]: Ed25519 [`SigningKey`] / [`VerifyingKey`] parsing, PEM export, key ids.
//! - [`verify`]: [`verify_trail`], [`verify_store_trail`], [`TrailVerifier`], [`VerifyReport`].
//! - [`mod@export`]: [`export_recorded`] / [`fn@export`] bundles (JSONL or CSV) sealed by an
//!   export-time checkpoint and a signed [`manifest`], and [`verify_bundle`]; [`csv`] is
//!   their CSV dialect.
//! - [`review`]: the monthly access review ([`review::AccessReview`]: per-account summary,
//!   flags with their records, sign-offs); [`kst`]: KST days and months.
//! - [`error`]: [`AuditError`]; its messages never contain personal data.
//!
//! Typical use:
//!
//! ```no_run
//! # async fn demo(draft: minwon_audit::RecordDraft) -> Result<(), minwon_audit::AuditError> {
//! use minwon_audit::{AuditLog, CheckpointConfig, GroupCommitConfig, PostgresStore};
//! use std::sync::Arc;
//! let store = Arc::new(PostgresStore::connect("postgres://hub@db:5432/audit", 8).await?);
//! let key = minwon_audit::keys::parse_signing_key(&std::fs::read_to_string("/secrets/cp.pem")
//!     .map_err(|e| minwon_audit::AuditError::Io(e.to_string()))?)?;
//! let checkpoints = CheckpointConfig {
//!     file: Some("/var/lib/minwon/checkpoints.jsonl".into()),
//!     ..CheckpointConfig::new(key)
//! };
//! let log = AuditLog::start_with_checkpoints(store, GroupCommitConfig::default(), checkpoints)
//!     .await?;
//! let receipt = log.record(draft).await?; // committed: now the data may leave
//! # let _ = receipt; log.shutdown().await; Ok(()) }
//! ```

mod bundle_verify;
pub mod chain;
pub mod checkpoint;
mod checkpointer;
pub mod csv;
pub mod error;
pub mod export;
mod headcheck;
pub mod keys;
pub mod kst;
mod linger;
pub mod manifest;
pub mod postgres;
pub mod record;
pub mod review;
pub mod row;
pub mod sqlite;
pub mod store;
pub mod subject;
pub mod verify;
pub mod writer;

#[cfg(test)]
pub(crate) mod test_support;

pub use chain::{GENESIS_HASH, seal, verify_chain};
pub use checkpoint::{Checkpoint, CheckpointConfig};
pub use error::AuditError;
pub use export::{
    BundleManifest, ExportFormat, ExportRequest, export, export_recorded, verify_bundle,
};
pub use keys::{SigningKey, VerifyingKey};
pub use postgres::PostgresStore;
pub use record::{AccessRecord, Action, Outcome, Receipt, RecordDraft};
pub use sqlite::SqliteStore;
pub use store::{AuditStore, BlockingAppender, RecordFilter, verify_store, verify_store_from};
pub use subject::{CASE_REF_KIND, Subject, SubjectKey};
pub use verify::{
    TrailVerifier, VerifyReport, verify_store_trail, verify_store_trail_from, verify_trail,
};
pub use writer::{AuditLog, GroupCommitConfig};
