//! Strict loading of a connector's config table, shared by every connector.

use serde::de::DeserializeOwned;

/// A config table that could not be used; the message names the offending key.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("connector `{connector}` config: {message}")]
pub struct ConfigError {
    /// Connector name.
    pub connector: String,
    /// What is wrong (from the TOML parser, or a validation rule).
    pub message: String,
}

impl ConfigError {
    /// A validation error for `connector`.
    pub fn new(connector: &str, message: impl Into<String>) -> Self {
        ConfigError {
            connector: connector.to_string(),
            message: message.into(),
        }
    }
}

/// Parses a config struct (which must use `#[serde(deny_unknown_fields)]`) from a TOML value,
/// so a misspelt key is an error, not a silent default.
pub fn from_toml<T: DeserializeOwned>(
    connector: &str,
    value: toml::Value,
) -> Result<T, ConfigError> {
    T::deserialize(value).map_err(|e| ConfigError::new(connector, e.to_string().trim().to_string()))
}

/// Parses a config struct from TOML text.
pub fn from_toml_str<T: DeserializeOwned>(connector: &str, text: &str) -> Result<T, ConfigError> {
    toml::from_str(text).map_err(|e| ConfigError::new(connector, e.to_string().trim().to_string()))
}
