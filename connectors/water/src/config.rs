//! [`WaterConfig`]: the `[connectors.water]` table, validated, and `build` returning the
//! connector with its health check.

use crate::NAME;
use crate::connector::{WaterConnector, WaterHealth};
use crate::protocol::MAX_MONTHS;
use crate::retry::RetryPolicy;
use minwon_connector_sdk::BuiltConnector;
use minwon_connector_sdk::config::{self, ConfigError, check_common};
use minwon_connector_sdk::http::HttpSettings;
use serde::Deserialize;
use std::sync::Arc;
use std::time::Duration;

/// Largest `max_retries` accepted.
pub const MAX_MAX_RETRIES: u32 = 5;
/// Largest `retry_default_backoff_ms` and `retry_margin_ms` accepted.
pub const MAX_RETRY_MS: u64 = 10_000;

/// Configuration of the water bill connector.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct WaterConfig {
    /// Base URL of the water billing service, e.g. `https://water.example.go.kr`; the paths
    /// `/api/water/v2/bills/…` are appended.
    pub base_url: String,
    /// Department shown in the descriptor, and for bills that name no office.
    #[serde(default = "default_department")]
    pub department: String,
    /// How many of the latest billing months a search asks for, 1 to 60.
    #[serde(default = "default_months")]
    pub months: u32,
    /// Most times one call waits out a 429/503 `Retry-After` and tries again, 0 to 5. A wait
    /// happens only when it fits before the caller's deadline.
    #[serde(default = "default_max_retries")]
    pub max_retries: u32,
    /// Wait after a 429 without a usable `Retry-After`, in ms (1 to 10000).
    #[serde(default = "default_backoff_ms")]
    pub retry_default_backoff_ms: u64,
    /// Time kept free after a wait for the retried request itself, in ms (0 to 10000): a wait
    /// is made only when `now + wait + margin` is before the deadline.
    #[serde(default = "default_margin_ms")]
    pub retry_margin_ms: u64,
    /// HTTP client settings.
    #[serde(default)]
    pub http: HttpSettings,
}

fn default_department() -> String {
    "수도과".to_string()
}
fn default_months() -> u32 {
    12
}
fn default_max_retries() -> u32 {
    2
}
fn default_backoff_ms() -> u64 {
    500
}
fn default_margin_ms() -> u64 {
    200
}

impl WaterConfig {
    /// A config for `base_url` with every other field at its default.
    pub fn new(base_url: impl Into<String>) -> Self {
        WaterConfig {
            base_url: base_url.into(),
            department: default_department(),
            months: default_months(),
            max_retries: default_max_retries(),
            retry_default_backoff_ms: default_backoff_ms(),
            retry_margin_ms: default_margin_ms(),
            http: HttpSettings::default(),
        }
    }

    /// Parses and validates the config table from TOML text; unknown keys are errors.
    pub fn from_toml_str(text: &str) -> Result<WaterConfig, ConfigError> {
        let cfg: WaterConfig = config::from_toml_str(NAME, text)?;
        cfg.validate()?;
        Ok(cfg)
    }

    /// Checks every rule; the error names the offending key.
    pub fn validate(&self) -> Result<(), ConfigError> {
        let err = |m: String| Err(ConfigError::new(NAME, m));
        check_common(NAME, &self.base_url, &self.department, &self.http)?;
        if !(1..=MAX_MONTHS).contains(&self.months) {
            return err(format!("months: must be 1 to {MAX_MONTHS}"));
        }
        if self.max_retries > MAX_MAX_RETRIES {
            return err(format!("max_retries: must be 0 to {MAX_MAX_RETRIES}"));
        }
        if !(1..=MAX_RETRY_MS).contains(&self.retry_default_backoff_ms) {
            return err(format!(
                "retry_default_backoff_ms: must be 1 to {MAX_RETRY_MS}"
            ));
        }
        if self.retry_margin_ms > MAX_RETRY_MS {
            return err(format!("retry_margin_ms: must be 0 to {MAX_RETRY_MS}"));
        }
        if self.http.max_body_bytes == 0 {
            return err("http.max_body_bytes: must be positive".into());
        }
        Ok(())
    }

    /// The retry settings as a [`RetryPolicy`].
    pub fn retry_policy(&self) -> RetryPolicy {
        RetryPolicy {
            max_retries: self.max_retries,
            default_backoff: Duration::from_millis(self.retry_default_backoff_ms),
            margin: Duration::from_millis(self.retry_margin_ms),
        }
    }

    /// Validates and builds the connector and its health check (no knowledge source).
    pub fn build(&self) -> Result<BuiltConnector, ConfigError> {
        self.validate()?;
        let connector = Arc::new(
            WaterConnector::new(self.clone())
                .map_err(|e| ConfigError::new(NAME, format!("http: {}", e.message)))?,
        );
        Ok(BuiltConnector {
            health: Arc::new(WaterHealth::new(connector.clone())),
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
        let c = WaterConfig::from_toml_str("base_url = \"http://127.0.0.1:8080\"").unwrap();
        assert_eq!(c, WaterConfig::new("http://127.0.0.1:8080"));
        assert_eq!((c.months, c.max_retries), (12, 2));
        assert_eq!(c.department, "수도과");
        assert_eq!(
            c.retry_policy(),
            RetryPolicy {
                max_retries: 2,
                default_backoff: Duration::from_millis(500),
                margin: Duration::from_millis(200),
            }
        );
    }

    #[test]
    fn full_table_parses() {
        let c = WaterConfig::from_toml_str(
            "base_url = \"https://water.example\"\ndepartment = \"상하수도사업소\"\nmonths = 24\n\
             max_retries = 0\nretry_default_backoff_ms = 100\nretry_margin_ms = 0\n\
             [http]\nmax_body_bytes = 1000\n",
        )
        .unwrap();
        assert_eq!((c.months, c.max_retries, c.retry_margin_ms), (24, 0, 0));
        assert_eq!(c.http.max_body_bytes, 1000);
    }

    #[test]
    fn unknown_keys_are_named() {
        let e = WaterConfig::from_toml_str("base_url = \"https://x\"\nmonth = 5").unwrap_err();
        assert!(e.to_string().contains("month"), "{e}");
        let e =
            WaterConfig::from_toml_str("base_url = \"https://x\"\n[http]\ntimeout = 5").unwrap_err();
        assert!(e.to_string().contains("timeout"), "{e}");
    }

    #[test]
    fn invalid_values_name_their_key() {
        for (toml, key) in [
            ("base_url = \"ftp://x\"", "base_url"),
            ("base_url = \"not a url\"", "base_url"),
            ("base_url = \"https://x\"\ndepartment = \" \"", "department"),
            ("base_url = \"https://x\"\nmonths = 0", "months"),
            ("base_url = \"https://x\"\nmonths = 61", "months"),
            ("base_url = \"https://x\"\nmax_retries = 6", "max_retries"),
            (
                "base_url = \"https://x\"\nretry_default_backoff_ms = 0",
                "retry_default_backoff_ms",
            ),
            (
                "base_url = \"https://x\"\nretry_margin_ms = 10001",
                "retry_margin_ms",
            ),
            (
                "base_url = \"https://x\"\n[http]\nmax_body_bytes = 0",
                "max_body_bytes",
            ),
        ] {
            let e = WaterConfig::from_toml_str(toml).unwrap_err();
            assert!(e.to_string().contains(key), "{toml}: {e}");
        }
        assert!(
            WaterConfig::from_toml_str("months = 5").is_err(),
            "base_url required"
        );
    }
}
