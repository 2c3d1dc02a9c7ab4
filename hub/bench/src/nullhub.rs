//! M1's server under test: the real hub pipeline (auth, validation, policy, fan-out through
//! each connector's guard, masking, the durable SQLite group-commit audit) over six in-process
//! **null connectors** that answer fixed cases instantly, with no I/O.
//!
//! The hub is assembled from its public parts (`Registry`, `Registered`, `Guard`, `Hub`) and
//! served by the hub's own `server::serve`, exactly as `minwon-hub serve` serves it.

use anyhow::{Context, Result};
use minwon_connector_sdk::{
    CallContext, Case, CaseKind, CaseStatus, CitizenKeys, Connector, ConnectorError, Descriptor,
    HealthCheck, KeyKind, PersonalData, PersonalField,
};
use minwon_hub::api::Hub;
use minwon_hub::config::HubConfig;
use minwon_hub::fanout::registry::{Registered, Registry};
use minwon_hub::fanout::resilience::Guard;
use minwon_hub::fanout::resilience::settings::ConnectorSettings;
use minwon_hub::server::Listeners;
use std::path::Path;
use std::sync::Arc;

/// The six sources of the null hub (the six departments of the real one).
pub const SOURCES: [&str; 6] = ["saeol", "tax", "traffic", "welfare", "water", "parking"];
/// Cases each null connector returns.
pub const CASES_PER_SOURCE: usize = 2;
/// Issuer and audience of the benchmark's tokens (the hub's defaults).
pub const ISSUER: &str = "minwon-hub";

/// A connector that answers fixed cases at once.
pub struct NullConnector {
    descriptor: Descriptor,
    cases: Vec<Case>,
}

impl NullConnector {
    /// A null connector named `name` returning [`CASES_PER_SOURCE`] fixed cases.
    pub fn new(name: &str) -> Self {
        let descriptor = Descriptor {
            name: name.to_string(),
            department: format!("{name}과"),
            kind: "null".to_string(),
            base_url: "null://".to_string(),
            accepts: vec![KeyKind::Rrn],
            personal_fields: PersonalField::ALL.to_vec(),
            attribute_labels: Default::default(),
        };
        let cases = (0..CASES_PER_SOURCE)
            .map(|i| Case {
                source: name.to_string(),
                native_id: format!("N-{i:04}"),
                kind: CaseKind::Other,
                title: format!("고정 사례 {i}"),
                status: CaseStatus::InProgress,
                source_status: "처리중".to_string(),
                amount_krw: Some(45_000),
                opened_at: None,
                updated_at: None,
                due_date: None,
                department: format!("{name}과"),
                contact: "031-980-2114".to_string(),
                attributes: Default::default(),
                personal: PersonalData {
                    name: Some("홍길동".to_string()),
                    rrn: Some("900101-1234567".to_string()),
                    phone: Some("010-1234-5678".to_string()),
                    address: Some("경기도 김포시 사우중로 1".to_string()),
                    vehicle_number: None,
                    account_number: None,
                },
            })
            .collect();
        NullConnector { descriptor, cases }
    }
}

#[async_trait::async_trait]
impl Connector for NullConnector {
    fn descriptor(&self) -> &Descriptor {
        &self.descriptor
    }

    async fn fetch_cases(
        &self,
        _keys: &CitizenKeys,
        _ctx: &CallContext,
    ) -> Result<Vec<Case>, ConnectorError> {
        Ok(self.cases.clone())
    }

    async fn get_case(&self, native_id: &str, _ctx: &CallContext) -> Result<Case, ConnectorError> {
        self.cases
            .iter()
            .find(|c| c.native_id == native_id)
            .cloned()
            .ok_or_else(|| ConnectorError::not_found("no such case"))
    }
}

struct AlwaysUp;

#[async_trait::async_trait]
impl HealthCheck for AlwaysUp {
    async fn check(&self, _ctx: &CallContext) -> Result<(), ConnectorError> {
        Ok(())
    }
}

/// The registry of the six null connectors, each behind its own default guard (with a
/// bulkhead wide enough for the benchmark's 50 streams).
pub fn registry() -> Registry {
    let settings = ConnectorSettings {
        max_in_flight: 256,
        ..ConnectorSettings::default()
    };
    Registry {
        connectors: SOURCES
            .iter()
            .map(|name| Registered {
                connector: Arc::new(NullConnector::new(name)),
                health: Arc::new(AlwaysUp),
                guard: Arc::new(Guard::new(name, settings.clone())),
            })
            .collect(),
        knowledge: Vec::new(),
    }
}

/// The null hub's config in `dir` (written there, with a fresh subject key if there is none
/// and a fresh, empty audit database): SQLite group commit with the hub's defaults, no
/// checkpoints, no connectors. `dir` must hold `jwt-public.pem`.
pub fn config(dir: &Path) -> Result<HubConfig> {
    let db = dir.join("null-hub-audit.db");
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", db.display()));
    }
    let key = dir.join("subject-hmac.key");
    if !key.exists() {
        minwon_hub::config::keys::generate_secret(&key)?;
    }
    let config = dir.join("null-hub.toml");
    std::fs::write(
        &config,
        "# Written by minwon-bench (M1): the null hub; connectors are replaced in code.\n\
         [server]\nlisten = \"127.0.0.1:0\"\n\n\
         [auth]\njwt_public_key_file = \"jwt-public.pem\"\n\n\
         [audit]\nsqlite_path = \"null-hub-audit.db\"\nsubject_key_file = \"subject-hmac.key\"\n\
         checkpoints = false\n",
    )?;
    Ok(HubConfig::load(&config)?)
}

/// The null hub, built as [`serve`] serves it, with the telemetry it installed (shut it down
/// when done). `dir` holds `jwt-public.pem` (written by the parent) and receives the config,
/// the subject key and the audit database.
///
/// The hub is built by the hub's own `build_hub` from a config without connectors (so every
/// other part — keys, audit store and writer — is exactly what `serve` runs), and its registry
/// is then replaced by the null connectors.
pub async fn build(dir: &Path) -> Result<(Hub, HubConfig, minwon_hub::telemetry::Telemetry)> {
    let cfg = config(dir)?;
    // The hub's own telemetry with its default settings, as `minwon-hub serve` installs it.
    let telemetry =
        minwon_hub::telemetry::init(minwon_hub::telemetry::LogFormat::Text, Some(&cfg.telemetry))?;
    let built = minwon_hub::server::build_hub(&cfg)
        .await
        .context("building the hub")?;
    let Ok(mut hub) = Arc::try_unwrap(built) else {
        anyhow::bail!("build_hub kept a reference to the hub; cannot swap its registry");
    };
    hub.registry = registry();
    Ok((hub, cfg, telemetry))
}

/// Serves the null hub ([`build`]) on a free loopback port until stdin closes.
pub async fn serve(dir: &Path) -> Result<()> {
    let (hub, cfg, telemetry) = build(dir).await?;
    let listener = crate::pin::bind_listener(cfg.server.listen).await?;
    crate::pin::announce_ready(&listener.local_addr()?.to_string());
    let served = minwon_hub::server::serve(
        Arc::new(hub),
        Listeners {
            grpc: listener,
            metrics: None,
            health: None,
        },
        &cfg.server,
        crate::pin::stdin_closed(),
    )
    .await;
    telemetry.shutdown();
    served
}
