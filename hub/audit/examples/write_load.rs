//! A fixed-size write load through [`AuditLog`], for counting what one durable record costs
//! with `perf stat -e task-clock,context-switches` (a fixed amount of work, so the counts per
//! record repeat on a busy machine where timings do not).
//!
//! `writers` tasks each commit `records` records in a closed loop, on SQLite (a fresh file,
//! WAL, `synchronous=FULL`) or on PostgreSQL (a fresh schema, dropped afterwards); then the
//! run prints records/s and the commit latency p50/p99 one `record` call waited.
//!
//! ```text
//! cargo run --release -p minwon-audit --example write_load -- sqlite 64 1000 [dir]
//! cargo run --release -p minwon-audit --example write_load -- postgres 64 1000 [url]
//! ```

use minwon_audit::{
    AuditError, AuditLog, AuditStore, GroupCommitConfig, PostgresStore, RecordDraft, SqliteStore,
};
use std::sync::Arc;
use std::time::Instant;

#[path = "support/draft.rs"]
mod draft;

/// The write load's record: always the same counselor and citizen.
fn draft() -> RecordDraft {
    draft::overview(
        "load-01".to_string(),
        0x5eed,
        0x0af7_6519,
        "write_load example",
    )
}

/// Runs the load and returns (records/s, p50 ms, p99 ms).
async fn load(
    store: Arc<dyn AuditStore>,
    writers: usize,
    records: usize,
) -> Result<(f64, f64, f64), AuditError> {
    let log = Arc::new(AuditLog::start(store, GroupCommitConfig::default()).await?);
    let start = Instant::now();
    let tasks: Vec<_> = (0..writers)
        .map(|_| {
            let log = Arc::clone(&log);
            tokio::spawn(async move {
                let mut lat = Vec::with_capacity(records);
                for _ in 0..records {
                    let t = Instant::now();
                    log.record(draft()).await?;
                    lat.push(t.elapsed().as_secs_f64() * 1e3);
                }
                Ok::<_, AuditError>(lat)
            })
        })
        .collect();
    let mut lat = Vec::with_capacity(writers * records);
    for task in tasks {
        let done = task
            .await
            .map_err(|e| AuditError::Unavailable(e.to_string()))?;
        lat.extend(done?);
    }
    let secs = start.elapsed().as_secs_f64();
    log.shutdown().await;
    lat.sort_by(f64::total_cmp);
    let at = |q: f64| lat[((lat.len() - 1) as f64 * q) as usize];
    Ok((lat.len() as f64 / secs, at(0.5), at(0.99)))
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let usage = "usage: write_load sqlite|postgres WRITERS RECORDS_PER_WRITER [dir|url]";
    let (kind, writers, records) = match args.as_slice() {
        [k, w, r, ..] => (k.clone(), w.parse::<usize>()?, r.parse::<usize>()?),
        _ => return Err(usage.into()),
    };
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    rt.block_on(async move {
        let (rate, p50, p99) = match kind.as_str() {
            "sqlite" => {
                let dir = tempfile_dir(args.get(3))?;
                let store = SqliteStore::open(&dir.join("write_load.db"))?;
                let out = load(Arc::new(store), writers, records).await;
                let _ = std::fs::remove_dir_all(&dir);
                out?
            }
            "postgres" => {
                let default = "postgres://postgres@127.0.0.1:5432/test".to_string();
                let url = args.get(3).unwrap_or(&default);
                let schema = format!("write_load_{}", std::process::id());
                let store = PostgresStore::connect_with_schema(url, &schema, 4).await?;
                let out = load(Arc::new(store), writers, records).await;
                drop_schema(url, &schema).await;
                out?
            }
            _ => return Err(usage.into()),
        };
        println!(
            "{kind}: {writers} writers x {records} records: {rate:.0} records/s, \
             commit p50 {p50:.2} ms, p99 {p99:.2} ms"
        );
        Ok(())
    })
}

/// A fresh directory for the database, under `base` (default: the system's temp dir).
fn tempfile_dir(base: Option<&String>) -> std::io::Result<std::path::PathBuf> {
    let base = base.map_or_else(std::env::temp_dir, std::path::PathBuf::from);
    let dir = base.join(format!("write_load_{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    Ok(dir)
}

async fn drop_schema(url: &str, schema: &str) {
    let Ok((client, conn)) = tokio_postgres::connect(url, tokio_postgres::NoTls).await else {
        return;
    };
    let task = tokio::spawn(conn);
    let _ = client
        .batch_execute(&format!("DROP SCHEMA IF EXISTS {schema} CASCADE"))
        .await;
    drop(client);
    let _ = task.await;
}
