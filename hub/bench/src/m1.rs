//! M1 — gRPC overhead of the whole pipeline: the hub's `GetCitizenOverview` over six null
//! connectors (auth, validation, policy, fan-out through guards, masking, durable SQLite group
//! commit) against a bare tonic unary server, same core, same load (50 streams over 5
//! connections, closed loop), both measured in this run. Besides req/s, each server's CPU time
//! is read from `/proc`, so the report also shows requests per server core-second and whether
//! the server's core was saturated (if the bare server's core is not, the load generator was
//! the limit and the req/s ratio flatters the hub).

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

fn echo_call(
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

fn overview_call(
    bearer: MetadataValue<Ascii>,
) -> impl Fn(Channel) -> BoxFuture<'static, Result<Sample, String>> + Send + Sync + 'static {
    let query = pb::CitizenQuery {
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
    };
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

/// Runs M1 and returns its row.
pub fn run(ctx: &mut Ctx) -> Result<Vec<Row>> {
    println!("M1: bare tonic echo vs the hub pipeline over six null connectors");
    ctx.place.pin_self_to_load();
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
    let hubr = drive(ctx, &hub, secs, overview_call(bearer))?;
    hub.stop();
    ctx.place.unpin_self();
    ctx.bare_per_core_s = Some(bare.per_core_s());

    let r = ratio(hubr.load.rate(), bare.load.rate());
    let r_cpu = ratio(hubr.per_core_s(), bare.per_core_s());
    let errors = hubr.load.errors + bare.load.errors;
    let mut row = Row::new(
        "M1",
        "gRPC overhead: GetCitizenOverview, 6 null connectors, auth+policy+masking+SQLite audit",
        "hub ≥ 0.5 × bare req/s",
    );
    row.measured = format!(
        "hub {:.0} req/s (p50 {:.2} ms; server core {:.0}% busy; {:.0} req per core-s)",
        hubr.load.rate(),
        p50_ms(&hubr.load),
        hubr.busy() * 100.0,
        hubr.per_core_s()
    );
    row.baseline = format!(
        "bare tonic {:.0} req/s (p50 {:.2} ms; core {:.0}% busy; {:.0} req per core-s) → {:.2}× (per core-s: {:.2}×)",
        bare.load.rate(),
        p50_ms(&bare.load),
        bare.busy() * 100.0,
        bare.per_core_s(),
        r,
        r_cpu
    );
    row.pass = Some(errors == 0 && r >= 0.5);
    let mut notes = errors_note(hubr.load.errors, &hubr.load.first_error);
    notes += &errors_note(bare.load.errors, &bare.load.first_error);
    if bare.busy() < 0.9 {
        notes += &format!(
            "The bare server's core was only {:.0}% busy: the load generator (one core, tonic client) is the limit, so the req/s ratio flatters the hub; the per-core-second ratio is the fairer figure. ",
            bare.busy() * 100.0
        );
    }
    notes += &format!(
        "{secs} s measured per server after {} s warm-up.",
        ctx.opts.warmup_secs
    );
    row.notes = notes;
    Ok(vec![row])
}
