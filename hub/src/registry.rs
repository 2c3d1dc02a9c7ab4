//! The connector registry: the one place that knows which connectors exist. Adding a
//! department is one line in [`build`] (and in [`KNOWN`]).

use crate::resilience::Guard;
use crate::resilience::settings::ResilienceConfig;
use minwon_connector_sdk::config::ConfigError;
use minwon_connector_sdk::{BuiltConnector, Connector, Descriptor, HealthCheck, KnowledgeSource};
use std::sync::Arc;

/// Every connector this build can run, in the order answers are listed.
pub const KNOWN: &[&str] = &["saeol", "tax", "traffic", "welfare", "water", "parking"];

/// Builds one connector from its config table.
pub fn build(name: &str, table: &toml::Value) -> Result<BuiltConnector, ConfigError> {
    let text = toml::to_string(table).map_err(|e| ConfigError::new(name, e.to_string()))?;
    match name {
        "saeol" => minwon_connector_saeol::SaeolConfig::from_toml_str(&text)?.build(),
        "tax" => minwon_connector_tax::TaxConfig::from_toml_str(&text)?.build(),
        "traffic" => minwon_connector_traffic::TrafficConfig::from_toml_str(&text)?.build(),
        "welfare" => minwon_connector_welfare::WelfareConfig::from_toml_str(&text)?.build(),
        "water" => minwon_connector_water::WaterConfig::from_toml_str(&text)?.build(),
        "parking" => minwon_connector_parking::ParkingConfig::from_toml_str(&text)?.build(),
        other => Err(ConfigError::new(
            other,
            format!("unknown connector; known connectors: {}", KNOWN.join(", ")),
        )),
    }
}

/// Logs, at every start, a connector allowed to speak plain HTTP to a host that is not
/// loopback (`http.allow_plaintext`); its config was accepted only because of that switch.
fn warn_if_plaintext(name: &str, table: &toml::Value) {
    let allowed = table
        .get("http")
        .and_then(|h| h.get("allow_plaintext"))
        .and_then(toml::Value::as_bool)
        .unwrap_or(false);
    let remote = ["base_url", "bus_base_url", "token_url"]
        .iter()
        .filter_map(|k| table.get(*k).and_then(toml::Value::as_str))
        .any(minwon_connector_sdk::config::is_remote_plaintext);
    if allowed && remote {
        tracing::warn!(
            connector = name,
            "http.allow_plaintext: calls to this back-end cross the network unencrypted"
        );
    }
}

/// A connector as the hub holds it.
#[derive(Clone)]
pub struct Registered {
    /// The connector.
    pub connector: Arc<dyn Connector>,
    /// Its health check.
    pub health: Arc<dyn HealthCheck>,
    /// Its bulkhead, breaker, deadline and retry.
    pub guard: Arc<Guard>,
}

impl Registered {
    /// The descriptor.
    pub fn descriptor(&self) -> &Descriptor {
        self.connector.descriptor()
    }
}

/// Every configured connector, in [`KNOWN`] order, plus the knowledge source.
#[derive(Clone, Default)]
pub struct Registry {
    /// The connectors.
    pub connectors: Vec<Registered>,
    /// Every public knowledge source (Saeol's consultation base, traffic's bus routes), each
    /// with its connector's guard, so searches share that back-end's breaker.
    pub knowledge: Vec<(String, Arc<dyn KnowledgeSource>, Arc<Guard>)>,
}

impl Registry {
    /// Builds every connector named in the config.
    pub fn from_config(
        tables: &std::collections::BTreeMap<String, toml::Value>,
        resilience: &ResilienceConfig,
    ) -> Result<Self, ConfigError> {
        let mut reg = Registry::default();
        for name in KNOWN {
            let Some(table) = tables.get(*name) else {
                continue;
            };
            let built = build(name, table)?;
            warn_if_plaintext(name, table);
            let settings = resilience
                .for_connector(name)
                .map_err(|m| ConfigError::new(name, m))?;
            let guard = Arc::new(Guard::new(name, settings));
            if let Some(k) = built.knowledge.clone() {
                reg.knowledge.push((name.to_string(), k, guard.clone()));
            }
            reg.connectors.push(Registered {
                connector: built.connector,
                health: built.health,
                guard,
            });
        }
        Ok(reg)
    }

    /// Names of the configured sources.
    pub fn names(&self) -> Vec<&str> {
        self.connectors
            .iter()
            .map(|r| r.descriptor().name.as_str())
            .collect()
    }

    /// The connector named `name`.
    pub fn get(&self, name: &str) -> Option<&Registered> {
        self.connectors.iter().find(|r| r.descriptor().name == name)
    }
}
