//! The connector registry: the one table of connector crates ([`CRATES`]: name, builder,
//! demo simulator — adding a crate connector is its folder plus one line there), and the
//! declarative connectors (`kind = "rest-json"` / `"portal-xml"`), which need no line at all.

use crate::fanout::resilience::Guard;
use crate::fanout::resilience::settings::ResilienceConfig;
use minwon_connector_sdk::config::{ConfigError, from_toml};
use minwon_connector_sdk::{BuiltConnector, Connector, Descriptor, HealthCheck, KnowledgeSource};
use std::sync::Arc;

/// Starts a back-end's simulator for the demo on `addr` (port 0: a free port).
#[cfg(feature = "demo")]
pub type Simulator = fn(
    minwon_connector_sdk::sim::Population,
    std::net::SocketAddr,
) -> std::pin::Pin<
    Box<dyn Future<Output = std::io::Result<minwon_connector_sdk::sim::SimHandle>> + Send>,
>;

/// One connector crate.
pub struct CrateEntry {
    /// Its table name under `[connectors]`, and the source name of its cases.
    pub name: &'static str,
    /// Parses its table strictly (unknown keys are errors) and builds it.
    pub build: fn(&str, toml::Value) -> Result<BuiltConnector, ConfigError>,
    /// Its back-end's simulator, for the demo (the crate's `demo` feature).
    #[cfg(feature = "demo")]
    pub simulator: Simulator,
}

/// One line of [`CRATES`]: the crate and its config type.
macro_rules! crate_entry {
    ($name:literal, $krate:ident, $config:ident) => {
        CrateEntry {
            name: $name,
            build: |name, table| from_toml::<$krate::$config>(name, table)?.build(),
            #[cfg(feature = "demo")]
            simulator: |pop, addr| Box::pin($krate::sim::start(pop, addr)),
        }
    };
}

/// Every connector crate this build can run, in the order answers are listed.
pub const CRATES: &[CrateEntry] = &[
    crate_entry!("saeol", minwon_connector_saeol, SaeolConfig),
    crate_entry!("tax", minwon_connector_tax, TaxConfig),
    crate_entry!("traffic", minwon_connector_traffic, TrafficConfig),
    crate_entry!("welfare", minwon_connector_welfare, WelfareConfig),
    crate_entry!("water", minwon_connector_water, WaterConfig),
    crate_entry!("parking", minwon_connector_parking, ParkingConfig),
];

const CRATE_NAMES: [&str; CRATES.len()] = {
    let mut names = [""; CRATES.len()];
    let mut i = 0;
    while i < CRATES.len() {
        names[i] = CRATES[i].name;
        i += 1;
    }
    names
};

/// The names of [`CRATES`], in order.
pub const KNOWN: &[&str] = &CRATE_NAMES;

/// The connector names a config may use: every crate, then its declarative tables (by name).
pub fn configured_names(tables: &std::collections::BTreeMap<String, toml::Value>) -> Vec<&str> {
    let mut names: Vec<&str> = KNOWN.to_vec();
    names.extend(
        tables
            .iter()
            .filter(|(n, t)| !KNOWN.contains(&n.as_str()) && is_declarative(t))
            .map(|(n, _)| n.as_str()),
    );
    names
}

/// Whether a table is a declarative connector's.
pub fn is_declarative(table: &toml::Value) -> bool {
    minwon_connector_declarative::is_declarative(table)
}

/// Builds one connector from its config table: a crate's by name, else a declarative one.
pub fn build(name: &str, table: &toml::Value) -> Result<BuiltConnector, ConfigError> {
    if let Some(entry) = CRATES.iter().find(|e| e.name == name) {
        return (entry.build)(name, table.clone());
    }
    if is_declarative(table) {
        return minwon_connector_declarative::DeclarativeConfig::from_toml(name, table.clone())?
            .build();
    }
    Err(ConfigError::new(
        name,
        format!(
            "unknown connector; known connectors: {}, or a table with kind = \"{}\"",
            KNOWN.join(", "),
            minwon_connector_declarative::KINDS.join("\" or \"")
        ),
    ))
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

/// Every configured connector — crates in [`CRATES`] order, then declarative tables by name —
/// plus the knowledge sources.
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
        for name in configured_names(tables) {
            let Some(table) = tables.get(name) else {
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

    /// The department owning source `name` (its descriptor's), or `""` if there is none.
    pub fn department_of(&self, name: &str) -> &str {
        self.get(name)
            .map(|r| r.descriptor().department.as_str())
            .unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_crate_table_names_each_connector_once() {
        let mut names = KNOWN.to_vec();
        names.dedup();
        assert_eq!(names.len(), CRATES.len());
        assert_eq!(KNOWN[0], "saeol");
    }

    #[test]
    fn a_declarative_table_builds_without_a_line_in_the_table() {
        let table =
            minwon_connector_declarative::waste_table("https://waste.example.go.kr").unwrap();
        let built = build("waste", &table).unwrap();
        let d = built.connector.descriptor();
        assert_eq!((d.name.as_str(), d.kind.as_str()), ("waste", "rest-json"));
        let mut tables = std::collections::BTreeMap::new();
        tables.insert("waste".to_string(), table);
        tables.insert("bogus".to_string(), toml::Value::Table(toml::Table::new()));
        let names = configured_names(&tables);
        assert!(names.contains(&"waste") && !names.contains(&"bogus"));
        let Err(e) = build("bogus", &tables["bogus"]) else {
            panic!("a table without a known name or kind is refused");
        };
        assert!(e.to_string().contains("rest-json"), "{e}");
    }

    #[test]
    fn a_source_s_department_is_its_descriptor_s_and_empty_for_an_unknown_name() {
        let table =
            minwon_connector_declarative::waste_table("https://waste.example.go.kr").unwrap();
        let mut tables = std::collections::BTreeMap::new();
        tables.insert("waste".to_string(), table);
        let registry = Registry::from_config(&tables, &ResilienceConfig::default()).unwrap();
        assert_eq!(registry.department_of("waste"), "자원순환과");
        assert_eq!(registry.department_of("nosuch"), "");
    }

    #[test]
    fn crate_tables_are_parsed_from_the_value_strictly() {
        let mut t = toml::Table::new();
        t.insert("base_url".into(), "https://tax.example".into());
        t.insert("base_urll".into(), "https://tax.example".into());
        let Err(e) = build("tax", &toml::Value::Table(t)) else {
            panic!("a misspelt key is refused");
        };
        assert!(e.to_string().contains("base_urll"), "{e}");
    }
}
