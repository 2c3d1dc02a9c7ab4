//! The call center's consultation knowledge, searched in the hub: a base of curated entries
//! (imported from a file; the bundled SAMPLE base otherwise) indexed with tantivy and Korean
//! analysis, swapped without a restart, and measured against an evaluation set.
//!
//! - [`analyzer`] — bigrams, particles and endings, spacing, synonyms, route numbers.
//! - [`synonyms`] — the synonym table (data: `hub/knowledge/synonyms.toml`).
//! - [`base`] — the base file: entries, import checks, review dates.
//! - [`index`] — the tantivy index over one base.
//! - [`store`] — the served snapshot, imports, scheduled refresh.
//! - [`sync`] — a connector's consultation base (Saeol's) as a sync source.
//! - [`eval`] — top-1 / top-3 / MRR over `hub/knowledge/eval.toml`.

pub mod analyzer;
pub mod base;
pub mod eval;
pub mod index;
pub mod store;
pub mod sync;
pub mod synonyms;

pub use store::{KnowledgeError, KnowledgeStore, Outcome, Snapshot};

use serde::Deserialize;
use std::path::PathBuf;

/// `[knowledge]`: the hub's own knowledge index.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct KnowledgeConfig {
    /// Search the hub's own index (`true`, the default), with the connectors' route sources
    /// merged in; `false` forwards every search to the connectors' knowledge sources only.
    pub index: bool,
    /// The base file (TOML `[[entry]]`s); the bundled SAMPLE base when absent. Imports are
    /// written here, and it is re-read every `refresh_secs`.
    pub file: Option<PathBuf>,
    /// The synonym table; the bundled one when absent.
    pub synonyms_file: Option<PathBuf>,
    /// The connector whose consultation base is synced into the index (`saeol`): listed at
    /// start and every `refresh_secs`, and then not asked by searches (its entries are in the
    /// index). Unset: no sync, and that connector's search answers beside the index (entries
    /// with an id the index has are dropped).
    pub sync_from: Option<String>,
    /// How often `file` is re-read and the sync source listed (swapped only when what is
    /// served changes), in seconds; 0 turns both off.
    pub refresh_secs: u64,
}

impl Default for KnowledgeConfig {
    fn default() -> Self {
        KnowledgeConfig {
            index: true,
            file: None,
            synonyms_file: None,
            sync_from: None,
            refresh_secs: 300,
        }
    }
}
