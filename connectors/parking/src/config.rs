//! [`ParkingConfig`]: the `[connectors.parking]` table, validated, and `build` returning the
//! connector with its health check.

use crate::NAME;
use crate::connector::{ParkingConnector, ParkingHealth};
use crate::protocol::DEMO_API_KEY;
use minwon_connector_sdk::config::{self, ConfigError, check_common};
use minwon_connector_sdk::http::HttpSettings;
use minwon_connector_sdk::{BuiltConnector, Credential};
use serde::Deserialize;
use std::sync::Arc;

/// Largest `page_size` accepted.
pub const MAX_PAGE_SIZE: u32 = 500;
/// Largest `max_pages` accepted.
pub const MAX_MAX_PAGES: u32 = 10_000;
/// Largest `max_items` accepted.
pub const MAX_MAX_ITEMS: usize = 100_000;

/// Configuration of the parking violation and towing connector.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct ParkingConfig {
    /// Base URL of the parking enforcement service, e.g. `https://parking.example.go.kr`; the
    /// API paths `/api/parking/v1/…` are appended.
    pub base_url: String,
    /// API key sent in the `X-API-Key` header. Defaults to the demo key the simulator accepts.
    /// Never printed.
    #[serde(default = "default_api_key")]
    pub api_key: Credential,
    /// Items asked per page (`limit`), 1 to 500; the back-end may serve fewer, never more.
    #[serde(default = "default_page_size")]
    pub page_size: u32,
    /// Most pages fetched per vehicle; a back-end still handing out a next cursor after that
    /// many pages is treated as misbehaving. 1 to 10000.
    #[serde(default = "default_max_pages")]
    pub max_pages: u32,
    /// Most tickets accepted per vehicle; more is treated as misbehaving. 1 to 100000.
    #[serde(default = "default_max_items")]
    pub max_items: usize,
    /// Time kept back before the caller's deadline, in ms: paging stops this early so the
    /// pages already fetched are returned (marked partial) before the hub cancels the call.
    /// The margin used is at most half the remaining budget.
    #[serde(default = "default_deadline_margin_ms")]
    pub deadline_margin_ms: u64,
    /// Department shown for tickets whose item names none, and in the connector's descriptor.
    #[serde(default = "default_department")]
    pub department: String,
    /// HTTP client settings.
    #[serde(default)]
    pub http: HttpSettings,
}

fn default_api_key() -> Credential {
    Credential::new(DEMO_API_KEY)
}
fn default_page_size() -> u32 {
    20
}
fn default_max_pages() -> u32 {
    50
}
fn default_max_items() -> usize {
    1_000
}
fn default_deadline_margin_ms() -> u64 {
    50
}
fn default_department() -> String {
    "주차관리과".to_string()
}

impl ParkingConfig {
    /// A config for `base_url` with every other field at its default.
    pub fn new(base_url: impl Into<String>) -> Self {
        ParkingConfig {
            base_url: base_url.into(),
            api_key: default_api_key(),
            page_size: default_page_size(),
            max_pages: default_max_pages(),
            max_items: default_max_items(),
            deadline_margin_ms: default_deadline_margin_ms(),
            department: default_department(),
            http: HttpSettings::default(),
        }
    }

    /// Parses and validates the config table from TOML text; unknown keys are errors.
    pub fn from_toml_str(text: &str) -> Result<ParkingConfig, ConfigError> {
        let cfg: ParkingConfig = config::from_toml_str(NAME, text)?;
        cfg.validate()?;
        Ok(cfg)
    }

    /// Checks every rule; the error names the offending key.
    pub fn validate(&self) -> Result<(), ConfigError> {
        let err = |m: String| Err(ConfigError::new(NAME, m));
        check_common(NAME, &self.base_url, &self.department, &self.http)?;
        let key = self.api_key.expose();
        let key_ok = !key.trim().is_empty() && key.bytes().all(|b| b.is_ascii_graphic());
        if !key_ok {
            return err("api_key: must be non-empty visible ASCII".into());
        }
        if !(1..=MAX_PAGE_SIZE).contains(&self.page_size) {
            return err(format!("page_size: must be 1 to {MAX_PAGE_SIZE}"));
        }
        if !(1..=MAX_MAX_PAGES).contains(&self.max_pages) {
            return err(format!("max_pages: must be 1 to {MAX_MAX_PAGES}"));
        }
        if !(1..=MAX_MAX_ITEMS).contains(&self.max_items) {
            return err(format!("max_items: must be 1 to {MAX_MAX_ITEMS}"));
        }
        if self.deadline_margin_ms > 10_000 {
            return err("deadline_margin_ms: must be at most 10000".into());
        }
        if self.department.trim().is_empty() {
            return err("department: must not be empty".into());
        }
        if self.http.max_body_bytes == 0 {
            return err("http.max_body_bytes: must be positive".into());
        }
        Ok(())
    }

    /// Validates and builds the connector and its health check (no knowledge source).
    pub fn build(&self) -> Result<BuiltConnector, ConfigError> {
        self.validate()?;
        let connector = Arc::new(
            ParkingConnector::new(self.clone())
                .map_err(|e| ConfigError::new(NAME, format!("http: {}", e.message)))?,
        );
        Ok(BuiltConnector {
            health: Arc::new(ParkingHealth::new(connector.clone())),
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
        let c = ParkingConfig::from_toml_str("base_url = \"http://127.0.0.1:8080\"").unwrap();
        assert_eq!(c, ParkingConfig::new("http://127.0.0.1:8080"));
        assert_eq!((c.page_size, c.max_pages, c.max_items), (20, 50, 1000));
        assert_eq!(c.api_key.expose(), DEMO_API_KEY);
        assert_eq!(c.department, "주차관리과");
    }

    #[test]
    fn full_table_parses() {
        let c = ParkingConfig::from_toml_str(
            "base_url = \"https://parking.example\"\napi_key = \"k\"\npage_size = 5\n\
             max_pages = 7\nmax_items = 30\ndeadline_margin_ms = 0\ndepartment = \"교통과\"\n\
             [http]\nmax_body_bytes = 1024\n",
        )
        .unwrap();
        assert_eq!((c.page_size, c.max_pages, c.max_items), (5, 7, 30));
        assert_eq!((c.deadline_margin_ms, c.http.max_body_bytes), (0, 1024));
    }

    #[test]
    fn unknown_keys_are_named() {
        let e = ParkingConfig::from_toml_str("base_url = \"https://x\"\npagesize = 5").unwrap_err();
        assert!(e.to_string().contains("pagesize"), "{e}");
        let e = ParkingConfig::from_toml_str("base_url = \"https://x\"\n[http]\ntimeout = 5")
            .unwrap_err();
        assert!(e.to_string().contains("timeout"), "{e}");
    }

    #[test]
    fn invalid_values_name_their_key() {
        for (toml, key) in [
            ("base_url = \"ftp://x\"", "base_url"),
            ("base_url = \"/relative\"", "base_url"),
            ("base_url = \"https://x\"\npage_size = 0", "page_size"),
            ("base_url = \"https://x\"\npage_size = 501", "page_size"),
            ("base_url = \"https://x\"\nmax_pages = 0", "max_pages"),
            ("base_url = \"https://x\"\nmax_items = 0", "max_items"),
            (
                "base_url = \"https://x\"\ndeadline_margin_ms = 60000",
                "deadline_margin_ms",
            ),
            ("base_url = \"https://x\"\napi_key = \"a b\"", "api_key"),
            ("base_url = \"https://x\"\ndepartment = \" \"", "department"),
            (
                "base_url = \"https://x\"\n[http]\nmax_body_bytes = 0",
                "max_body_bytes",
            ),
        ] {
            let e = ParkingConfig::from_toml_str(toml).unwrap_err();
            assert!(e.to_string().contains(key), "{toml}: {e}");
        }
        assert!(
            ParkingConfig::from_toml_str("page_size = 5").is_err(),
            "base_url required"
        );
    }

    #[test]
    fn debug_hides_the_api_key() {
        let mut c = ParkingConfig::new("http://x");
        c.api_key = "secret-key-123".into();
        for text in [format!("{c:?}"), format!("{c:#?}")] {
            assert!(!text.contains("secret-key-123"), "{text}");
        }
    }
}
