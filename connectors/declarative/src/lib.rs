//! Declarative connectors: a department back-end added by configuration alone.
//!
//! A `[connectors.<name>]` table with `kind = "rest-json"` or `kind = "portal-xml"` describes
//! the back-end — endpoints and methods, where the citizen key goes (form or JSON body, never
//! a URL), authentication, paging, where the records are, the mapping to the unified `Case`
//! (paths, dates, amounts, the status table, personal fields), the result codes and the
//! health probe — and [`DeclarativeConfig::build`] turns it into a connector like any crate's.
//! The shared protocol code is the SDK's: the portal reader, paging loops and their guards,
//! OAuth2 client credentials, dates and won.
//!
//! Layout:
//! - [`spec`] — the table's keys (the user documentation);
//! - [`validate`] — the rules, every error naming its key;
//! - [`request`] — building requests and reading answers into records;
//! - [`search`] — a citizen's every record, page by page as `search.paging` says (the SDK's
//!   page, offset and cursor loops);
//! - [`mapping`] — record → `Case`;
//! - [`connector`] — [`DeclarativeConnector`] and [`DeclarativeHealth`].

pub mod connector;
pub mod mapping;
pub mod request;
pub mod search;
pub mod spec;
pub mod validate;

pub use connector::{DeclarativeConnector, DeclarativeHealth};
pub use spec::{Kind, Spec};

use minwon_connector_sdk::BuiltConnector;
use minwon_connector_sdk::config::{self, ConfigError};
use std::sync::Arc;

/// The `kind` values of declarative tables.
pub const KINDS: [&str; 2] = ["rest-json", "portal-xml"];

/// Whether a connector table is declarative (its `kind` is one of [`KINDS`]).
pub fn is_declarative(table: &toml::Value) -> bool {
    table
        .get("kind")
        .and_then(toml::Value::as_str)
        .is_some_and(|k| KINDS.contains(&k))
}

/// A validated declarative table and the name it is registered under.
#[derive(Debug, Clone, PartialEq)]
pub struct DeclarativeConfig {
    /// The table name: the source name of its cases and case references.
    pub name: String,
    /// The table.
    pub spec: Spec,
}

impl DeclarativeConfig {
    /// Parses and validates a table; unknown keys are errors naming the key.
    pub fn from_toml(name: &str, table: toml::Value) -> Result<Self, ConfigError> {
        let spec: Spec = config::from_toml(name, table)?;
        validate::validate(name, &spec)?;
        Ok(DeclarativeConfig {
            name: name.to_string(),
            spec,
        })
    }

    /// The same from TOML text (tests, `check-config` of a single table).
    pub fn from_toml_str(name: &str, text: &str) -> Result<Self, ConfigError> {
        let spec: Spec = config::from_toml_str(name, text)?;
        validate::validate(name, &spec)?;
        Ok(DeclarativeConfig {
            name: name.to_string(),
            spec,
        })
    }

    /// Builds the connector and its health check.
    pub fn build(&self) -> Result<BuiltConnector, ConfigError> {
        validate::validate(&self.name, &self.spec)?;
        let connector = Arc::new(
            DeclarativeConnector::new(&self.name, self.spec.clone())
                .map_err(|e| ConfigError::new(&self.name, format!("http: {}", e.message)))?,
        );
        Ok(BuiltConnector {
            health: Arc::new(DeclarativeHealth::new(connector.clone())),
            connector,
            knowledge: None,
        })
    }
}

/// The demo's `waste` department (connectors/declarative/waste.toml), a whole
/// `[connectors.waste]` table in hub-config form.
pub const WASTE_EXAMPLE: &str = include_str!("../waste.toml");

/// The `waste` example's table pointed at `base_url`, as a TOML value (tests and the demo).
pub fn waste_table(base_url: &str) -> Result<toml::Value, ConfigError> {
    let doc: toml::Value = toml::from_str(WASTE_EXAMPLE)
        .map_err(|e| ConfigError::new("waste", e.message().to_string()))?;
    let mut table = doc
        .get("connectors")
        .and_then(|c| c.get("waste"))
        .cloned()
        .ok_or_else(|| ConfigError::new("waste", "the example holds no [connectors.waste]"))?;
    if let Some(t) = table.as_table_mut() {
        t.insert("base_url".into(), toml::Value::String(base_url.to_string()));
    }
    Ok(table)
}
