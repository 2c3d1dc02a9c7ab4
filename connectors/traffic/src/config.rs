//! [`TrafficConfig`]: the `[connectors.traffic]` table, validated; `build` returns the
//! connector with its health check, and `bus_client` the public bus route client.

use crate::NAME;
use crate::bus::BusRouteClient;
use crate::connector::{TrafficConnector, TrafficHealth};
use crate::protocol::DEMO_SERVICE_KEY;
use minwon_connector_sdk::config::{self, ConfigError, check_common, check_url};
use minwon_connector_sdk::http::HttpSettings;
use minwon_connector_sdk::{BuiltConnector, Credential};
use serde::Deserialize;
use std::sync::Arc;

/// Largest `page_size` accepted (the portal's usual `numOfRows` ceiling).
pub const MAX_PAGE_SIZE: u32 = 1000;
/// Largest `max_pages` accepted.
pub const MAX_MAX_PAGES: u32 = 10_000;

/// Configuration of the traffic fine connector and of its bus route client.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct TrafficConfig {
    /// Base URL of the traffic services, e.g. `https://apis.example.go.kr`; the service paths
    /// `/4157000/TrafficFineService` and `/4157000/BusRouteInfoService` are appended.
    pub base_url: String,
    /// Base URL of the bus route service when it is served elsewhere; defaults to `base_url`.
    #[serde(default)]
    pub bus_base_url: Option<String>,
    /// Public-data-portal service key (the decoded form; percent-encoded on the wire), used by
    /// both services. Defaults to the demo key the simulator accepts. Never printed.
    #[serde(default = "default_service_key")]
    pub service_key: Credential,
    /// Fines asked per page (`numOfRows`), 1 to 1000.
    #[serde(default = "default_page_size")]
    pub page_size: u32,
    /// Most pages fetched for one vehicle; a back-end announcing more than
    /// `page_size × max_pages` fines is treated as misbehaving. 1 to 10000.
    #[serde(default = "default_max_pages")]
    pub max_pages: u32,
    /// Department shown for fines whose item names none, and in the connector's descriptor.
    #[serde(default = "default_department")]
    pub department: String,
    /// HTTP client settings.
    #[serde(default)]
    pub http: HttpSettings,
}

fn default_service_key() -> Credential {
    Credential::new(DEMO_SERVICE_KEY)
}
fn default_page_size() -> u32 {
    10
}
fn default_max_pages() -> u32 {
    100
}
fn default_department() -> String {
    "교통행정과".to_string()
}

impl TrafficConfig {
    /// A config for `base_url` with every other field at its default.
    pub fn new(base_url: impl Into<String>) -> Self {
        TrafficConfig {
            base_url: base_url.into(),
            bus_base_url: None,
            service_key: default_service_key(),
            page_size: default_page_size(),
            max_pages: default_max_pages(),
            department: default_department(),
            http: HttpSettings::default(),
        }
    }

    /// Parses and validates the config table from TOML text; unknown keys are errors.
    pub fn from_toml_str(text: &str) -> Result<TrafficConfig, ConfigError> {
        let cfg: TrafficConfig = config::from_toml_str(NAME, text)?;
        cfg.validate()?;
        Ok(cfg)
    }

    /// Checks every rule; the error names the offending key.
    pub fn validate(&self) -> Result<(), ConfigError> {
        let err = |m: String| Err(ConfigError::new(NAME, m));
        check_common(NAME, &self.base_url, &self.department, &self.http)?;
        if let Some(bus) = &self.bus_base_url {
            check_url(NAME, "bus_base_url", bus)?;
            config::check_plaintext(NAME, "bus_base_url", bus, &self.http)?;
        }
        if self.service_key.expose().trim().is_empty() {
            return err("service_key: must not be empty".into());
        }
        if !(1..=MAX_PAGE_SIZE).contains(&self.page_size) {
            return err(format!("page_size: must be 1 to {MAX_PAGE_SIZE}"));
        }
        if !(1..=MAX_MAX_PAGES).contains(&self.max_pages) {
            return err(format!("max_pages: must be 1 to {MAX_MAX_PAGES}"));
        }
        Ok(())
    }

    /// The base URL of the bus route service.
    pub fn bus_base_url(&self) -> &str {
        self.bus_base_url.as_deref().unwrap_or(&self.base_url)
    }

    /// Validates and builds the connector, its health check, and the bus routes as public
    /// knowledge (outside the `Connector` trait: no personal data).
    pub fn build(&self) -> Result<BuiltConnector, ConfigError> {
        self.validate()?;
        let connector = Arc::new(
            TrafficConnector::new(self.clone())
                .map_err(|e| ConfigError::new(NAME, format!("http: {}", e.message)))?,
        );
        Ok(BuiltConnector {
            health: Arc::new(TrafficHealth::new(connector.clone())),
            connector,
            knowledge: Some(Arc::new(crate::bus_knowledge::BusKnowledge::new(
                self.bus_client()?,
            ))),
        })
    }

    /// Validates and builds the public bus route client (no personal data).
    pub fn bus_client(&self) -> Result<BusRouteClient, ConfigError> {
        self.validate()?;
        BusRouteClient::new(self.bus_base_url(), self.service_key.expose(), &self.http)
            .map_err(|e| ConfigError::new(NAME, format!("http: {}", e.message)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn minimal_table_gets_defaults() {
        let c = TrafficConfig::from_toml_str("base_url = \"http://127.0.0.1:8080\"").unwrap();
        assert_eq!(c, TrafficConfig::new("http://127.0.0.1:8080"));
        assert_eq!((c.page_size, c.max_pages), (10, 100));
        assert_eq!(c.service_key.expose(), DEMO_SERVICE_KEY);
        assert_eq!(c.department, "교통행정과");
        assert_eq!(c.bus_base_url(), "http://127.0.0.1:8080");
    }

    #[test]
    fn full_table_parses() {
        let c = TrafficConfig::from_toml_str(
            "base_url = \"https://fines.example\"\nbus_base_url = \"https://bus.example\"\n\
             service_key = \"k\"\npage_size = 50\nmax_pages = 20\ndepartment = \"교통지도과\"\n\
             [http]\nconnect_timeout_ms = 200\n",
        )
        .unwrap();
        assert_eq!((c.page_size, c.max_pages), (50, 20));
        assert_eq!(c.bus_base_url(), "https://bus.example");
        assert_eq!(c.http.connect_timeout_ms, 200);
        c.build().unwrap();
        c.bus_client().unwrap();
    }

    #[test]
    fn unknown_keys_are_named() {
        let e = TrafficConfig::from_toml_str("base_url = \"https://x\"\npagesize = 5").unwrap_err();
        assert!(e.to_string().contains("pagesize"), "{e}");
        let e = TrafficConfig::from_toml_str("base_url = \"https://x\"\n[http]\ntimeout = 5")
            .unwrap_err();
        assert!(e.to_string().contains("timeout"), "{e}");
    }

    #[test]
    fn invalid_values_name_their_key() {
        for (toml, key) in [
            ("base_url = \"ftp://x\"", "base_url"),
            ("base_url = \"not a url\"", "base_url"),
            (
                "base_url = \"https://x\"\nbus_base_url = \"x\"",
                "bus_base_url",
            ),
            ("base_url = \"https://x\"\npage_size = 0", "page_size"),
            ("base_url = \"https://x\"\npage_size = 1001", "page_size"),
            ("base_url = \"https://x\"\nmax_pages = 0", "max_pages"),
            (
                "base_url = \"https://x\"\nservice_key = \" \"",
                "service_key",
            ),
            ("base_url = \"https://x\"\ndepartment = \"\"", "department"),
            (
                "base_url = \"https://x\"\n[http]\nmax_body_bytes = 0",
                "max_body_bytes",
            ),
        ] {
            let e = TrafficConfig::from_toml_str(toml).unwrap_err();
            assert!(e.to_string().contains(key), "{toml}: {e}");
        }
        assert!(
            TrafficConfig::from_toml_str("page_size = 5").is_err(),
            "base_url required"
        );
    }

    #[test]
    fn debug_hides_the_service_key() {
        let mut c = TrafficConfig::new("http://x");
        c.service_key = "secret-key-123".into();
        assert!(!format!("{c:?}").contains("secret-key-123"));
    }
}
