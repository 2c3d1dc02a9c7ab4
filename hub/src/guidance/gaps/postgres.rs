//! [`GapStore`] in the PostgreSQL database (and schema) of the access trail, pooled with
//! deadpool; connects lazily, so a hub starts while the database is away (gap writes are then
//! dropped, searches go on). Tables are created on first contact under an advisory lock, so
//! replicas starting together do not race.

use super::store::{
    CREATE_TABLES, ChannelRow, GapError, GapHit, GapRange, GapStore, MAX_REPORT_ROWS,
};
use async_trait::async_trait;
use deadpool_postgres::{Manager, ManagerConfig, Pool, RecyclingMethod, Runtime};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::OnceCell;

/// Longest wait for a connection (TCP + handshake) or a pooled one.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(3);
/// Advisory lock key serializing table creation (any fixed number; "gap!" in ASCII).
const CREATE_LOCK: i64 = 0x6761_7021;

/// The PostgreSQL gap store.
#[derive(Clone)]
pub struct PostgresGapStore {
    pool: Pool,
    schema: Option<String>,
    ready: Arc<OnceCell<()>>,
}

impl std::fmt::Debug for PostgresGapStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PostgresGapStore")
            .field("schema", &self.schema)
            .finish_non_exhaustive()
    }
}

fn pg(e: tokio_postgres::Error) -> GapError {
    GapError::Unavailable(format!("postgres: {e}"))
}

/// `[a-z_][a-z0-9_]*`, as the trail's store requires.
fn check_schema(s: &str) -> Result<(), GapError> {
    let ok = s
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_lowercase() || c == '_')
        && s.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
    if ok {
        Ok(())
    } else {
        Err(GapError::Config(
            "postgres schema must match [a-z_][a-z0-9_]*".into(),
        ))
    }
}

impl PostgresGapStore {
    /// Builds the store without contacting the server; `schema` (created if missing) holds
    /// the tables, as it holds the trail's.
    /// TLS as for the trail: the URL's `sslmode`, with `ca_pem` (the trail's
    /// `postgres_ca_file`) beside the public roots.
    pub fn connect_lazy(
        url: &str,
        schema: Option<&str>,
        pool_size: usize,
        ca_pem: Option<&[u8]>,
    ) -> Result<Self, GapError> {
        if let Some(s) = schema {
            check_schema(s)?;
        }
        let mut config = minwon_audit::postgres::tls::parse_url(url)
            .map_err(|_| GapError::Config("malformed PostgreSQL connection URL".into()))?;
        let connector = minwon_audit::postgres::tls::TlsConnector::new(ca_pem)
            .map_err(|e| GapError::Config(format!("postgres TLS: {e}")))?;
        if let Some(s) = schema {
            config.options(format!("-c search_path={s}"));
        }
        config
            .connect_timeout(CONNECT_TIMEOUT)
            .application_name("minwon-knowledge-gaps");
        let manager = Manager::from_connect(
            config,
            connector,
            ManagerConfig {
                recycling_method: RecyclingMethod::Verified,
            },
        );
        let pool = Pool::builder(manager)
            .max_size(pool_size.max(1))
            .runtime(Runtime::Tokio1)
            .wait_timeout(Some(CONNECT_TIMEOUT))
            .create_timeout(Some(CONNECT_TIMEOUT))
            .recycle_timeout(Some(CONNECT_TIMEOUT))
            .build()
            .map_err(|e| GapError::Config(format!("postgres pool: {e}")))?;
        Ok(PostgresGapStore {
            pool,
            schema: schema.map(str::to_string),
            ready: Arc::new(OnceCell::new()),
        })
    }

    async fn client(&self) -> Result<deadpool_postgres::Object, GapError> {
        let get = || async {
            self.pool
                .get()
                .await
                .map_err(|e| GapError::Unavailable(format!("postgres pool: {e}")))
        };
        self.ready
            .get_or_try_init(|| async {
                let mut client = get().await?;
                let tx = client.transaction().await.map_err(pg)?;
                tx.execute("SELECT pg_advisory_xact_lock($1)", &[&CREATE_LOCK])
                    .await
                    .map_err(pg)?;
                if let Some(s) = &self.schema {
                    // Checked to be a plain identifier above.
                    tx.batch_execute(&format!("CREATE SCHEMA IF NOT EXISTS {s}"))
                        .await
                        .map_err(pg)?;
                }
                tx.batch_execute(CREATE_TABLES).await.map_err(pg)?;
                tx.commit().await.map_err(pg)
            })
            .await?;
        get().await
    }
}

#[async_trait]
impl GapStore for PostgresGapStore {
    async fn record(&self, hits: &[GapHit]) -> Result<(), GapError> {
        let mut client = self.client().await?;
        let tx = client.transaction().await.map_err(pg)?;
        let st = tx
            .prepare_cached(
                "INSERT INTO knowledge_gap (query, channel, day, count, no_hit, first_ms, last_ms)
                 VALUES ($1, $2, $3, $4, $5, $6, $7)
                 ON CONFLICT (query, channel, day) DO UPDATE SET
                    count = knowledge_gap.count + EXCLUDED.count,
                    no_hit = knowledge_gap.no_hit + EXCLUDED.no_hit,
                    first_ms = LEAST(knowledge_gap.first_ms, EXCLUDED.first_ms),
                    last_ms = GREATEST(knowledge_gap.last_ms, EXCLUDED.last_ms)",
            )
            .await
            .map_err(pg)?;
        for h in hits {
            let (count, no_hit) = (h.count as i64, h.no_hit as i64);
            tx.execute(
                &st,
                &[
                    &h.query,
                    &h.channel,
                    &h.day,
                    &count,
                    &no_hit,
                    &h.first_ms,
                    &h.last_ms,
                ],
            )
            .await
            .map_err(pg)?;
        }
        tx.commit().await.map_err(pg)
    }

    async fn channel_rows(&self, range: GapRange) -> Result<Vec<ChannelRow>, GapError> {
        let client = self.client().await?;
        let rows = client
            .query(
                "SELECT g.query, g.channel, SUM(g.count)::BIGINT, SUM(g.no_hit)::BIGINT,
                        MIN(g.first_ms), MAX(g.last_ms), a.entry_id, a.answered_ms
                 FROM knowledge_gap g LEFT JOIN knowledge_gap_answer a ON a.query = g.query
                 WHERE g.last_ms >= $1 AND g.first_ms < $2
                 GROUP BY g.query, g.channel, a.entry_id, a.answered_ms
                 ORDER BY 3 DESC, g.query, g.channel
                 LIMIT $3",
                &[&range.from_ms, &range.to_ms, &MAX_REPORT_ROWS],
            )
            .await
            .map_err(pg)?;
        rows.iter()
            .map(|r| {
                let entry: Option<String> = r.try_get(6).map_err(pg)?;
                let at: Option<i64> = r.try_get(7).map_err(pg)?;
                Ok(ChannelRow {
                    query: r.try_get(0).map_err(pg)?,
                    channel: r.try_get(1).map_err(pg)?,
                    count: r.try_get::<_, i64>(2).map_err(pg)?.max(0) as u64,
                    no_hit: r.try_get::<_, i64>(3).map_err(pg)?.max(0) as u64,
                    first_ms: r.try_get(4).map_err(pg)?,
                    last_ms: r.try_get(5).map_err(pg)?,
                    answered: entry.zip(at),
                })
            })
            .collect()
    }

    async fn mark_answered(
        &self,
        query: &str,
        entry_id: &str,
        at_ms: i64,
    ) -> Result<bool, GapError> {
        let client = self.client().await?;
        // One statement: insert only when a gap with this query exists.
        let n = client
            .execute(
                "INSERT INTO knowledge_gap_answer (query, entry_id, answered_ms)
                 SELECT $1::TEXT, $2::TEXT, $3::BIGINT WHERE EXISTS (SELECT 1 FROM knowledge_gap WHERE query = $1)
                 ON CONFLICT (query) DO UPDATE SET
                    entry_id = EXCLUDED.entry_id, answered_ms = EXCLUDED.answered_ms",
                &[&query, &entry_id, &at_ms],
            )
            .await
            .map_err(pg)?;
        Ok(n > 0)
    }
}
