//! [`SaeolConfig`]: the connector's config table, strictly parsed, and `build`, which returns
//! the connector, its health check and its knowledge source together.

use crate::connector::{SaeolConnector, SaeolHealth};
use crate::knowledge::SaeolKnowledge;
use crate::mapping::SOURCE;
use crate::schema::DEFAULT_SERVICE_PATH;
use minwon_connector_sdk::config::{ConfigError, check_common, from_toml, from_toml_str};
use minwon_connector_sdk::http::HttpSettings;
use minwon_connector_sdk::{BuiltConnector, Descriptor, KeyKind, PersonalField};
use serde::Deserialize;
use std::sync::Arc;

/// The `[connectors.saeol]` table.
///
/// ```toml
/// base_url = "http://saeol.gimpo.internal:8080"
/// department = "민원여권과"
/// org_code = "4157000000"
/// [http]
/// connect_timeout_ms = 1000
/// ```
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct SaeolConfig {
    /// Base URL of the Saeol application server, e.g. `http://saeol.gimpo.internal:8080`
    /// (no trailing path; `service_path` is appended).
    pub base_url: String,
    /// Owning department shown in the connector list.
    #[serde(default = "default_department")]
    pub department: String,
    /// Path of the `MinwonService` SOAP endpoint below `base_url`.
    #[serde(default = "default_service_path")]
    pub service_path: String,
    /// The calling organisation's 10-digit administrative code (행정기관코드), sent in every
    /// request header; Gimpo City is `4157000000`.
    #[serde(default = "default_org_code")]
    pub org_code: String,
    /// HTTP client settings (timeouts, body size limit, pool).
    #[serde(default)]
    pub http: HttpSettings,
}

fn default_department() -> String {
    "민원여권과".to_string()
}
fn default_service_path() -> String {
    DEFAULT_SERVICE_PATH.to_string()
}
fn default_org_code() -> String {
    "4157000000".to_string()
}

impl SaeolConfig {
    /// A config with defaults pointing at `base_url`.
    pub fn new(base_url: impl Into<String>) -> Self {
        SaeolConfig {
            base_url: base_url.into(),
            department: default_department(),
            service_path: default_service_path(),
            org_code: default_org_code(),
            http: HttpSettings::default(),
        }
    }

    /// Parses and validates the table from TOML text.
    pub fn from_toml_str(text: &str) -> Result<SaeolConfig, ConfigError> {
        let c: SaeolConfig = from_toml_str(SOURCE, text)?;
        c.validate()?;
        Ok(c)
    }

    /// Parses and validates the table from a TOML value (the hub's config file).
    pub fn from_toml(value: toml::Value) -> Result<SaeolConfig, ConfigError> {
        let c: SaeolConfig = from_toml(SOURCE, value)?;
        c.validate()?;
        Ok(c)
    }

    /// Checks the values serde cannot.
    pub fn validate(&self) -> Result<(), ConfigError> {
        check_common(SOURCE, &self.base_url, &self.department, &self.http)?;
        if !self.service_path.starts_with('/') {
            return Err(ConfigError::new(SOURCE, "service_path must start with /"));
        }
        if self.org_code.len() != 10 || !self.org_code.bytes().all(|b| b.is_ascii_digit()) {
            return Err(ConfigError::new(SOURCE, "org_code must be 10 digits"));
        }
        Ok(())
    }

    /// The SOAP endpoint URL.
    pub fn endpoint(&self) -> String {
        format!(
            "{}{}",
            self.base_url.trim().trim_end_matches('/'),
            self.service_path
        )
    }

    /// What this connector is.
    pub fn descriptor(&self) -> Descriptor {
        Descriptor {
            name: SOURCE.to_string(),
            department: self.department.clone(),
            kind: "soap-euckr".to_string(),
            base_url: self.base_url.clone(),
            accepts: vec![KeyKind::Rrn],
            personal_fields: vec![
                PersonalField::Name,
                PersonalField::Phone,
                PersonalField::Address,
            ],
            attribute_labels: Descriptor::labels(crate::mapping::ATTRIBUTE_LABELS),
        }
    }

    /// Builds the connector, its health check (the `GetServerStatus` operation) and the
    /// knowledge source (the `SearchKnowledge` operation), sharing one HTTP client.
    pub fn build(&self) -> Result<BuiltConnector, ConfigError> {
        self.validate()?;
        let connector =
            Arc::new(SaeolConnector::new(self).map_err(|e| ConfigError::new(SOURCE, e.message))?);
        Ok(BuiltConnector {
            health: Arc::new(SaeolHealth::new(connector.clone())),
            knowledge: Some(Arc::new(SaeolKnowledge::new(connector.clone()))),
            connector,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_fill_in_and_unknown_keys_are_named() {
        let c = SaeolConfig::from_toml_str("base_url = \"http://127.0.0.1:1/\"").unwrap();
        assert_eq!(c.department, "민원여권과");
        assert_eq!(
            c.endpoint(),
            "http://127.0.0.1:1/saeol/services/MinwonService"
        );
        let e = SaeolConfig::from_toml_str("base_url = \"https://x\"\norg_cd = \"1\"").unwrap_err();
        assert!(e.to_string().contains("org_cd"), "{e}");
        let e = SaeolConfig::from_toml_str("base_url = \"https://x\"\n[http]\ntimeout = 1")
            .unwrap_err();
        assert!(e.to_string().contains("timeout"), "{e}");
    }

    #[test]
    fn values_are_validated() {
        assert!(SaeolConfig::from_toml_str("base_url = \"ftp://x\"").is_err());
        assert!(
            SaeolConfig::from_toml_str("base_url = \"https://x\"\norg_code = \"41570\"").is_err()
        );
        assert!(
            SaeolConfig::from_toml_str("base_url = \"https://x\"\nservice_path = \"svc\"").is_err()
        );
        let built = SaeolConfig::new("http://127.0.0.1:1").build().unwrap();
        let d = built.connector.descriptor();
        assert_eq!((d.name.as_str(), d.kind.as_str()), ("saeol", "soap-euckr"));
        assert!(built.knowledge.is_some());
    }
}
