//! M4 — durable audit throughput: 64 concurrent writers through `AuditLog`'s group commit, on
//! SQLite (WAL, `synchronous=FULL`, in the data folder on the real disk) and on the local
//! PostgreSQL (`synchronous_commit` as the server has it, normally on), against the same
//! writers with one record per transaction (`max_batch = 1`) in the same run.

use crate::report::{Row, errors_note, ratio};
use crate::suite::Ctx;
use anyhow::Result;
use minwon_audit::{
    Action, AuditLog, AuditStore, GroupCommitConfig, Outcome, PostgresStore, RecordDraft,
    SqliteStore, SubjectKey,
};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// One write run.
#[derive(Debug, Default)]
struct WriteRun {
    records: u64,
    errors: u64,
    first_error: Option<String>,
    secs: f64,
    lat_ms: Vec<f64>,
}

impl WriteRun {
    fn rate(&self) -> f64 {
        self.records as f64 / self.secs.max(1e-9)
    }
    fn p(&mut self, q: f64) -> f64 {
        crate::load::quantile(&mut self.lat_ms, q)
    }
}

/// An overview's access record draft as the hub writes it: a counselor by phone, one RRN
/// subject (HMAC under a fresh key), the six sources; `purpose_note` says which measure wrote
/// it. M4 and the floor of M1 (`crate::floor`) commit it.
pub fn draft(purpose_note: &str) -> Result<RecordDraft> {
    let rrn = minwon_connector_sdk::Rrn::parse("900101-1234567")
        .map_err(|e| anyhow::anyhow!("test RRN: {e:?}"))?;
    Ok(RecordDraft {
        time: chrono::Utc::now(),
        account: "bench-01".to_string(),
        role: "counselor".to_string(),
        department: String::new(),
        channel: "phone".to_string(),
        client_address: "127.0.0.1".to_string(),
        operation: "GetCitizenOverview".to_string(),
        action: Action::View,
        subjects: vec![SubjectKey::generate().subject_for_rrn(&rrn)],
        sources: crate::nullhub::SOURCES.map(String::from).to_vec(),
        clear_fields: vec![],
        purpose_code: "citizen_inquiry".to_string(),
        purpose_note: purpose_note.to_string(),
        outcome: Outcome::Allowed,
        trace_id: "0af7651916cd43dd8448eb211c80319c".to_string(),
    })
}

async fn write_load(
    store: Arc<dyn AuditStore>,
    max_batch: usize,
    writers: usize,
    warmup: Duration,
    secs: u64,
) -> Result<WriteRun> {
    let log = Arc::new(
        AuditLog::start(
            store,
            GroupCommitConfig {
                max_batch,
                ..GroupCommitConfig::default()
            },
        )
        .await?,
    );
    let d = draft("minwon-bench M4")?;
    let start = Instant::now();
    let (window, end) = (start + warmup, start + warmup + Duration::from_secs(secs));
    let mut tasks = Vec::new();
    for _ in 0..writers {
        let (log, d) = (log.clone(), d.clone());
        tasks.push(tokio::spawn(async move {
            let mut r = WriteRun::default();
            loop {
                let t = Instant::now();
                if t >= end {
                    break;
                }
                let mut draft = d.clone();
                draft.time = chrono::Utc::now();
                let res = log.record(draft).await;
                let done = Instant::now();
                if t < window || done > end {
                    continue;
                }
                match res {
                    Ok(_) => {
                        r.records += 1;
                        r.lat_ms.push((done - t).as_secs_f64() * 1e3);
                    }
                    Err(e) => {
                        r.errors += 1;
                        r.first_error.get_or_insert(e.to_string());
                    }
                }
            }
            r
        }));
    }
    let mut total = WriteRun {
        secs: secs as f64,
        ..WriteRun::default()
    };
    for t in tasks {
        let r = t.await?;
        total.records += r.records;
        total.errors += r.errors;
        if total.first_error.is_none() {
            total.first_error = r.first_error;
        }
        total.lat_ms.extend(r.lat_ms);
    }
    log.shutdown().await;
    Ok(total)
}

fn row(
    ctx: &Ctx,
    id: &str,
    store_desc: &str,
    target: f64,
    mut group: WriteRun,
    mut single: WriteRun,
) -> Row {
    let sync_ms = ctx.fsync_us() / 1e3;
    let limit = 2.0 + sync_ms;
    let mut r = Row::new(
        id,
        &format!(
            "durable audit throughput, {} writers, group commit, {store_desc}",
            ctx.opts.writers
        ),
        &format!(
            "≥ {target:.0} records/s; ≥ 20× one-per-transaction; commit p99 ≤ 2 ms + one disk sync"
        ),
    );
    let x = ratio(group.rate(), single.rate());
    let (p50, p99) = (group.p(0.5), group.p(0.99));
    r.measured = format!(
        "{:.0} records/s, commit p50 {p50:.2} ms, p99 {p99:.2} ms (limit {limit:.2} ms = 2 ms + {sync_ms:.2} ms sync)",
        group.rate()
    );
    r.baseline = format!(
        "one per transaction {:.0} records/s (p99 {:.2} ms) → {x:.1}×",
        single.rate(),
        single.p(0.99)
    );
    let errors = group.errors + single.errors;
    r.pass = Some(errors == 0 && group.rate() >= target && x >= 20.0 && p99 <= limit);
    r.notes = format!(
        "{}{}{} s measured per mode after {} s warm-up.",
        errors_note(group.errors, &group.first_error),
        errors_note(single.errors, &single.first_error),
        ctx.opts.m4_secs,
        ctx.opts.warmup_secs
    );
    r
}

async fn sqlite(ctx: &Ctx) -> Result<Row> {
    let dir = ctx.data_dir.join("m4");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir)?;
    let (w, warm, secs) = (ctx.opts.writers, ctx.opts.warmup(), ctx.opts.m4_secs);
    let g = SqliteStore::open(&dir.join("group.db"))?;
    let group = write_load(Arc::new(g), 512, w, warm, secs).await?;
    let s = SqliteStore::open(&dir.join("single.db"))?;
    let single = write_load(Arc::new(s), 1, w, warm, secs).await?;
    let _ = std::fs::remove_dir_all(&dir);
    Ok(row(
        ctx,
        "M4 SQLite",
        "SQLite WAL synchronous=FULL",
        20_000.0,
        group,
        single,
    ))
}

async fn postgres(ctx: &Ctx) -> Result<Row> {
    let url = &ctx.opts.pg_url;
    let (w, warm, secs) = (ctx.opts.writers, ctx.opts.warmup(), ctx.opts.m4_secs);
    let pid = std::process::id();
    let (gs, ss) = (format!("bench_{pid}_group"), format!("bench_{pid}_single"));
    let connect = |schema: String| async move {
        tokio::time::timeout(
            Duration::from_secs(8),
            PostgresStore::connect_with_schema(url, &schema, 4),
        )
        .await
        .map_err(|_| anyhow::anyhow!("timed out"))?
        .map_err(anyhow::Error::from)
    };
    let g = match connect(gs.clone()).await {
        Ok(g) => g,
        Err(e) => {
            let mut r = Row::new(
                "M4 PostgreSQL",
                "durable audit throughput, PostgreSQL",
                "≥ 10,000 records/s",
            );
            r.notes = format!(
                "skipped: PostgreSQL at {url} unreachable ({e}); set MINWON_BENCH_PG_URL or --pg-url"
            );
            return Ok(r);
        }
    };
    let sync = g
        .show("synchronous_commit")
        .await
        .unwrap_or_else(|_| "?".into());
    let group = write_load(Arc::new(g), 512, w, warm, secs).await;
    let single = match connect(ss.clone()).await {
        Ok(s) => write_load(Arc::new(s), 1, w, warm, secs).await,
        Err(e) => Err(e),
    };
    drop_schemas(url, &[&gs, &ss]).await;
    Ok(row(
        ctx,
        "M4 PostgreSQL",
        &format!("local PostgreSQL, synchronous_commit={sync}"),
        10_000.0,
        group?,
        single?,
    ))
}

async fn drop_schemas(url: &str, schemas: &[&str]) {
    let Ok((client, conn)) = tokio_postgres::connect(url, tokio_postgres::NoTls).await else {
        return;
    };
    let task = tokio::spawn(conn);
    for s in schemas {
        let _ = client
            .batch_execute(&format!("DROP SCHEMA IF EXISTS {s} CASCADE"))
            .await;
    }
    drop(client);
    let _ = task.await;
}

/// Runs M4 (in this process, on every core: the writers are cheap, the store is the subject).
pub fn run(ctx: &mut Ctx) -> Result<Vec<Row>> {
    println!(
        "M4: durable audit throughput (SQLite, PostgreSQL), group commit vs one per transaction"
    );
    ctx.place.unpin_self();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(crate::pin::cores())
        .enable_all()
        .build()?;
    rt.block_on(async { Ok(vec![sqlite(ctx).await?, postgres(ctx).await?]) })
}
