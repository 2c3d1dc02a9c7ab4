//! minwon-audit: the tamper-evident, durable access trail (접속기록) of minwon-hub.
//!
//! The hub writes one [`AccessRecord`] for every look at personal data — who, when, from
//! where, whose data (pseudonymized), which sources and clear fields, purpose, outcome, trace
//! id — and waits until it is durably committed *before* any personal data leaves the hub.
//!
//! Layout:
//! - [`subject`]: [`SubjectKey`] and [`Subject`] — a data subject as HMAC + masked form; no
//!   resident registration number is ever stored.
//! - [`record`]: [`RecordDraft`] (what the hub fills in), [`AccessRecord`] (chained),
//!   [`Receipt`], [`Action`], [`Outcome`].
//! - [`chain`]: the hash chain, its canonical encoding, the audit id, and [`verify_chain`].
//! - [`store`]: the [`AuditStore`] trait and [`RecordFilter`].
//! - [`sqlite`]: [`SqliteStore`], the embedded default (WAL, `synchronous=FULL`).
//! - [`writer`]: [`AuditLog`], the group-commit writer that owns the chain head.
//! - [`error`]: [`AuditError`]; its messages never contain personal data.
//!
//! Typical use:
//!
//! ```no_run
//! # async fn demo(draft: minwon_audit::RecordDraft) -> Result<(), minwon_audit::AuditError> {
//! use minwon_audit::{AuditLog, GroupCommitConfig, SqliteStore};
//! use std::sync::Arc;
//! let store = Arc::new(SqliteStore::open(std::path::Path::new("audit.db"))?);
//! let log = AuditLog::start(store, GroupCommitConfig::default()).await?;
//! let receipt = log.record(draft).await?; // committed: now the data may leave
//! # let _ = receipt; log.shutdown().await; Ok(()) }
//! ```

pub mod chain;
pub mod checkpoint;
mod checkpointer;
pub mod csv;
pub mod error;
pub mod export;
pub mod keys;
pub mod postgres;
pub mod record;
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
pub use export::{BundleManifest, ExportFormat, export, verify_bundle};
pub use keys::{SigningKey, VerifyingKey};
pub use postgres::PostgresStore;
pub use record::{AccessRecord, Action, Outcome, Receipt, RecordDraft};
pub use sqlite::SqliteStore;
pub use store::{AuditStore, RecordFilter, verify_store};
pub use subject::{Subject, SubjectKey};
pub use verify::{TrailVerifier, VerifyReport, verify_store_trail, verify_trail};
pub use writer::{AuditLog, GroupCommitConfig};
