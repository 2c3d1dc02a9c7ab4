//! [`TaxConfig`]: the `[connectors.tax]` table, validated, and `build` returning the connector
//! with its health check.

use crate::NAME;
use crate::connector::{TaxConnector, TaxHealth};
use crate::protocol::DEMO_SERVICE_KEY;
use minwon_connector_sdk::config::{self, ConfigError, check_common};
use minwon_connector_sdk::http::HttpSettings;
use minwon_connector_sdk::{BuiltConnector, Credential};
use serde::Deserialize;
use std::sync::Arc;

/// Largest `page_size` accepted (the portal's usual `numOfRows` ceiling).
pub const MAX_PAGE_SIZE: u32 = 1000;
/// Largest `max_pages` accepted.
pub const MAX_MAX_PAGES: u32 = 10_000;

/// Configuration of the local tax connector.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct TaxConfig {
    /// Base URL of the local tax service, e.g. `https://apis.example.go.kr`; the service path
    /// `/1741000/LocalTaxService` is appended.
    pub base_url: String,
    /// Public-data-portal service key (the decoded form; it is percent-encoded on the wire).
    /// Defaults to the demo key the simulator accepts. Never printed.
    #[serde(default = "default_service_key")]
    pub service_key: Credential,
    /// Bills asked per page (`numOfRows`), 1 to 1000.
    #[serde(default = "default_page_size")]
    pub page_size: u32,
    /// Most pages fetched for one citizen; a back-end announcing more than
    /// `page_size × max_pages` bills is treated as misbehaving. 1 to 10000.
    #[serde(default = "default_max_pages")]
    pub max_pages: u32,
    /// Department shown for bills whose item names none, and in the connector's descriptor.
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
    "세정과".to_string()
}

impl TaxConfig {
    /// A config for `base_url` with every other field at its default.
    pub fn new(base_url: impl Into<String>) -> Self {
        TaxConfig {
            base_url: base_url.into(),
            service_key: default_service_key(),
            page_size: default_page_size(),
            max_pages: default_max_pages(),
            department: default_department(),
            http: HttpSettings::default(),
        }
    }

    /// Parses and validates the config table from TOML text; unknown keys are errors.
    pub fn from_toml_str(text: &str) -> Result<TaxConfig, ConfigError> {
        let cfg: TaxConfig = config::from_toml_str(NAME, text)?;
        cfg.validate()?;
        Ok(cfg)
    }

    /// Checks every rule; the error names the offending key.
    pub fn validate(&self) -> Result<(), ConfigError> {
        let err = |m: String| Err(ConfigError::new(NAME, m));
        check_common(NAME, &self.base_url, &self.department, &self.http)?;
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

    /// Validates and builds the connector and its health check (no knowledge source).
    pub fn build(&self) -> Result<BuiltConnector, ConfigError> {
        self.validate()?;
        let connector = Arc::new(
            TaxConnector::new(self.clone())
                .map_err(|e| ConfigError::new(NAME, format!("http: {}", e.message)))?,
        );
        Ok(BuiltConnector {
            health: Arc::new(TaxHealth::new(connector.clone())),
            connector,
            knowledge: None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn minimal_table_gets_defaults() {
        let c = TaxConfig::from_toml_str("base_url = \"http://127.0.0.1:8080\"").unwrap();
        assert_eq!(c, TaxConfig::new("http://127.0.0.1:8080"));
        assert_eq!((c.page_size, c.max_pages), (10, 100));
        assert_eq!(c.service_key.expose(), DEMO_SERVICE_KEY);
        assert_eq!(c.department, "세정과");
    }

    #[test]
    fn full_table_parses() {
        let c = TaxConfig::from_toml_str(
            "base_url = \"https://tax.example\"\nservice_key = \"k\"\npage_size = 50\n\
             max_pages = 20\ndepartment = \"징수과\"\n[http]\nconnect_timeout_ms = 200\n",
        )
        .unwrap();
        assert_eq!((c.page_size, c.max_pages), (50, 20));
        assert_eq!(c.http.connect_timeout_ms, 200);
    }

    #[test]
    fn unknown_keys_are_named() {
        let e = TaxConfig::from_toml_str("base_url = \"https://x\"\npagesize = 5").unwrap_err();
        assert!(e.to_string().contains("pagesize"), "{e}");
        let e =
            TaxConfig::from_toml_str("base_url = \"https://x\"\n[http]\ntimeout = 5").unwrap_err();
        assert!(e.to_string().contains("timeout"), "{e}");
    }

    #[test]
    fn invalid_values_name_their_key() {
        for (toml, key) in [
            ("base_url = \"ftp://x\"", "base_url"),
            ("base_url = \"not a url\"", "base_url"),
            ("base_url = \"https://x\"\npage_size = 0", "page_size"),
            ("base_url = \"https://x\"\npage_size = 1001", "page_size"),
            ("base_url = \"https://x\"\nmax_pages = 0", "max_pages"),
            (
                "base_url = \"https://x\"\nservice_key = \" \"",
                "service_key",
            ),
            ("base_url = \"https://x\"\ndepartment = \"\"", "department"),
        ] {
            let e = TaxConfig::from_toml_str(toml).unwrap_err();
            assert!(e.to_string().contains(key), "{toml}: {e}");
        }
        assert!(
            TaxConfig::from_toml_str("page_size = 5").is_err(),
            "base_url required"
        );
    }

    #[test]
    fn debug_hides_the_service_key() {
        let mut c = TaxConfig::new("http://x");
        c.service_key = "secret-key-123".into();
        for text in [format!("{c:?}"), format!("{c:#?}")] {
            assert!(!text.contains("secret-key-123"), "{text}");
        }
    }
}
