//! M1 — gRPC overhead of the whole pipeline: the hub's `GetCitizenOverview` over six null
//! connectors (auth, validation, policy, fan-out through guards, masking, durable SQLite group
//! commit) against two bare tonic servers on the same core under the same load (50 streams
//! over 5 connections, closed loop), all measured in this run: the bare unary echo, and the
//! bare twelve-case server ([`crate::twelve`]) answering the very overview the null hub sent
//! (pre-encoded), so the answer's size is out of the second ratio. Each server's CPU time is
//! read from `/proc`; the ratios are requests per server core-second (req/s is shown too,
//! with a note when a server's core was not saturated and the load generator was the limit).

use crate::load::{self, LoadReport, Sample};
use crate::nullhub::{CASES_PER_SOURCE, SOURCES};
use crate::pin::ChildProc;
use crate::report::{Row, errors_note, ratio};
use crate::suite::Ctx;
use anyhow::Result;
use futures::future::BoxFuture;
use minwon_proto::v1 as pb;
use std::time::{Duration, Instant};
use tonic::metadata::{Ascii, MetadataValue};
use tonic::transport::Channel;

/// One server's figures.
#[derive(Debug, Clone)]
pub struct ServerRun {
    /// The load run.
    pub load: LoadReport,
    /// Server CPU seconds spent in the measured window.
    pub cpu_s: f64,
}

impl ServerRun {
    /// Requests per second of server CPU.
    pub fn per_core_s(&self) -> f64 {
        self.load.ok as f64 / self.cpu_s.max(1e-9)
    }

    /// Share of the window the server's core was busy.
    pub fn busy(&self) -> f64 {
        self.cpu_s / self.load.elapsed.as_secs_f64()
    }
}

/// Runs `call` as closed-loop load against the child `proc`, reading its CPU time over the
/// measured window.
pub fn drive<F>(ctx: &Ctx, proc: &ChildProc, secs: u64, call: F) -> Result<ServerRun>
where
    F: Fn(Channel) -> BoxFuture<'static, Result<Sample, String>> + Send + Sync + 'static,
{
    let rt = crate::suite::load_runtime()?;
    let (o, pid) = (&ctx.opts, proc.pid());
    rt.block_on(async {
        let channels = load::connect(&proc.ready, o.connections).await?;
        let warmup = o.warmup();
        let cpu_at_start = tokio::spawn(async move {
            tokio::time::sleep(warmup).await;
            crate::procfs::cpu_time(pid)
        });
        let report = load::closed_loop(
            &channels,
            o.streams,
            warmup,
            Duration::from_secs(secs),
            true,
            call,
        )
        .await;
        let end = crate::procfs::cpu_time(pid);
        let start = cpu_at_start.await.ok().flatten();
        let cpu_s = match (start, end) {
            (Some(s), Some(e)) => (e - s).as_secs_f64(),
            _ => 0.0,
        };
        Ok(ServerRun {
            load: report,
            cpu_s,
        })
    })
}

/// The checked call of the bare echo.
pub fn echo_call(
    bearer: MetadataValue<Ascii>,
) -> impl Fn(Channel) -> BoxFuture<'static, Result<Sample, String>> + Send + Sync + 'static {
    move |ch| {
        let bearer = bearer.clone();
        Box::pin(async move {
            let mut c = pb::knowledge_service_client::KnowledgeServiceClient::new(ch);
            let mut req = tonic::Request::new(pb::SearchKnowledgeRequest {
                query: "여권".to_string(),
                category: String::new(),
                limit: 0,
            });
            req.metadata_mut().insert("authorization", bearer);
            let t = Instant::now();
            let r = c
                .search_knowledge(req)
                .await
                .map_err(|s| format!("gRPC {:?}: {}", s.code(), s.message()))?
                .into_inner();
            match r.entries.first() {
                Some(e) if r.entries.len() == 1 && e.id == crate::echo::ECHO_ID => Ok(Sample {
                    e2e_us: t.elapsed().as_micros() as u64,
                    slowest_source_us: 0,
                    fanout: 0,
                }),
                _ => Err("echo answer has the wrong body".to_string()),
            }
        })
    }
}

/// The query M1 sends (to the null hub and to the twelve-case baseline alike).
pub fn query() -> pb::CitizenQuery {
    pb::CitizenQuery {
        citizen: Some(pb::CitizenKeys {
            rrn: "900101-1234567".to_string(),
            vehicle_numbers: vec![],
            water_customer_no: String::new(),
        }),
        purpose: Some(pb::Purpose {
            code: pb::PurposeCode::CitizenInquiry as i32,
            note: "minwon-bench M1".to_string(),
        }),
        sources: vec![],
        filter: None,
    }
}

/// Asks the null hub at `addr` for one overview and returns it prost-encoded: the answer the
/// twelve-case baseline serves.
pub fn capture_answer(addr: &str, bearer: MetadataValue<Ascii>) -> Result<Vec<u8>> {
    let rt = crate::suite::load_runtime()?;
    rt.block_on(async {
        let ch = load::connect(addr, 1).await?.remove(0);
        let mut c = pb::citizen_case_service_client::CitizenCaseServiceClient::new(ch);
        let mut req = tonic::Request::new(query());
        req.metadata_mut().insert("authorization", bearer);
        let o = c.get_citizen_overview(req).await?.into_inner();
        anyhow::ensure!(
            o.cases.len() == SOURCES.len() * CASES_PER_SOURCE,
            "the null hub answered {} cases",
            o.cases.len()
        );
        Ok(prost::Message::encode_to_vec(&o))
    })
}

/// The checked `GetCitizenOverview` call of M1: six sources OK, twelve masked cases, an
/// audit id (the twelve-case baseline passes it because it serves a captured hub answer).
pub fn overview_call(
    bearer: MetadataValue<Ascii>,
) -> impl Fn(Channel) -> BoxFuture<'static, Result<Sample, String>> + Send + Sync + 'static {
    let query = query();
    move |ch| {
        let bearer = bearer.clone();
        let query = query.clone();
        Box::pin(async move {
            let mut c = pb::citizen_case_service_client::CitizenCaseServiceClient::new(ch);
            let mut req = tonic::Request::new(query);
            req.metadata_mut().insert("authorization", bearer);
            let t = Instant::now();
            let o = c
                .get_citizen_overview(req)
                .await
                .map_err(|s| format!("gRPC {:?}: {}", s.code(), s.message()))?
                .into_inner();
            let ok = o
                .sources
                .iter()
                .filter(|s| s.state == pb::SourceState::Ok as i32)
                .count();
            if ok != SOURCES.len() {
                return Err(format!("{ok} of {} sources OK", SOURCES.len()));
            }
            if o.cases.len() != SOURCES.len() * CASES_PER_SOURCE {
                return Err(format!("{} cases", o.cases.len()));
            }
            let masked = o.cases.iter().all(|c| {
                c.personal
                    .as_ref()
                    .is_some_and(|p| p.name != "홍길동" && !p.name.is_empty())
            });
            if !masked || o.audit_id.is_empty() {
                return Err("names not masked or no audit id".to_string());
            }
            Ok(Sample {
                e2e_us: t.elapsed().as_micros() as u64,
                slowest_source_us: 0,
                fanout: ok as u32,
            })
        })
    }
}

fn p50_ms(r: &LoadReport) -> f64 {
    let mut v: Vec<f64> = r.samples.iter().map(|s| s.e2e_us as f64 / 1e3).collect();
    load::quantile(&mut v, 0.5)
}

/// The answer file the twelve-case baseline serves, in M1's folder.
pub fn answer_file(dir: &std::path::Path) -> std::path::PathBuf {
    dir.join("twelve-case-answer.bin")
}

/// Runs M1 and returns its row.
pub fn run(ctx: &mut Ctx) -> Result<Vec<Row>> {
    println!("M1: bare tonic echo and bare twelve-case server vs the hub over six null connectors");
    ctx.place.pin_self_to_load();
    let r = measure_all(ctx);
    ctx.place.unpin_self();
    let (bare, twelve, hubr) = r?;
    ctx.bare_per_core_s = Some(bare.per_core_s());
    Ok(vec![row(ctx, &bare, &twelve, &hubr)])
}

/// Echo, null hub (whose first answer is captured), twelve-case server: one after another on
/// the server core, the same load against each.
fn measure_all(ctx: &Ctx) -> Result<(ServerRun, ServerRun, ServerRun)> {
    let dir = ctx.data_dir.join("m1");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir)?;
    let minter = crate::realhub::fresh_keys(&dir)?;
    let bearer = crate::realhub::counselor_bearer(&minter)?;
    let server = ctx.place.pinned.then_some(ctx.place.server.as_str());
    let secs = ctx.opts.m1_secs;
    let ready = Duration::from_secs(30);

    let echo = ChildProc::spawn("echo server", server, &["serve-echo"], ready)?;
    let bare = drive(ctx, &echo, secs, echo_call(bearer.clone()))?;
    echo.stop();

    let d = dir.to_string_lossy().to_string();
    let hub = ChildProc::spawn("null hub", server, &["serve-null-hub", "--dir", &d], ready)?;
    let answer = answer_file(&dir);
    std::fs::write(&answer, capture_answer(&hub.ready, bearer.clone())?)?;
    let hubr = drive(ctx, &hub, secs, overview_call(bearer.clone()))?;
    hub.stop();

    let a = answer.to_string_lossy().to_string();
    let twelve = ChildProc::spawn(
        "twelve-case server",
        server,
        &["serve-twelve-case", "--answer", &a],
        ready,
    )?;
    let twelver = drive(ctx, &twelve, secs, overview_call(bearer))?;
    twelve.stop();
    Ok((bare, twelver, hubr))
}

/// Target of M1: hub requests per server core-second against the bare echo's.
pub const TARGET: f64 = 0.35;

fn describe(name: &str, r: &ServerRun) -> String {
    format!(
        "{name} {:.0} req/s (p50 {:.2} ms; core {:.0}% busy; {:.0} req per core-s)",
        r.load.rate(),
        p50_ms(&r.load),
        r.busy() * 100.0,
        r.per_core_s()
    )
}

fn row(ctx: &Ctx, bare: &ServerRun, twelve: &ServerRun, hubr: &ServerRun) -> Row {
    let secs = ctx.opts.m1_secs;
    let r_echo = ratio(hubr.per_core_s(), bare.per_core_s());
    let r_twelve = ratio(hubr.per_core_s(), twelve.per_core_s());
    let errors = hubr.load.errors + bare.load.errors + twelve.load.errors;
    let mut row = Row::new(
        "M1",
        "gRPC overhead: GetCitizenOverview, 6 null connectors, auth+policy+masking+SQLite audit",
        "hub ≥ 0.35 × bare echo, per server core-s",
    );
    row.measured = describe("hub", hubr);
    row.baseline = format!(
        "{} → **{r_echo:.2}×** per core-s (req/s {:.2}×); {} (the hub's captured twelve-case answer, pre-encoded) → **{r_twelve:.2}×** per core-s (req/s {:.2}×)",
        describe("bare echo", bare),
        ratio(hubr.load.rate(), bare.load.rate()),
        describe("bare twelve-case", twelve),
        ratio(hubr.load.rate(), twelve.load.rate()),
    );
    row.pass = Some(errors == 0 && r_echo >= TARGET);
    let mut notes = errors_note(hubr.load.errors, &hubr.load.first_error);
    notes += &errors_note(bare.load.errors, &bare.load.first_error);
    notes += &errors_note(twelve.load.errors, &twelve.load.first_error);
    for (name, r) in [("bare echo", bare), ("twelve-case", twelve)] {
        if r.busy() < 0.9 {
            notes += &format!(
                "The {name} server's core was only {:.0}% busy: the load generator (one core, tonic client) is the limit, so its req/s flatters the hub; the per-core-second ratio is the fairer figure. ",
                r.busy() * 100.0
            );
        }
    }
    notes += &format!(
        "{secs} s measured per server after {} s warm-up.",
        ctx.opts.warmup_secs
    );
    row.notes = notes;
    row
}
