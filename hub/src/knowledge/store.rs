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
mod tests {
    use super::*;

    fn with_file(text: &str) -> (tempfile::TempDir, KnowledgeConfig) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("base.toml");
        std::fs::write(&path, text).unwrap();
        let cfg = KnowledgeConfig {
            file: Some(path),
            ..KnowledgeConfig::default()
        };
        (dir, cfg)
    }

    fn ids(store: &KnowledgeStore, q: &str) -> Vec<String> {
        let s = store.current();
        let (hits, _) = s.index.search(q, None, 5).unwrap();
        hits.iter().map(|h| s.entries[h.ord].id.clone()).collect()
    }

    const SMALL: &str = r#"# SAMPLE
[[entry]]
id = "NEW-1"
category = "반려동물"
question = "햄스터 분양은 어디서 받나요?"
answer = "동물보호센터에 문의하세요."
department = "축산과"
phone = "031-000-0000"
reviewed_at = "2026-01-01"
review_every = "30d"
status = "active"
"#;

    #[test]
    fn an_import_swaps_in_a_new_generation_and_is_written_to_the_file() {
        let (_dir, cfg) = with_file(base::BUNDLED);
        let store = KnowledgeStore::open(&cfg).unwrap();
        assert_eq!(store.current().generation, 1);
        assert!(ids(&store, "햄스터").is_empty());
        let out = store.import(SMALL).unwrap();
        assert_eq!(
            (out.generation, out.entries, out.changed, out.persisted),
            (2, 1, true, true)
        );
        assert_eq!(ids(&store, "햄스터 분양"), ["NEW-1"]);
        assert_eq!(std::fs::read_to_string(cfg.file.unwrap()).unwrap(), SMALL);
        // The file now holds what is served: a reload changes nothing.
        let again = store.reload().unwrap();
        assert_eq!((again.generation, again.changed), (2, false));
    }

    #[test]
    fn a_bad_base_is_refused_and_the_old_one_keeps_serving() {
        let (_dir, cfg) = with_file(base::BUNDLED);
        let store = KnowledgeStore::open(&cfg).unwrap();
        let before = ids(&store, "주민등록증을 잃어버렸어요");
        let broken = SMALL.replace("\"30d\"", "\"monthly\"");
        let e = store.import(&broken).unwrap_err();
        assert!(e.to_string().contains("review_every"), "{e}");
        assert_eq!(store.current().generation, 1);
        assert_eq!(ids(&store, "주민등록증을 잃어버렸어요"), before);
        assert_eq!(
            std::fs::read_to_string(cfg.file.as_ref().unwrap()).unwrap(),
            base::BUNDLED,
            "a refused import is not written"
        );
        // A broken file on disk is refused by the scheduled reload the same way.
        std::fs::write(cfg.file.as_ref().unwrap(), "[[entry]]\nid = 3\n").unwrap();
        assert!(store.reload().is_err());
        assert_eq!(store.current().generation, 1);
    }

    #[tokio::test(start_paused = true)]
    async fn the_schedule_picks_up_a_changed_file() {
        let (_dir, cfg) = with_file(base::BUNDLED);
        let store = Arc::new(KnowledgeStore::open(&cfg).unwrap());
        let task = store.spawn_refresh(Duration::from_secs(60)).unwrap();
        std::fs::write(cfg.file.as_ref().unwrap(), SMALL).unwrap();
        for _ in 0..200 {
            if store.current().generation == 2 {
                break;
            }
            tokio::time::sleep(Duration::from_secs(1)).await;
        }
        task.abort();
        assert_eq!(store.current().generation, 2);
        assert_eq!(ids(&store, "햄스터"), ["NEW-1"]);
    }

    #[test]
    fn entries_past_review_are_listed_longest_overdue_first() {
        let store = KnowledgeStore::open(&KnowledgeConfig::default()).unwrap();
        let today = chrono::NaiveDate::from_ymd_opt(2026, 12, 1).unwrap();
        let snap = store.current();
        let due = snap.due_for_review(today);
        assert!(!due.is_empty() && due.len() < snap.entries.len());
        assert!(
            due.windows(2)
                .all(|w| w[0].review_due() <= w[1].review_due())
        );
        assert!(
            due.iter()
                .all(|e| e.status == Status::Active && e.review_due() < today)
        );
    }

    /// A stand-in for Saeol's listing: answers a category with its entries.
    struct Listing(Vec<KnowledgeEntry>, bool);

    #[async_trait::async_trait]
    impl minwon_connector_sdk::KnowledgeSource for Listing {
        async fn search(
            &self,
            query: &str,
            category: Option<&str>,
            _: usize,
            _: &minwon_connector_sdk::CallContext,
        ) -> Result<(Vec<KnowledgeEntry>, usize), minwon_connector_sdk::ConnectorError> {
            if self.1 {
                return Err(minwon_connector_sdk::ConnectorError::bad_response("down"));
            }
            assert!(query.is_empty(), "a listing, not a search");
            let found: Vec<_> = self
                .0
                .iter()
                .filter(|e| Some(e.category.as_str()) == category)
                .cloned()
                .collect();
            let n = found.len();
            Ok((found, n))
        }
    }

    fn listing(failing: bool) -> SyncSource {
        let entry = |id: &str, q: &str, a: &str| KnowledgeEntry {
            id: id.into(),
            category: "여권".into(),
            question: q.into(),
            answer: a.into(),
            department: "민원여권과".into(),
            contact: "031-980-2165".into(),
            score: 0.0,
        };
        SyncSource {
            name: "saeol".into(),
            source: Arc::new(Listing(
                vec![
                    entry(
                        "KB-0005",
                        "여권을 분실했을 때는 어떻게 하나요?",
                        "새올에서 고친 답입니다.",
                    ),
                    entry(
                        "SAEOL-77",
                        "여권 민원 접수증을 잃어버렸어요",
                        "접수증 없이도 신분증으로 찾을 수 있습니다.",
                    ),
                ],
                failing,
            )),
            guard: Arc::new(crate::resilience::Guard::new(
                "saeol",
                crate::resilience::settings::ConnectorSettings::default(),
            )),
        }
    }

    #[tokio::test(start_paused = true)]
    async fn the_sync_source_is_merged_at_start_and_an_unchanged_listing_swaps_nothing() {
        let store = Arc::new(
            KnowledgeStore::open(&KnowledgeConfig::default())
                .unwrap()
                .with_sync_source(listing(false)),
        );
        let task = store.spawn_refresh(Duration::from_secs(60)).unwrap();
        for _ in 0..50 {
            if store.current().generation == 2 {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        task.abort();
        let snap = store.current();
        assert_eq!(snap.generation, 2);
        let kb5 = snap.entries.iter().find(|e| e.id == "KB-0005").unwrap();
        assert_eq!(kb5.answer, "새올에서 고친 답입니다.");
        assert!(ids(&store, "민원 접수증 분실").contains(&"SAEOL-77".to_string()));
        // The same listing again changes nothing served: no new generation.
        let cats = ["여권".to_string()].into_iter().collect();
        let same = sync::pull(&listing(false), &cats).await.unwrap();
        let again = store.apply_sync(same).unwrap();
        assert_eq!((again.generation, again.changed), (2, false));
        // A failing source is an error for the refresh to log; nothing is swapped.
        let e = sync::pull(&listing(true), &cats).await.unwrap_err();
        assert!(e.to_string().contains("saeol"), "{e}");
        assert_eq!(store.current().generation, 2);
    }

    #[test]
    fn a_missing_file_is_named_at_start() {
        let cfg = KnowledgeConfig {
            file: Some("/nonexistent/base.toml".into()),
            ..KnowledgeConfig::default()
        };
        let e = KnowledgeStore::open(&cfg).err().unwrap().to_string();
        assert!(e.contains("knowledge.file /nonexistent/base.toml"), "{e}");
    }
}
