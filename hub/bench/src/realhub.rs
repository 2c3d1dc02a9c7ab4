//! M2, M3 and M6's setup: the real simulators in their own process on the load core, the real
//! hub (built from a config file by `build_hub`, served by `serve`, exactly as
//! `minwon-hub serve` does) in its own process on the server core, and the checked
//! `GetCitizenOverview` call both measures send.
//!
//! Only the connectors the hub's registry knows are wired; the simulators started are those of
//! `minwon_hub::fanout::registry::KNOWN` this crate can start (see [`SIMULATORS`]).

use crate::load::Sample;
use crate::pin::{ChildProc, Placement};
use anyhow::{Context, Result};
use minwon_connector_sdk::sim::{Fault, FaultMode, Population, SimHandle};
use minwon_hub::access::auth::{Channel as AuthChannel, Role, TokenMinter};
use minwon_proto::v1 as pb;
use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;
use tonic::metadata::MetadataValue;
use tonic::transport::Channel;

/// Simulators this crate can start, in registry order.
pub const SIMULATORS: [&str; 6] = ["saeol", "tax", "traffic", "welfare", "water", "parking"];

async fn start_sim(name: &str, pop: &Population) -> Result<SimHandle> {
    let any = SocketAddr::from(([127, 0, 0, 1], 0));
    let p = pop.clone();
    Ok(match name {
        "saeol" => minwon_connector_saeol::sim::start(p, any).await?,
        "tax" => minwon_connector_tax::sim::start(p, any).await?,
        "traffic" => minwon_connector_traffic::sim::start(p, any).await?,
        "welfare" => minwon_connector_welfare::sim::start(p, any).await?,
        "water" => minwon_connector_water::sim::start(p, any).await?,
        "parking" => minwon_connector_parking::sim::start(p, any).await?,
        other => anyhow::bail!("no simulator for {other}"),
    })
}

/// The wired sources: known to the hub's registry and startable here.
pub fn wired() -> Vec<&'static str> {
    SIMULATORS
        .into_iter()
        .filter(|n| minwon_hub::fanout::registry::KNOWN.contains(n))
        .collect()
}

/// Child process body: starts every wired simulator and prints their base URLs as JSON on the
/// `READY` line; runs until stdin closes.
pub async fn serve_simulators() -> Result<()> {
    let pop = Population::default_demo();
    let mut sims = Vec::new();
    let mut urls = BTreeMap::new();
    for name in wired() {
        let h = start_sim(name, &pop).await?;
        urls.insert(name.to_string(), h.base_url());
        sims.push(h);
    }
    crate::pin::announce_ready(&serde_json::to_string(&urls)?);
    crate::pin::stdin_closed().await;
    for s in sims {
        s.shutdown().await;
    }
    Ok(())
}

/// Child process body: the real hub from a config file, until stdin closes.
pub async fn serve_hub(config: &Path) -> Result<()> {
    let cfg = minwon_hub::config::HubConfig::load(config)?;
    let telemetry =
        minwon_hub::telemetry::init(minwon_hub::telemetry::LogFormat::Text, Some(&cfg.telemetry))?;
    let hub = minwon_hub::server::build_hub(&cfg).await?;
    let listener = crate::pin::bind_listener(cfg.server.listen).await?;
    crate::pin::announce_ready(&listener.local_addr()?.to_string());
    let listeners = minwon_hub::server::Listeners {
        grpc: listener,
        metrics: None,
        health: None,
    };
    let served =
        minwon_hub::server::serve(hub, listeners, &cfg.server, crate::pin::stdin_closed()).await;
    telemetry.shutdown();
    served
}

fn config_text(sims: &BTreeMap<String, String>) -> String {
    let mut s = String::from(
        r#"# Written by minwon-bench (M2/M3/M6).
[server]
listen = "127.0.0.1:0"

[auth]
jwt_public_key_file = "jwt-public.pem"

[audit]
sqlite_path = "hub-audit.db"
subject_key_file = "subject-hmac.key"
# As measured before checkpoints became the default: the ratios stay comparable.
checkpoints = false

[resilience.defaults]
max_in_flight = 256
"#,
    );
    for name in wired() {
        if let Some(url) = sims.get(name) {
            s.push_str(&format!("\n[connectors.{name}]\nbase_url = \"{url}\"\n"));
        }
    }
    s
}

/// Writes a fresh Ed25519 key pair (`jwt-signing.pem`, `jwt-public.pem`) into `dir` and
/// returns a minter for counselor tokens the hub will accept.
pub fn fresh_keys(dir: &Path) -> Result<TokenMinter> {
    let key = minwon_hub::config::keys::generate_signing_key();
    minwon_hub::config::keys::write_signing_key(
        &key,
        &dir.join("jwt-signing.pem"),
        &dir.join("jwt-public.pem"),
    )?;
    TokenMinter::new(&key, crate::nullhub::ISSUER, crate::nullhub::ISSUER)
}

/// A counselor's bearer metadata value.
pub fn counselor_bearer(minter: &TokenMinter) -> Result<MetadataValue<tonic::metadata::Ascii>> {
    let token = minter.mint("bench-01", Role::Counselor, None, AuthChannel::Phone, 3600)?;
    Ok(format!("Bearer {token}").parse()?)
}

/// One prepared query and the sources that must answer it `OK`.
#[derive(Debug, Clone)]
pub struct Query {
    /// The request body.
    pub body: pb::CitizenQuery,
    /// Sources expected to answer OK.
    pub expected: Vec<String>,
}

/// Queries for the fully covered demo citizens, with every key they have.
pub fn queries() -> Vec<Query> {
    let pop = Population::default_demo();
    pop.citizens()
        .iter()
        .take(5)
        .map(|c| Query {
            body: pb::CitizenQuery {
                citizen: Some(pb::CitizenKeys {
                    rrn: c.rrn.clone(),
                    vehicle_numbers: c.vehicle_numbers.clone(),
                    water_customer_no: c.water_customer_no.clone(),
                }),
                purpose: Some(pb::Purpose {
                    code: pb::PurposeCode::CitizenInquiry as i32,
                    note: "minwon-bench".to_string(),
                }),
                sources: vec![],
                filter: None,
            },
            expected: wired()
                .into_iter()
                .filter(|n| pop.has_records(c, n))
                .filter(|n| !matches!(*n, "traffic" | "parking") || !c.vehicle_numbers.is_empty())
                .map(str::to_string)
                .collect(),
        })
        .collect()
}

/// Sends one overview and checks it: gRPC OK, every expected source `OK`, an audit id.
pub async fn checked_overview(
    ch: Channel,
    bearer: MetadataValue<tonic::metadata::Ascii>,
    q: &Query,
) -> Result<Sample, String> {
    let mut client = pb::citizen_case_service_client::CitizenCaseServiceClient::new(ch);
    let mut req = tonic::Request::new(q.body.clone());
    req.metadata_mut().insert("authorization", bearer);
    let t = std::time::Instant::now();
    let resp = client.get_citizen_overview(req).await;
    let e2e = t.elapsed();
    let o = resp
        .map_err(|s| format!("gRPC {:?}: {}", s.code(), s.message()))?
        .into_inner();
    if o.audit_id.is_empty() {
        return Err("answer without an audit id".to_string());
    }
    for name in &q.expected {
        let st = o.sources.iter().find(|s| &s.source == name);
        match st {
            Some(s) if s.state == pb::SourceState::Ok as i32 => {}
            Some(s) => return Err(format!("source {name}: state {} ({})", s.state, s.detail)),
            None => return Err(format!("source {name} missing from the answer")),
        }
    }
    let called: Vec<&pb::SourceStatus> = o
        .sources
        .iter()
        .filter(|s| {
            s.state != pb::SourceState::Skipped as i32 && s.state != pb::SourceState::Denied as i32
        })
        .collect();
    let slowest_us = called.iter().map(|s| s.latency_us).max().unwrap_or(0);
    Ok(Sample {
        e2e_us: e2e.as_micros() as u64,
        slowest_source_us: u64::from(slowest_us),
        fanout: called.len() as u32,
    })
}

/// The running simulators and hub.
pub struct Env {
    /// Simulator base URLs by name.
    pub sims: BTreeMap<String, String>,
    /// The hub process.
    pub hub: ChildProc,
    /// The simulators' process.
    sims_proc: ChildProc,
    /// The hub's gRPC address.
    pub hub_addr: String,
    /// Counselor bearer value.
    pub bearer: MetadataValue<tonic::metadata::Ascii>,
    /// The queries (round-robin).
    pub queries: Arc<Vec<Query>>,
    /// The hub's config file (M2's baselines build their connectors from it).
    pub config: std::path::PathBuf,
}

impl Env {
    /// Starts the simulators (load core) and the hub (server core) with files in `dir`.
    pub fn start(place: &Placement, dir: &Path) -> Result<Env> {
        let dir = dir.join("realhub");
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir)?;
        let minter = fresh_keys(&dir)?;
        minwon_hub::config::keys::generate_secret(&dir.join("subject-hmac.key"))?;
        let load = place.pinned.then_some(place.load.as_str());
        let server = place.pinned.then_some(place.server.as_str());
        let sims_proc = ChildProc::spawn("simulators", load, &["sims"], Duration::from_secs(30))?;
        let sims: BTreeMap<String, String> =
            serde_json::from_str(&sims_proc.ready).context("simulator URLs")?;
        let config = dir.join("hub.toml");
        std::fs::write(&config, config_text(&sims))?;
        let cfg = config.to_string_lossy().to_string();
        let hub = ChildProc::spawn(
            "hub",
            server,
            &["serve-hub", "--config", &cfg],
            Duration::from_secs(30),
        )?;
        let hub_addr = hub.ready.clone();
        Ok(Env {
            sims,
            hub,
            sims_proc,
            hub_addr,
            bearer: counselor_bearer(&minter)?,
            queries: Arc::new(queries()),
            config,
        })
    }

    /// A checked-overview closure for the load generators (queries round-robin).
    pub fn caller(
        &self,
    ) -> impl Fn(Channel) -> futures::future::BoxFuture<'static, Result<Sample, String>>
    + Send
    + Sync
    + 'static {
        let queries = self.queries.clone();
        let bearer = self.bearer.clone();
        let next = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        move |ch| {
            let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed) % queries.len();
            let queries = queries.clone();
            let bearer = bearer.clone();
            Box::pin(async move { checked_overview(ch, bearer, &queries[i]).await })
        }
    }

    /// Sets every simulator's fault switch.
    pub async fn set_fault(&self, mode: FaultMode, delay_ms: u64) -> Result<()> {
        for url in self.sims.values() {
            minwon_connector_sdk::sim::set_fault(url, Fault { mode, delay_ms })
                .await
                .map_err(|e| anyhow::anyhow!("fault switch of {url}: {e}"))?;
        }
        Ok(())
    }

    /// Stops the hub, then the simulators.
    pub fn stop(self) {
        self.hub.stop();
        self.sims_proc.stop();
    }
}
