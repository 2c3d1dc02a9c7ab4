//! The served index and its refresh without a restart: a base is parsed, checked and indexed
//! off to the side, then swapped in whole (`RwLock<Arc<Snapshot>>`: a search holds the
//! snapshot it started with, so it never sees half a base). A base that fails any check is
//! refused and the old one keeps serving.
//!
//! Refreshes come from an import (the admin RPC `ReloadKnowledge` with a file's content, what
//! `minwon-hub knowledge import FILE` sends; written to the configured file so the next
//! scheduled read agrees) or from the schedule, which re-reads the configured file every
//! `refresh_secs` and swaps only when its content changed, and from the sync source
//! ([`super::sync`]), listed at start and at every refresh. Every swap increments the
//! generation that answers carry; a refresh that changes nothing served swaps nothing.

use super::KnowledgeConfig;
use super::base::{self, BaseError, Entry, Status};
use super::index::{IndexError, KnowledgeIndex};
use super::sync::{self, SyncSource, Synced};
use super::synonyms::{self, SynonymError, Synonyms};
use minwon_connector_sdk::KnowledgeEntry;
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;

/// Why a base could not be loaded or imported.
#[derive(Debug, thiserror::Error)]
pub enum KnowledgeError {
    /// The base file breaks a rule.
    #[error(transparent)]
    Base(#[from] BaseError),
    /// The synonym table breaks a rule.
    #[error(transparent)]
    Synonyms(#[from] SynonymError),
    /// Indexing failed.
    #[error(transparent)]
    Index(#[from] IndexError),
    /// A file could not be read or written.
    #[error("{what} {path}: {error}")]
    Io {
        /// What the file is.
        what: &'static str,
        /// Its path.
        path: PathBuf,
        /// The OS error.
        error: std::io::Error,
    },
}

/// One served base: its entries (retired ones too, for the record), their index, and the
/// generation it was swapped in as.
pub struct Snapshot {
    /// Starts at 1; +1 at every swap.
    pub generation: u64,
    /// Every entry of the base, in file order.
    pub entries: Vec<Entry>,
    /// The active entries, indexed.
    pub index: KnowledgeIndex,
    /// The base file's text it was built from (the sync source's entries merged in after).
    file_text: String,
    digest: [u8; 32],
}

impl Snapshot {
    /// Active entries past their review date on `today`, the longest overdue first.
    pub fn due_for_review(&self, today: chrono::NaiveDate) -> Vec<&Entry> {
        let mut due: Vec<&Entry> = self.entries.iter().filter(|e| e.is_stale(today)).collect();
        due.sort_by(|a, b| a.review_due().cmp(&b.review_due()).then(a.id.cmp(&b.id)));
        due
    }

    /// How many entries are answered.
    pub fn active(&self) -> usize {
        self.entries
            .iter()
            .filter(|e| e.status == Status::Active)
            .count()
    }
}

/// What an import or reload did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    /// The generation now served.
    pub generation: u64,
    /// Entries in the served base, and how many of them are active.
    pub entries: usize,
    /// Active entries.
    pub active: usize,
    /// Whether a new base was swapped in (a reload of an unchanged file swaps nothing).
    pub changed: bool,
    /// Whether the imported base was written to the configured file.
    pub persisted: bool,
}

/// The served knowledge base.
pub struct KnowledgeStore {
    current: RwLock<Arc<Snapshot>>,
    file: Option<PathBuf>,
    synonyms: Arc<Synonyms>,
    refresh_every: Duration,
    sync: Option<SyncSource>,
    synced: Mutex<Synced>,
    /// One import at a time: two concurrent ones would race for the next generation.
    imports: Mutex<()>,
}

fn read(what: &'static str, path: &Path) -> Result<String, KnowledgeError> {
    std::fs::read_to_string(path).map_err(|error| KnowledgeError::Io {
        what,
        path: path.to_path_buf(),
        error,
    })
}

/// A digest of what would be served: every field of every entry, in order.
fn digest(entries: &[Entry]) -> [u8; 32] {
    let mut h = Sha256::new();
    for e in entries {
        let status = if e.status == Status::Active { "a" } else { "r" };
        let reviewed = e.reviewed_at.to_string();
        for f in [
            &e.id,
            &e.category,
            &e.question,
            &e.answer,
            &e.department,
            &e.phone,
            &reviewed,
            &e.review_every,
        ] {
            h.update(f.as_bytes());
            h.update([0]);
        }
        h.update(status.as_bytes());
        h.update([1]);
    }
    h.finalize().into()
}

impl KnowledgeStore {
    /// Loads the configured base (or the bundled sample) and synonym table; any defect is an
    /// error naming the file, so a hub never starts on a broken base.
    pub fn open(cfg: &KnowledgeConfig) -> Result<Self, KnowledgeError> {
        let synonyms = Arc::new(match &cfg.synonyms_file {
            Some(p) => Synonyms::parse(&read("knowledge.synonyms_file", p)?)?,
            None => Synonyms::parse(synonyms::BUNDLED)?,
        });
        let text = match &cfg.file {
            Some(p) => read("knowledge.file", p)?,
            None => base::BUNDLED.to_string(),
        };
        let entries = base::parse(&text)?;
        let first = Snapshot {
            generation: 1,
            index: KnowledgeIndex::build(&entries, synonyms.clone())?,
            digest: digest(&entries),
            entries,
            file_text: text,
        };
        Ok(KnowledgeStore {
            current: RwLock::new(Arc::new(first)),
            file: cfg.file.clone(),
            synonyms,
            refresh_every: Duration::from_secs(cfg.refresh_secs),
            sync: None,
            synced: Mutex::new(Synced::default()),
            imports: Mutex::new(()),
        })
    }

    /// Syncs from `source` at start and at every refresh ([`super::sync`]).
    pub fn with_sync_source(mut self, source: SyncSource) -> Self {
        self.sync = Some(source);
        self
    }

    /// The file's entries with the sync source's merged in, and their digest.
    fn prepare(&self, text: &str) -> Result<(Vec<Entry>, [u8; 32]), KnowledgeError> {
        let file = base::parse(text)?;
        let synced = self.synced.lock().unwrap_or_else(|p| p.into_inner());
        let (entries, skipped) = sync::merge(file, &synced);
        if skipped > 0 {
            tracing::warn!(
                skipped,
                "knowledge sync: entries breaking a base rule left out"
            );
        }
        let d = digest(&entries);
        Ok((entries, d))
    }

    /// The connector synced from, if any.
    pub fn sync_source_name(&self) -> Option<&str> {
        self.sync.as_ref().map(|s| s.name.as_str())
    }

    /// How often the configured file is re-read (`[knowledge] refresh_secs`).
    pub fn refresh_every(&self) -> Duration {
        self.refresh_every
    }

    /// The base served now.
    pub fn current(&self) -> Arc<Snapshot> {
        // A poisoned lock only means a panic elsewhere while swapping an Arc: the value
        // inside is still a whole snapshot.
        self.current
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    fn swap(
        &self,
        text: &str,
        (entries, digest): (Vec<Entry>, [u8; 32]),
        persist: bool,
    ) -> Result<Outcome, KnowledgeError> {
        let generation = self.current().generation + 1;
        let next = Snapshot {
            generation,
            index: KnowledgeIndex::build(&entries, self.synonyms.clone())?,
            digest,
            entries,
            file_text: text.to_string(),
        };
        let persisted = match (&self.file, persist) {
            (Some(path), true) => {
                write_atomically(path, text)?;
                true
            }
            _ => false,
        };
        let out = Outcome {
            generation,
            entries: next.entries.len(),
            active: next.active(),
            changed: true,
            persisted,
        };
        *self.current.write().unwrap_or_else(|p| p.into_inner()) = Arc::new(next);
        tracing::info!(
            generation,
            entries = out.entries,
            active = out.active,
            "knowledge base swapped in"
        );
        Ok(out)
    }

    fn unchanged(cur: &Snapshot) -> Outcome {
        Outcome {
            generation: cur.generation,
            entries: cur.entries.len(),
            active: cur.active(),
            changed: false,
            persisted: false,
        }
    }

    /// Swaps in `text` (merged with the sync source) if that changes what is served.
    fn swap_if_changed(&self, text: &str) -> Result<Outcome, KnowledgeError> {
        let cur = self.current();
        let prepared = self.prepare(text)?;
        if prepared.1 == cur.digest {
            return Ok(Self::unchanged(&cur));
        }
        self.swap(text, prepared, false)
    }

    /// Imports a base file's content: checked, indexed, written to the configured file (when
    /// there is one) and swapped in as a new generation. On any error nothing changes.
    pub fn import(&self, text: &str) -> Result<Outcome, KnowledgeError> {
        let _one = self.imports.lock().unwrap_or_else(|p| p.into_inner());
        let prepared = self.prepare(text)?;
        self.swap(text, prepared, true)
    }

    /// Takes a new listing of the sync source and swaps in the merged base if that changes
    /// what is served.
    pub fn apply_sync(&self, listed: Vec<KnowledgeEntry>) -> Result<Outcome, KnowledgeError> {
        let _one = self.imports.lock().unwrap_or_else(|p| p.into_inner());
        self.synced
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .update(listed, chrono::Utc::now().date_naive());
        let text = self.current().file_text.clone();
        self.swap_if_changed(&text)
    }

    /// Re-reads the configured file and swaps it in if its content changed. Without a file
    /// (the bundled sample) there is nothing to re-read.
    pub fn reload(&self) -> Result<Outcome, KnowledgeError> {
        let _one = self.imports.lock().unwrap_or_else(|p| p.into_inner());
        let Some(path) = &self.file else {
            return Ok(Self::unchanged(&self.current()));
        };
        let text = read("knowledge.file", path)?;
        self.swap_if_changed(&text)
    }

    /// Every `every` until the task is aborted: lists the sync source (first at once) and
    /// re-reads the configured file. A failing source or a bad file is logged (never a
    /// file's content) and the served base kept.
    pub fn spawn_refresh(self: &Arc<Self>, every: Duration) -> Option<tokio::task::JoinHandle<()>> {
        if (self.file.is_none() && self.sync.is_none()) || every.is_zero() {
            return None;
        }
        let store = self.clone();
        Some(tokio::spawn(async move {
            let mut tick = tokio::time::interval(every);
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            let mut first = true;
            loop {
                tick.tick().await;
                if let Some(src) = &store.sync {
                    let categories = store
                        .current()
                        .entries
                        .iter()
                        .map(|e| e.category.clone())
                        .collect();
                    match sync::pull(src, &categories).await {
                        Ok(listed) => {
                            tracing::info!(source = %src.name, listed = listed.len(), "knowledge sync listed");
                            let s = store.clone();
                            store
                                .blocking("knowledge sync", move || s.apply_sync(listed))
                                .await
                        }
                        Err(e) => {
                            tracing::warn!(error = %e, "knowledge sync failed; the served base stays")
                        }
                    }
                }
                if !first {
                    let s = store.clone();
                    store
                        .blocking("knowledge refresh", move || s.reload())
                        .await;
                }
                first = false;
            }
        }))
    }

    async fn blocking(
        &self,
        what: &'static str,
        f: impl FnOnce() -> Result<Outcome, KnowledgeError> + Send + 'static,
    ) {
        match tokio::task::spawn_blocking(f).await {
            Ok(Ok(_)) => {}
            Ok(Err(e)) => tracing::warn!(error = %e, "{what} refused; the served base stays"),
            Err(e) => tracing::error!(error = %e, "{what} task failed"),
        }
    }
}

/// Writes `text` beside `path` and renames it over, so a reader never sees half a file.
fn write_atomically(path: &Path, text: &str) -> Result<(), KnowledgeError> {
    let io = |error| KnowledgeError::Io {
        what: "knowledge.file",
        path: path.to_path_buf(),
        error,
    };
    let tmp = path.with_extension("import.tmp");
    std::fs::write(&tmp, text).map_err(io)?;
    std::fs::rename(&tmp, path).map_err(io)
}

#[cfg(test)]
#[path = "store_tests.rs"]
mod tests;
