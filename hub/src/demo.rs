//! `minwon-hub demo`: simulated back-ends on loopback, the hub on top of them with the embedded
//! SQLite audit store, and three files a front-end developer (or a test) can use:
//! `demo-citizens.json`, `demo-tokens.json`, `demo-endpoints.json`, all under the data folder.
//! It also serves the reference counselor screen ([`crate::counselor`]) on its own loopback
//! port, the one origin the demo hub's CORS allows.
//!
//! The demo goes through the same config loading and start-up as `serve`: it writes
//! `demo-config.toml` and loads it, so what the demo shows is what production runs.

use crate::access::auth::{Channel, Role, TokenMinter};
use crate::config::HubConfig;
use crate::config::keys;
use crate::server;
use anyhow::{Context, Result};
use minwon_connector_sdk::sim::{Population, SimHandle, SynthCitizen};
use minwon_connector_sdk::{CitizenKeys, Descriptor};
use serde_json::json;
use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

/// Demo options (from the command line).
#[derive(Debug, Clone)]
pub struct DemoOptions {
    /// Folder for keys, the audit database and the demo files.
    pub data_dir: PathBuf,
    /// Hub gRPC address (port 0 picks a free one; the real one is in demo-endpoints.json).
    pub listen: SocketAddr,
    /// First simulator port; simulators take the next ports in registry order. 0 = free ports.
    pub sim_base_port: u16,
}

/// The demo's department configured by its table alone (connectors/declarative/waste.toml),
/// served by the template crate's simulator drawing the population's `waste` records.
pub const DECLARATIVE_DEMO: &str = "waste";

/// The simulators, in registry order: every crate of [`crate::fanout::registry::CRATES`], then the
/// declarative [`DECLARATIVE_DEMO`] department.
async fn start_simulators(
    pop: &Population,
    base_port: u16,
) -> Result<Vec<(&'static str, SimHandle)>> {
    let addr = |i: usize| -> SocketAddr {
        let port = if base_port == 0 {
            0
        } else {
            base_port + u16::try_from(i).unwrap_or(u16::MAX - base_port)
        };
        SocketAddr::from(([127, 0, 0, 1], port))
    };
    let mut sims = Vec::new();
    for (i, entry) in crate::fanout::registry::CRATES.iter().enumerate() {
        let sim = (entry.simulator)(pop.clone(), addr(i + 1))
            .await
            .with_context(|| format!("starting the {} simulator", entry.name))?;
        sims.push((entry.name, sim));
    }
    let n = crate::fanout::registry::CRATES.len() + 1;
    let waste = minwon_connector_template::sim::start_for(DECLARATIVE_DEMO, pop.clone(), addr(n))
        .await
        .context("starting the waste simulator")?;
    sims.push((DECLARATIVE_DEMO, waste));
    Ok(sims)
}

/// The sources that hold records for `c`: the simulator has some for them, and the citizen
/// has a key the source answers from (no car, no traffic fines).
fn sources_of(pop: &Population, c: &SynthCitizen, sources: &[&Descriptor]) -> Vec<String> {
    let keys =
        CitizenKeys::parse(&c.rrn, &c.vehicle_numbers, &c.water_customer_no).unwrap_or_default();
    sources
        .iter()
        .filter(|d| pop.has_records(c, &d.name) && d.can_answer(&keys))
        .map(|d| d.name.clone())
        .collect()
}

fn ensure_keys(dir: &Path) -> Result<()> {
    let (prv, public) = (dir.join("jwt-signing.pem"), dir.join("jwt-public.pem"));
    if !prv.exists() || !public.exists() {
        keys::write_signing_key(&keys::generate_signing_key(), &prv, &public)?;
    }
    let checkpoint = dir.join("checkpoint-signing.pem");
    if !checkpoint.exists() {
        let pem = minwon_audit::keys::signing_key_pem(&minwon_audit::keys::generate_signing_key())
            .map_err(|e| anyhow::anyhow!("{e}"))?;
        keys::write_secret_file(&checkpoint, pem.as_bytes())?;
    }
    let subject = dir.join("subject-hmac.key");
    if !subject.exists() {
        keys::generate_secret(&subject)?;
    }
    // The stand-in identity-verification service: its private key, and its public key as the
    // JWKS the hub reads like any citizen issuer's.
    let verify = dir.join(CITIZEN_KEY_FILE);
    if !verify.exists() {
        let (public, key) = (
            dir.join("citizen-verify-public.pem"),
            keys::generate_signing_key(),
        );
        keys::write_signing_key(&key, &verify, &public)?;
    }
    let key = keys::read_signing_key(&verify)?;
    write_atomic(
        &dir.join("citizen-jwks.json"),
        &crate::access::auth::keys::ed25519_jwks(&key.verifying_key()),
    )?;
    Ok(())
}

/// The demo verification service's private key file.
const CITIZEN_KEY_FILE: &str = "citizen-verify-signing.pem";
/// The demo verification service's issuer name.
pub const CITIZEN_ISSUER: &str = "minwon-demo-verification";

fn config_text(listen: SocketAddr, screen_origin: &str, sims: &[(&str, SimHandle)]) -> String {
    let (citizen_issuer, citizen_key) = (CITIZEN_ISSUER, CITIZEN_KEY_FILE);
    let mut s = format!(
        r#"# Written by `minwon-hub demo`; paths are relative to this file.
[server]
listen = "{listen}"
# gRPC-Web from the demo's counselor screen (its own port; see demo-endpoints.json).
cors_allowed_origins = ["{screen_origin}"]

[auth]
jwt_public_key_file = "jwt-public.pem"
jwt_private_key_file = "jwt-signing.pem"
# demo-tokens.json lives 7 days; outside the demo keep the 12 h default.
max_token_lifetime_secs = 604800

# A stand-in for the city's identity-verification service (PASS, 간편인증, joint
# certificate): its assertions name a verified citizen for SelfService. Real assertions live
# at most 10 minutes; the demo's citizen_token in demo-citizens.json lives 7 days.
[[auth.issuers]]
issuer = "{citizen_issuer}"
audiences = ["minwon-hub"]
kind = "citizen"
jwks_file = "citizen-jwks.json"
algorithms = ["EdDSA"]
max_token_lifetime_secs = 604800
demo_signing_key_file = "{citizen_key}"

[audit]
sqlite_path = "audit.db"
subject_key_file = "subject-hmac.key"
checkpoint_key_file = "checkpoint-signing.pem"
checkpoint_file = "audit-checkpoints.jsonl"
checkpoint_every_records = 100
checkpoint_every_secs = 30

[fanout]
default_deadline_ms = 3000
max_deadline_ms = 10000

# The hub's own knowledge index: the SAMPLE base, copied here at the first start so
# `minwon-hub knowledge import FILE` has a file to replace; Saeol's consultation base synced
# in; both re-read every 5 minutes.
[knowledge]
file = "knowledge-base.toml"
sync_from = "saeol"
refresh_secs = 300

# Prometheus text on an admin port (port 0: any free port, see demo-endpoints.json). Set
# otlp_endpoint (or MINWON_TELEMETRY__OTLP_ENDPOINT) to export traces and metrics over OTLP.
[telemetry]
metrics_listen = "127.0.0.1:0"

# Every connector: bulkhead, per-source deadline, breaker, retry. Tuned so a demo user can
# trip a breaker by hand in a few calls (see the README).
[resilience.defaults]
max_in_flight = 64
deadline_ms = 2500

[resilience.defaults.breaker]
window = 10
minimum_calls = 4
failure_rate_threshold = 50
slow_call_duration_ms = 2000
slow_call_rate_threshold = 80
open_wait_ms = 5000
half_open_calls = 2
half_open_max_ms = 5000

[resilience.defaults.retry]
enabled = true
backoff_ms = 50
budget_ratio = 0.1
"#
    );
    for (name, sim) in sims {
        if *name == DECLARATIVE_DEMO {
            // The whole table: this department is configuration only.
            let example = minwon_connector_declarative::WASTE_EXAMPLE;
            s.push('\n');
            s.push_str(&example.replace(
                "base_url = \"https://waste.example.go.kr\"",
                &format!("base_url = \"{}\"", sim.base_url()),
            ));
            continue;
        }
        s.push_str(&format!(
            "\n[connectors.{name}]\nbase_url = \"{}\"\n",
            sim.base_url()
        ));
    }
    s
}

/// The minter of the demo's stand-in verification service, from the first citizen issuer
/// with a `demo_signing_key_file`.
pub fn citizen_minter(cfg: &HubConfig) -> Result<TokenMinter> {
    let issuer = cfg
        .auth
        .issuers
        .iter()
        .find(|i| {
            i.kind == crate::access::auth::IssuerKind::Citizen && i.demo_signing_key_file.is_some()
        })
        .context("no citizen issuer with a demo_signing_key_file in the config")?;
    let key = keys::read_signing_key(
        issuer
            .demo_signing_key_file
            .as_deref()
            .expect("found with one"),
    )?;
    let audience = issuer
        .audiences
        .first()
        .context("the issuer names an audience")?;
    Ok(TokenMinter::new(&key, &issuer.issuer, audience)?.with_kid(
        crate::access::auth::keys::ed25519_key_id(&key.verifying_key()),
    ))
}

/// Writes a file atomically (write then rename), so a reader never sees half of it.
fn write_atomic(path: &Path, text: &str) -> Result<()> {
    let tmp = path.with_extension("tmp");
    std::fs::write(&tmp, text).with_context(|| format!("writing {}", tmp.display()))?;
    std::fs::rename(&tmp, path).with_context(|| format!("writing {}", path.display()))?;
    Ok(())
}

/// Runs the demo until Ctrl-C / SIGTERM.
pub async fn run(opts: DemoOptions, log_format: crate::telemetry::LogFormat) -> Result<()> {
    let dir = &opts.data_dir;
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    for f in [
        "demo-endpoints.json",
        "demo-tokens.json",
        "demo-citizens.json",
    ] {
        let _ = std::fs::remove_file(dir.join(f));
    }
    ensure_keys(dir)?;
    let base = dir.join("knowledge-base.toml");
    if !base.exists() {
        write_atomic(&base, crate::guidance::knowledge::base::BUNDLED)?;
    }
    let pop = Population::default_demo();
    let sims = start_simulators(&pop, opts.sim_base_port).await?;
    let listener = tokio::net::TcpListener::bind(opts.listen)
        .await
        .with_context(|| {
            format!(
                "binding the hub to {} (is another hub running?)",
                opts.listen
            )
        })?;
    let hub_addr = listener.local_addr()?;
    let (screen, screen_origin) = crate::counselor::bind_loopback()
        .await
        .context("binding the counselor screen to a loopback port")?;
    let config_path = dir.join("demo-config.toml");
    write_atomic(&config_path, &config_text(hub_addr, &screen_origin, &sims))?;
    let cfg = HubConfig::load(&config_path)?;
    let telemetry = crate::telemetry::init(log_format, Some(&cfg.telemetry))?;
    let hub = server::build_hub(&cfg).await?;
    let metrics = server::bind_metrics(&cfg).await?;
    let health = server::bind_health(&cfg).await?;
    let health_addr = match &health {
        Some(l) => l.local_addr()?.to_string(),
        None => String::new(),
    };
    let metrics_url = match &metrics {
        Some(l) => format!("http://{}/metrics", l.local_addr()?),
        None => String::new(),
    };
    // The auditor's console shares the admin port.
    let console_url = match &metrics {
        Some(l) => format!("http://{}/console/", l.local_addr()?),
        None => String::new(),
    };

    let minter = TokenMinter::new(
        &keys::read_signing_key(
            cfg.auth
                .jwt_private_key_file
                .as_deref()
                .context("demo config names the private key")?,
        )?,
        &cfg.auth.issuer,
        &cfg.auth.audience,
    )?;
    let ttl = 7 * 24 * 3600;
    let tokens = json!({
        "counselor": minter.mint("counselor-01", Role::Counselor, None, Channel::Phone, ttl)?,
        "officer": minter.mint("officer-tax-01", Role::Officer, Some("세정과"), Channel::Web, ttl)?,
        "auditor": minter.mint("auditor-01", Role::Auditor, None, Channel::Web, ttl)?,
        "chatbot": minter.mint("chatbot-01", Role::Chatbot, None, Channel::Chatbot, ttl)?,
        "admin": minter.mint("admin-01", Role::Admin, None, Channel::Web, ttl)?,
        "sms": minter.mint("sms-gateway-01", Role::Sms, None, Channel::Sms, ttl)?,
    });
    let verifier = citizen_minter(&cfg)?;
    let names: Vec<&str> = sims.iter().map(|(n, _)| *n).collect();
    let descriptors: Vec<&Descriptor> = hub
        .registry
        .connectors
        .iter()
        .map(|r| r.descriptor())
        .collect();
    let citizens: Vec<_> = pop
        .citizens()
        .iter()
        .take(20)
        .enumerate()
        .map(|(i, c)| {
            let mut v = json!({
                "name": c.name, "rrn": c.rrn, "phone": c.phone, "address": c.address,
                "district": c.district, "vehicle_numbers": c.vehicle_numbers,
                "water_customer_no": c.water_customer_no, "sources": sources_of(&pop, c, &descriptors),
            });
            // A verified-citizen assertion for the first five, for SelfService.
            if i < 5 {
                let rrn = minwon_connector_sdk::Rrn::parse(&c.rrn)?;
                v["citizen_token"] = json!(verifier.mint_citizen(&rrn, &["pass"], Channel::Web, ttl)?);
            }
            Ok(v)
        })
        .collect::<Result<_>>()?;
    let endpoints = json!({
        "hub": hub_addr.to_string(),
        "metrics": metrics_url,
        "health": health_addr,
        "console": console_url,
        "counselor_screen": format!("{screen_origin}/"),
        "simulators": sims.iter().map(|(n, s)| (n.to_string(), s.base_url())).collect::<BTreeMap<_, _>>(),
        "fault_switch": "POST <simulator>/_sim/fault {\"mode\": \"none|hang|http_500|envelope_error|malformed|slow\", \"delay_ms\": N}",
    });
    write_atomic(
        &dir.join("demo-tokens.json"),
        &serde_json::to_string_pretty(&tokens)?,
    )?;
    write_atomic(
        &dir.join("demo-citizens.json"),
        &serde_json::to_string_pretty(&json!({ "all_sources": names, "citizens": citizens }))?,
    )?;
    let site = crate::counselor::ScreenSite {
        hub_url: format!("http://{hub_addr}"),
    };
    tokio::spawn(crate::counselor::serve(screen, site));
    // Written last: its presence means everything is up.
    write_atomic(
        &dir.join("demo-endpoints.json"),
        &serde_json::to_string_pretty(&endpoints)?,
    )?;

    println!("minwon-hub demo is running.");
    println!("  hub (gRPC, plaintext):  {hub_addr}");
    println!(
        "  counselor screen:       {screen_origin}/   (sign in with a token from demo-tokens.json)"
    );
    for (n, s) in &sims {
        println!(
            "  simulator {n:<8}      {}   (fault switch: POST {}/_sim/fault)",
            s.base_url(),
            s.base_url()
        );
    }
    println!(
        "  audit store (SQLite):   {}",
        cfg.audit
            .sqlite_path
            .as_deref()
            .unwrap_or(std::path::Path::new("-"))
            .display()
    );
    println!("  metrics (Prometheus):   {metrics_url}");
    println!("  audit console (web):    {console_url}   (sign in with the auditor token)");
    println!(
        "  files:                  {}/demo-{{citizens,tokens,endpoints}}.json",
        dir.display()
    );
    println!("Call it with a token from demo-tokens.json as `authorization: Bearer <token>`, e.g.");
    // A synthetic demo citizen (fake data), so the example can be pasted as it is.
    let example = &pop.citizens()[0];
    println!(
        "  minwon.v1.CitizenCaseService/GetCitizenOverview {{\"citizen\":{{\"rrn\":\"{}\",\"vehicle_numbers\":[\"{}\"],\"water_customer_no\":\"{}\"}},\"purpose\":{{\"code\":\"PURPOSE_CODE_CITIZEN_INQUIRY\"}}}}",
        example.rrn,
        example
            .vehicle_numbers
            .first()
            .map(String::as_str)
            .unwrap_or(""),
        example.water_customer_no
    );
    println!("Press Ctrl-C to stop.");

    let listeners = server::Listeners {
        grpc: listener,
        metrics,
        health,
    };
    let served = server::serve(hub, listeners, &cfg.server, server::shutdown_signal()).await;
    telemetry.shutdown();
    served?;
    for (_, s) in sims {
        s.shutdown().await;
    }
    Ok(())
}
