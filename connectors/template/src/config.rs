//! [`TemplateConfig`]: the `[connectors.template]` table, validated, and `build` returning the
//! connector with its health check.
//!
//! The pattern every connector follows: `#[serde(deny_unknown_fields)]` so a typo is an error
//! naming the key; a `///` doc on every field (it is the user documentation); `from_toml_str`
//! through the SDK's strict loader; `validate` naming the offending key; `build` returning
//! [`BuiltConnector`] (connector + health check).

use crate::NAME;
use crate::connector::{TemplateConnector, TemplateHealth};
use minwon_connector_sdk::BuiltConnector;
use minwon_connector_sdk::config::{self, ConfigError};
use minwon_connector_sdk::http::HttpSettings;
use serde::Deserialize;
use std::sync::Arc;

/// Configuration of the template connector.
// RENAME: `TemplateConfig` → `<Name>Config`. PROTOCOL: add the back-end's own settings here
// (credentials default to the simulator's demo values; see the tax connector's service_key).
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct TemplateConfig {
    /// Base URL of the booking service, e.g. `https://waste.example.go.kr`; the paths
    /// `/api/waste/v1/bookings/…` are appended.
    pub base_url: String,
    /// Department shown in the descriptor, and for bookings that name no office.
    #[serde(default = "default_department")]
    pub department: String,
    /// HTTP client settings (`[connectors.template.http]`).
    #[serde(default)]
    pub http: HttpSettings,
}

// RENAME: the owning department.
fn default_department() -> String {
    "환경과".to_string()
}

impl TemplateConfig {
    /// A config for `base_url` with every other field at its default.
    pub fn new(base_url: impl Into<String>) -> Self {
        TemplateConfig {
            base_url: base_url.into(),
            department: default_department(),
            http: HttpSettings::default(),
        }
    }

    /// Parses and validates the config table from TOML text; unknown keys are errors.
    pub fn from_toml_str(text: &str) -> Result<TemplateConfig, ConfigError> {
        let cfg: TemplateConfig = config::from_toml_str(NAME, text)?;
        cfg.validate()?;
        Ok(cfg)
    }

    /// Checks every rule; the error names the offending key, never a secret value.
    pub fn validate(&self) -> Result<(), ConfigError> {
        let err = |m: &str| Err(ConfigError::new(NAME, m));
        match reqwest::Url::parse(&self.base_url) {
            Ok(u) if matches!(u.scheme(), "http" | "https") && u.host().is_some() => {}
            _ => return err("base_url: must be an absolute http:// or https:// URL"),
        }
        if self.department.trim().is_empty() {
            return err("department: must not be empty");
        }
        if self.http.max_body_bytes == 0 {
            return err("http.max_body_bytes: must be positive");
        }
        Ok(())
    }

    /// Validates and builds the connector and its health check (no knowledge source).
    pub fn build(&self) -> Result<BuiltConnector, ConfigError> {
        self.validate()?;
        let connector = Arc::new(
            TemplateConnector::new(self.clone())
                .map_err(|e| ConfigError::new(NAME, format!("http: {}", e.message)))?,
        );
        Ok(BuiltConnector {
            health: Arc::new(TemplateHealth::new(connector.clone())),
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
        let c = TemplateConfig::from_toml_str("base_url = \"http://127.0.0.1:8080\"").unwrap();
        assert_eq!(c, TemplateConfig::new("http://127.0.0.1:8080"));
        assert_eq!(c.department, "환경과");
    }

    #[test]
    fn full_table_parses() {
        let c = TemplateConfig::from_toml_str(
            "base_url = \"https://waste.example\"\ndepartment = \"자원순환과\"\n\
             [http]\nmax_body_bytes = 1000\n",
        )
        .unwrap();
        assert_eq!(c.department, "자원순환과");
        assert_eq!(c.http.max_body_bytes, 1000);
    }

    #[test]
    fn unknown_keys_and_bad_values_name_their_key() {
        for (toml, key) in [
            (
                "base_url = \"https://x\"\ndepartmnet = \"환경과\"",
                "departmnet",
            ),
            ("base_url = \"https://x\"\n[http]\ntimeout = 5", "timeout"),
            ("base_url = \"ftp://x\"", "base_url"),
            ("base_url = \"https://x\"\ndepartment = \" \"", "department"),
            (
                "base_url = \"https://x\"\n[http]\nmax_body_bytes = 0",
                "max_body_bytes",
            ),
            ("department = \"환경과\"", "base_url"),
        ] {
            let e = TemplateConfig::from_toml_str(toml).unwrap_err();
            assert!(e.to_string().contains(key), "{toml}: {e}");
        }
    }
}
