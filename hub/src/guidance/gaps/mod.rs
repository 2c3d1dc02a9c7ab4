//! The knowledge-gap report: searches that found nothing, or only weak hits, counted per
//! normalized query — after [`scrub`] removed anything that looks personal — so the content
//! team sees what citizens ask that the knowledge base cannot answer.
//!
//! - [`GapRecorder::observe`] is the one hook, called by `SearchKnowledge` with the merged
//!   answer. It scrubs and normalizes at once (the raw query goes no further) and hands the
//!   result to a background task through a bounded queue: a full queue drops the
//!   observation, a failing store drops the batch — a search is never slowed or failed.
//! - The task sums observations in memory (at most `max_pending` keys) and writes them in one
//!   batch every `flush_interval_ms` ([`GapStore::record`]).
//! - "Weak": the best score is below `[knowledge_gaps] weak_score_below`, judged on the hub's
//!   own index (BM25; bus routes, which score far above it, do not count). The default 20 is
//!   measured on the evaluation set (`knowledge::eval`): under 5% of answered questions score
//!   below it, 7 of the 10 off-topic questions do. With `[knowledge] index = false` the
//!   Saeol-backed search scores 1000 per full match: set 1000 there.
//! - Stored in the access trail's database but not in the trail: [`sqlite`] and [`postgres`]
//!   implement [`GapStore`] with their own tables ([`store::CREATE_TABLES`]).
//! - [`report`] renders the report as HTML and CSV for `minwon-hub knowledge gaps` ([`cli`]).
//! - `minwon_knowledge_gaps_total{outcome}` counts what became of each gap (queued, dropped,
//!   not storable, written, write failed), so silent drops are visible.

pub mod cli;
pub mod postgres;
pub mod report;
pub mod scrub;
pub mod sqlite;
pub mod store;

pub use store::{Gap, GapError, GapHit, GapRange, GapStore};

use crate::access::auth::Channel;
use crate::config::AuditConfig;
use chrono::TimeZone;
use serde::Deserialize;
use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;
use tokio::sync::{mpsc, oneshot};

/// `[knowledge_gaps]`
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct GapsConfig {
    /// Count searches without a good answer (on by default).
    pub enabled: bool,
    /// A search whose best score is below this counts as a gap (see the module docs; 1000
    /// suits the Saeol-backed search: not every word matched).
    pub weak_score_below: f64,
    /// Observations waiting for the writer; more are dropped.
    pub queue_capacity: usize,
    /// Distinct queries summed in memory between writes; new ones beyond are dropped.
    pub max_pending: usize,
    /// How often the summed observations are written, in ms.
    pub flush_interval_ms: u64,
}

impl Default for GapsConfig {
    fn default() -> Self {
        GapsConfig {
            enabled: true,
            weak_score_below: 20.0,
            queue_capacity: 1024,
            max_pending: 4096,
            flush_interval_ms: 1000,
        }
    }
}

/// Opens the gap store in the trail's database: PostgreSQL (same URL and schema) when the
/// trail lives there, otherwise the trail's SQLite file.
pub async fn open_store(audit: &AuditConfig) -> anyhow::Result<Arc<dyn GapStore>> {
    use anyhow::Context;
    if let Some(url) = &audit.postgres_url {
        use secrecy::ExposeSecret;
        let ca =
            match &audit.postgres_ca_file {
                Some(path) => Some(std::fs::read(path).with_context(|| {
                    format!("audit.postgres_ca_file: reading {}", path.display())
                })?),
                None => None,
            };
        let store = postgres::PostgresGapStore::connect_lazy(
            url.expose_secret(),
            audit.postgres_schema.as_deref(),
            2,
            ca.as_deref(),
        )
        .map_err(|e| anyhow::anyhow!("audit.postgres_url (knowledge gaps): {e}"))?;
        return Ok(Arc::new(store));
    }
    let path = audit
        .sqlite_path
        .clone()
        .context("audit.sqlite_path is not set")?;
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    }
    let shown = path.display().to_string();
    let store = tokio::task::spawn_blocking(move || sqlite::SqliteGapStore::open(&path))
        .await?
        .map_err(|e| anyhow::anyhow!("opening the knowledge-gap tables in {shown}: {e}"))?;
    Ok(Arc::new(store))
}

/// One search worth counting, already scrubbed.
#[derive(Debug)]
struct Observation {
    query: String,
    channel: &'static str,
    no_hit: bool,
    at_ms: i64,
}

enum Msg {
    Seen(Observation),
    Flush(oneshot::Sender<()>),
}

/// Counts gaps without slowing searches (see the module docs).
pub struct GapRecorder {
    tx: Option<mpsc::Sender<Msg>>,
    store: Option<Arc<dyn GapStore>>,
    weak_below: f64,
    dropped: Arc<AtomicU64>,
}

impl std::fmt::Debug for GapRecorder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GapRecorder")
            .field("enabled", &self.tx.is_some())
            .field("weak_below", &self.weak_below)
            .finish_non_exhaustive()
    }
}

/// The KST calendar day of a time, `YYYY-MM-DD`.
pub fn kst_day(ms: i64) -> String {
    let kst = minwon_connector_sdk::dates::kst();
    kst.timestamp_millis_opt(ms)
        .single()
        .map(|t| t.format("%Y-%m-%d").to_string())
        .unwrap_or_default()
}

impl GapRecorder {
    /// A recorder that counts nothing and has no store (gaps switched off).
    pub fn disabled() -> Self {
        GapRecorder {
            tx: None,
            store: None,
            weak_below: 0.0,
            dropped: Arc::new(AtomicU64::new(0)),
        }
    }

    /// Starts the writer task over `store`. Must be called inside a Tokio runtime.
    pub fn start(store: Arc<dyn GapStore>, cfg: &GapsConfig) -> Self {
        if !cfg.enabled {
            return GapRecorder {
                store: Some(store),
                ..Self::disabled()
            };
        }
        let (tx, rx) = mpsc::channel(cfg.queue_capacity.max(1));
        let dropped = Arc::new(AtomicU64::new(0));
        tokio::spawn(writer(
            rx,
            store.clone(),
            cfg.max_pending.max(1),
            Duration::from_millis(cfg.flush_interval_ms.max(10)),
            dropped.clone(),
        ));
        GapRecorder {
            tx: Some(tx),
            store: Some(store),
            weak_below: cfg.weak_score_below,
            dropped,
        }
    }

    /// The store, for the report (also when counting is off).
    pub fn store(&self) -> Option<&Arc<dyn GapStore>> {
        self.store.as_ref()
    }

    /// Observations dropped so far (queue or memory full).
    pub fn dropped(&self) -> u64 {
        self.dropped.load(Ordering::Relaxed)
    }

    /// Whether a search with `hits` matches and best score `best_score` is a gap.
    pub fn is_gap(&self, hits: usize, best_score: Option<f64>) -> bool {
        hits == 0 || best_score.is_none_or(|s| s < self.weak_below)
    }

    /// The hook: counts the search if it found nothing or only weak hits. Never blocks,
    /// never fails; the query is scrubbed here and not kept if anything doubtful remains.
    pub fn observe(&self, query: &str, channel: Channel, hits: usize, best_score: Option<f64>) {
        let Some(tx) = &self.tx else { return };
        if !self.is_gap(hits, best_score) {
            return;
        }
        let m = &crate::telemetry::metrics::global().knowledge_gaps;
        let Some(query) = scrub::scrub(query) else {
            m.add(&["not_storable"], 1);
            return;
        };
        let seen = Observation {
            query,
            channel: channel.as_str(),
            no_hit: hits == 0,
            at_ms: chrono::Utc::now().timestamp_millis(),
        };
        if tx.try_send(Msg::Seen(seen)).is_err() {
            self.dropped.fetch_add(1, Ordering::Relaxed);
            m.add(&["dropped_queue"], 1);
        } else {
            m.add(&["queued"], 1);
        }
    }

    /// Writes everything observed so far (waits at most a few seconds), so a report read
    /// right after a search sees it on this replica.
    pub async fn flush(&self) {
        let Some(tx) = &self.tx else { return };
        let (ack, done) = oneshot::channel();
        let wait = async {
            if tx.send(Msg::Flush(ack)).await.is_ok() {
                let _ = done.await;
            }
        };
        let _ = tokio::time::timeout(Duration::from_secs(5), wait).await;
    }
}

type Key = (String, &'static str, String);

async fn writer(
    mut rx: mpsc::Receiver<Msg>,
    store: Arc<dyn GapStore>,
    max_pending: usize,
    every: Duration,
    dropped: Arc<AtomicU64>,
) {
    let mut pending: HashMap<Key, GapHit> = HashMap::new();
    let mut tick = tokio::time::interval(every);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    // The first tick completes at once; nothing is pending yet.
    tick.tick().await;
    loop {
        tokio::select! {
            msg = rx.recv() => match msg {
                Some(Msg::Seen(o)) => add(&mut pending, o, max_pending, &dropped),
                Some(Msg::Flush(ack)) => {
                    write(&*store, &mut pending).await;
                    let _ = ack.send(());
                }
                None => {
                    write(&*store, &mut pending).await;
                    return;
                }
            },
            _ = tick.tick() => write(&*store, &mut pending).await,
        }
    }
}

fn add(pending: &mut HashMap<Key, GapHit>, o: Observation, max: usize, dropped: &AtomicU64) {
    let day = kst_day(o.at_ms);
    let key = (o.query, o.channel, day);
    if let Some(h) = pending.get_mut(&key) {
        h.count += 1;
        h.no_hit += o.no_hit as u64;
        h.first_ms = h.first_ms.min(o.at_ms);
        h.last_ms = h.last_ms.max(o.at_ms);
        return;
    }
    if pending.len() >= max {
        dropped.fetch_add(1, Ordering::Relaxed);
        crate::telemetry::metrics::global()
            .knowledge_gaps
            .add(&["dropped_memory"], 1);
        return;
    }
    let hit = GapHit {
        query: key.0.clone(),
        channel: key.1.to_string(),
        day: key.2.clone(),
        count: 1,
        no_hit: o.no_hit as u64,
        first_ms: o.at_ms,
        last_ms: o.at_ms,
    };
    pending.insert(key, hit);
}

/// Writes and clears `pending`; a failure is logged (without any query) and the batch dropped.
async fn write(store: &dyn GapStore, pending: &mut HashMap<Key, GapHit>) {
    if pending.is_empty() {
        return;
    }
    let batch: Vec<GapHit> = pending.drain().map(|(_, h)| h).collect();
    let m = &crate::telemetry::metrics::global().knowledge_gaps;
    let rows = batch.len() as u64;
    let result = tokio::time::timeout(Duration::from_secs(10), store.record(&batch)).await;
    m.add(
        &[if matches!(result, Ok(Ok(()))) {
            "written"
        } else {
            "write_failed"
        }],
        rows,
    );
    match result {
        Ok(Ok(())) => {}
        Ok(Err(e)) => {
            tracing::warn!(error = %e, queries = batch.len(), "knowledge gaps not written; dropped")
        }
        Err(_) => tracing::warn!(
            queries = batch.len(),
            "knowledge-gap write timed out; dropped"
        ),
    }
}

#[cfg(test)]
mod tests;
