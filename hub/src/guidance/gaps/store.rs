//! Where gaps are counted: the [`GapStore`] trait, the rows it keeps, and the report built
//! from them (the same for every store).
//!
//! A row is one normalized query on one channel on one KST day, with its count, how many of
//! those found nothing at all, and the first and last time it was seen. Marking a query
//! answered records the entry id and the time; the report leaves a query out while it has
//! not been seen since then. Both tables are created if missing, beside the access trail's
//! tables but not part of it (`knowledge_gap`, `knowledge_gap_answer`).

use async_trait::async_trait;
use std::collections::BTreeMap;

/// The statements creating the tables (the same SQL for SQLite and PostgreSQL).
pub const CREATE_TABLES: &str = "
CREATE TABLE IF NOT EXISTS knowledge_gap (
    query     TEXT NOT NULL,
    channel   TEXT NOT NULL,
    day       TEXT NOT NULL,
    count     BIGINT NOT NULL CHECK (count > 0),
    no_hit    BIGINT NOT NULL CHECK (no_hit >= 0),
    first_ms  BIGINT NOT NULL,
    last_ms   BIGINT NOT NULL,
    PRIMARY KEY (query, channel, day)
);
CREATE INDEX IF NOT EXISTS knowledge_gap_last ON knowledge_gap (last_ms);
CREATE TABLE IF NOT EXISTS knowledge_gap_answer (
    query        TEXT PRIMARY KEY,
    entry_id     TEXT NOT NULL,
    answered_ms  BIGINT NOT NULL
);
";

/// Most per-channel rows one report reads (the busiest first).
pub const MAX_REPORT_ROWS: i64 = 20_000;

/// A gap store failed.
#[derive(Debug, thiserror::Error)]
pub enum GapError {
    /// The database cannot be reached or refused the statement (no query text inside).
    #[error("knowledge-gap store unavailable: {0}")]
    Unavailable(String),
    /// A configuration value is unusable.
    #[error("knowledge-gap store: {0}")]
    Config(String),
}

/// Searches of one query on one channel on one KST day, to be added to the store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GapHit {
    /// Scrubbed and normalized.
    pub query: String,
    /// Channel name (`phone`, `chatbot`, …).
    pub channel: String,
    /// `YYYY-MM-DD`, KST.
    pub day: String,
    /// Searches.
    pub count: u64,
    /// Of those, searches with no hit at all.
    pub no_hit: u64,
    /// First seen, ms since the epoch.
    pub first_ms: i64,
    /// Last seen, ms since the epoch.
    pub last_ms: i64,
}

/// A query on a channel over a time range, as a store reads it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChannelRow {
    /// Normalized query.
    pub query: String,
    /// Channel.
    pub channel: String,
    /// Searches.
    pub count: u64,
    /// Searches without any hit.
    pub no_hit: u64,
    /// First seen (ms).
    pub first_ms: i64,
    /// Last seen (ms).
    pub last_ms: i64,
    /// Entry id and time (ms) it was marked answered.
    pub answered: Option<(String, i64)>,
}

/// One query of the report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Gap {
    /// Normalized query.
    pub query: String,
    /// Searches in the range.
    pub count: u64,
    /// Of those without any hit.
    pub no_hit: u64,
    /// First seen (ms).
    pub first_ms: i64,
    /// Last seen (ms).
    pub last_ms: i64,
    /// Per channel, most frequent first.
    pub channels: Vec<(String, u64)>,
    /// The entry it was marked answered by, when it missed again since.
    pub answered_entry_id: Option<String>,
}

/// The time range of a report: rows whose day overlaps `[from_ms, to_ms)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GapRange {
    /// Inclusive start (ms).
    pub from_ms: i64,
    /// Exclusive end (ms).
    pub to_ms: i64,
}

impl GapRange {
    /// All time.
    pub const ALL: GapRange = GapRange {
        from_ms: i64::MIN,
        to_ms: i64::MAX,
    };
}

/// Storage of knowledge gaps.
#[async_trait]
pub trait GapStore: Send + Sync + std::fmt::Debug {
    /// Adds the hits (one transaction; rows of the same key are summed).
    async fn record(&self, hits: &[GapHit]) -> Result<(), GapError>;
    /// Per query and channel, the rows overlapping `range`, busiest first, at most
    /// [`MAX_REPORT_ROWS`].
    async fn channel_rows(&self, range: GapRange) -> Result<Vec<ChannelRow>, GapError>;
    /// Marks `query` answered by `entry_id` at `at_ms`; `false` when no gap has that query.
    async fn mark_answered(
        &self,
        query: &str,
        entry_id: &str,
        at_ms: i64,
    ) -> Result<bool, GapError>;
}

/// The report: rows grouped by query, answered ones left out, most frequent first; returns
/// at most `limit` gaps and how many there were.
pub async fn report(
    store: &dyn GapStore,
    range: GapRange,
    limit: usize,
) -> Result<(Vec<Gap>, usize), GapError> {
    let gaps = group(store.channel_rows(range).await?);
    let total = gaps.len();
    Ok((gaps.into_iter().take(limit).collect(), total))
}

/// Groups per-channel rows by query (see [`report`]).
pub fn group(rows: Vec<ChannelRow>) -> Vec<Gap> {
    let mut by_query: BTreeMap<String, (Gap, Option<(String, i64)>)> = BTreeMap::new();
    for r in rows {
        let (g, answered) = by_query.entry(r.query.clone()).or_insert_with(|| {
            (
                Gap {
                    query: r.query.clone(),
                    count: 0,
                    no_hit: 0,
                    first_ms: i64::MAX,
                    last_ms: i64::MIN,
                    channels: Vec::new(),
                    answered_entry_id: None,
                },
                r.answered.clone(),
            )
        });
        g.count += r.count;
        g.no_hit += r.no_hit;
        g.first_ms = g.first_ms.min(r.first_ms);
        g.last_ms = g.last_ms.max(r.last_ms);
        g.channels.push((r.channel, r.count));
        if answered.is_none() {
            *answered = r.answered;
        }
    }
    let mut gaps: Vec<Gap> = by_query
        .into_values()
        .filter_map(|(mut g, answered)| {
            if let Some((entry, at)) = answered {
                if g.last_ms <= at {
                    return None;
                }
                g.answered_entry_id = Some(entry);
            }
            g.channels
                .sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
            Some(g)
        })
        .collect();
    gaps.sort_by(|a, b| {
        b.count
            .cmp(&a.count)
            .then(b.last_ms.cmp(&a.last_ms))
            .then_with(|| a.query.cmp(&b.query))
    });
    gaps
}
