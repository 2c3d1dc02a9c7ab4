//! [`GapStore`] in the SQLite file of the access trail (its own tables, not the trail's).
//! One connection behind a mutex, used on the blocking thread pool: gap writes are few
//! batches a second at most, and a search never waits for them.

use super::store::{
    CREATE_TABLES, ChannelRow, GapError, GapHit, GapRange, GapStore, MAX_REPORT_ROWS,
};
use async_trait::async_trait;
use rusqlite::{Connection, OptionalExtension, params};
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// How long a statement waits while the trail's writer holds the file.
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// The SQLite gap store.
#[derive(Clone)]
pub struct SqliteGapStore {
    conn: Arc<Mutex<Connection>>,
}

impl std::fmt::Debug for SqliteGapStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqliteGapStore").finish_non_exhaustive()
    }
}

fn db(e: rusqlite::Error) -> GapError {
    GapError::Unavailable(format!("sqlite: {e}"))
}

impl SqliteGapStore {
    /// Opens `path` (created if missing) and creates the tables if missing. Blocks briefly:
    /// call it at start-up or on the blocking pool.
    pub fn open(path: &Path) -> Result<Self, GapError> {
        let conn = Connection::open(path).map_err(db)?;
        conn.busy_timeout(BUSY_TIMEOUT).map_err(db)?;
        // WAL, as the trail's store uses, so neither blocks the other's readers.
        conn.pragma_update(None, "journal_mode", "WAL")
            .map_err(db)?;
        conn.execute_batch(CREATE_TABLES).map_err(db)?;
        Ok(SqliteGapStore {
            conn: Arc::new(Mutex::new(conn)),
        })
    }

    async fn with<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut Connection) -> Result<T, rusqlite::Error> + Send + 'static,
    ) -> Result<T, GapError> {
        let conn = self.conn.clone();
        tokio::task::spawn_blocking(move || {
            let mut guard = conn
                .lock()
                .map_err(|_| GapError::Unavailable("sqlite: connection poisoned".into()))?;
            f(&mut guard).map_err(db)
        })
        .await
        .map_err(|e| GapError::Unavailable(format!("sqlite task: {e}")))?
    }
}

#[async_trait]
impl GapStore for SqliteGapStore {
    async fn record(&self, hits: &[GapHit]) -> Result<(), GapError> {
        let hits = hits.to_vec();
        self.with(move |c| {
            let tx = c.transaction()?;
            {
                let mut st = tx.prepare_cached(
                    "INSERT INTO knowledge_gap (query, channel, day, count, no_hit, first_ms, last_ms)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
                     ON CONFLICT (query, channel, day) DO UPDATE SET
                        count = count + excluded.count,
                        no_hit = no_hit + excluded.no_hit,
                        first_ms = min(first_ms, excluded.first_ms),
                        last_ms = max(last_ms, excluded.last_ms)",
                )?;
                for h in &hits {
                    st.execute(params![
                        h.query,
                        h.channel,
                        h.day,
                        h.count as i64,
                        h.no_hit as i64,
                        h.first_ms,
                        h.last_ms
                    ])?;
                }
            }
            tx.commit()
        })
        .await
    }

    async fn channel_rows(&self, range: GapRange) -> Result<Vec<ChannelRow>, GapError> {
        self.with(move |c| {
            let mut st = c.prepare_cached(
                "SELECT g.query, g.channel, SUM(g.count), SUM(g.no_hit), MIN(g.first_ms),
                        MAX(g.last_ms), a.entry_id, a.answered_ms
                 FROM knowledge_gap g LEFT JOIN knowledge_gap_answer a ON a.query = g.query
                 WHERE g.last_ms >= ?1 AND g.first_ms < ?2
                 GROUP BY g.query, g.channel, a.entry_id, a.answered_ms
                 ORDER BY 3 DESC, g.query, g.channel
                 LIMIT ?3",
            )?;
            let rows = st.query_map(params![range.from_ms, range.to_ms, MAX_REPORT_ROWS], |r| {
                let entry: Option<String> = r.get(6)?;
                let at: Option<i64> = r.get(7)?;
                Ok(ChannelRow {
                    query: r.get(0)?,
                    channel: r.get(1)?,
                    count: r.get::<_, i64>(2)?.max(0) as u64,
                    no_hit: r.get::<_, i64>(3)?.max(0) as u64,
                    first_ms: r.get(4)?,
                    last_ms: r.get(5)?,
                    answered: entry.zip(at),
                })
            })?;
            rows.collect()
        })
        .await
    }

    async fn mark_answered(
        &self,
        query: &str,
        entry_id: &str,
        at_ms: i64,
    ) -> Result<bool, GapError> {
        let (query, entry_id) = (query.to_string(), entry_id.to_string());
        self.with(move |c| {
            let tx = c.transaction()?;
            let known = tx
                .query_row(
                    "SELECT 1 FROM knowledge_gap WHERE query = ?1 LIMIT 1",
                    params![query],
                    |_| Ok(()),
                )
                .optional()?
                .is_some();
            if known {
                tx.execute(
                    "INSERT INTO knowledge_gap_answer (query, entry_id, answered_ms)
                     VALUES (?1, ?2, ?3)
                     ON CONFLICT (query) DO UPDATE SET
                        entry_id = excluded.entry_id, answered_ms = excluded.answered_ms",
                    params![query, entry_id, at_ms],
                )?;
            }
            tx.commit()?;
            Ok(known)
        })
        .await
    }
}
